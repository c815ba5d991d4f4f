"""Check analytic gradients against finite differences.

The central difference  (f(x + eps) - f(x - eps)) / (2 eps)  approximates df/dx with error
O(eps^2); in float64 with eps = 1e-6 it agrees with a correct gradient to about 1e-9.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .mode import no_grad
from .value import Value


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with the numeric one. Attributes name where."""

    def __init__(self, message: str, input_index: int, element_index: tuple, analytic: float,
                 numeric: float):
        super().__init__(message)
        self.input_index = input_index
        self.element_index = element_index
        self.analytic = analytic
        self.numeric = numeric


def _leaf64(x: Any) -> Any:
    """A float64 copy to differentiate; integer data (labels, indices) passes through as is."""
    if isinstance(x, Value):
        return Value(np.array(x._data, dtype=np.float64), label=x.label) if x.requires_grad else x
    arr = np.asarray(x)
    if arr.dtype.kind in "biu" or arr.dtype.kind not in "f" and not isinstance(x, (int, float)):
        return x
    return Value(np.array(arr, dtype=np.float64))


def _checked(xs: list) -> list[int]:
    return [i for i, x in enumerate(xs) if isinstance(x, Value) and x.requires_grad]


def _scalar_fn(fn: Callable[..., Value], xs: list) -> tuple[Callable[..., Value], bool]:
    """fn itself when its output is one number; else the projection sum(u * fn(...)) with a
    fixed random u, whose gradient is u^T J: wrong Jacobian entries show up with probability 1."""
    with no_grad():
        out = fn(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    if out.size == 1:
        return (lambda *a: fn(*a).sum()), False
    u = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape) * np.where(
        np.random.default_rng(1).random(out.shape) < 0.5, -1, 1)
    return (lambda *a: (fn(*a) * u).sum()), True


def numerical_grad(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradient of sum(fn(*inputs)) with respect to each input, in float64."""
    xs = [_leaf64(x) for x in inputs]
    return _numeric(lambda *a: fn(*a).sum(), xs, eps)


def _numeric(f: Callable[..., Value], xs: list, eps: float) -> list[np.ndarray]:
    grads = []
    with no_grad():
        for x in xs:
            if not (isinstance(x, Value) and x.requires_grad):
                grads.append(None)
                continue
            base = np.array(x._data, dtype=np.float64)  # a private, writable copy
            g = np.zeros_like(base)
            flat, gflat = base.reshape(-1), g.reshape(-1)
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                x._data = base if base.ndim else base[()]
                hi = float(f(*xs).item())
                flat[j] = orig - eps
                x._data = base if base.ndim else base[()]
                lo = float(f(*xs).item())
                flat[j] = orig
                gflat[j] = (hi - lo) / (2 * eps)
            x._data = base if base.ndim else base[()]
            grads.append(g)
    return grads


def gradcheck(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare the analytic gradient of every input element with central differences.

    Inputs are copied to float64. An element passes when |analytic - numeric| <= atol +
    rtol * |numeric| (PyTorch's rule). For a non-scalar output the check is on sum(u * fn(...))
    for a fixed random u. On the first mismatch, raises `GradcheckError` naming the input
    index, the element index and both values (or returns False if `raise_exception=False`).
    """
    xs = [_leaf64(x) for x in inputs]
    if not _checked(xs):
        raise ValueError("gradcheck: no input requires a gradient")
    f, projected = _scalar_fn(fn, xs)
    out = f(*xs)
    if out.requires_grad:
        out.backward()
    analytic = [np.array(x.grad, dtype=np.float64) if i in _checked(xs) else None for i, x in enumerate(xs)]
    numeric = _numeric(f, xs, eps)
    for i in _checked(xs):
        a, n = analytic[i], numeric[i]
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if np.any(bad) or not np.all(np.isfinite(a)):
            idx = np.unravel_index(int(np.argmax(bad | ~np.isfinite(a))), a.shape) if a.ndim else ()
            idx = tuple(int(k) for k in idx)
            what = "d sum(u * output)/d input" if projected else "d output/d input"
            msg = (f"gradcheck: input {i}, element {idx}: analytic {a[idx]:.10g} vs numeric {n[idx]:.10g} "
                   f"({what}; |diff| {abs(a[idx] - n[idx]):.3g} > atol {atol:g} + rtol {rtol:g} * |numeric|)")
            if raise_exception:
                raise GradcheckError(msg, i, idx, float(a[idx]), float(n[idx]))
            return False
    return True
