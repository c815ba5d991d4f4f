"""Check analytic gradients against finite differences.

The central difference  (f(x + eps) - f(x - eps)) / (2 eps)  approximates df/dx with error
O(eps^2); in float64 with eps = 1e-6 it agrees with a correct gradient to about 1e-9.

`gradcheck` checks first derivatives; `gradgradcheck` checks second derivatives by the same
rule applied to the gradient itself (computed with create_graph=True); `gradcheck_report`
returns the element-level comparison that both use, for tables and plots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .mode import enable_grad, no_grad
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


@dataclass
class InputReport:
    """The comparison for one input: every element's analytic and numeric derivative."""

    index: int
    analytic: np.ndarray
    numeric: np.ndarray
    abs_err: np.ndarray
    rel_err: np.ndarray
    ok: np.ndarray  # |analytic - numeric| <= atol + rtol |numeric| (and analytic finite)

    @property
    def passed(self) -> bool:
        return bool(np.all(self.ok))

    @property
    def max_abs_err(self) -> float:
        return float(np.max(self.abs_err, initial=0.0))

    @property
    def max_rel_err(self) -> float:
        return float(np.max(self.rel_err, initial=0.0))

    def first_failure(self) -> tuple[int, ...] | None:
        if self.passed:
            return None
        idx = np.unravel_index(int(np.argmax(~self.ok)), self.ok.shape) if self.ok.ndim else ()
        return tuple(int(k) for k in idx)


def tolerance_ok(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """PyTorch's rule: |analytic - numeric| <= atol + rtol * |numeric|, and analytic finite."""
    with np.errstate(invalid="ignore"):
        return (np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric)) & np.isfinite(analytic)


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


def _projection(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """A fixed random +-[0.5, 1.5] weight per output element: wrong entries cannot cancel out."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, size=shape) * np.where(rng.random(shape) < 0.5, -1, 1)


def _scalar_fn(fn: Callable[..., Value], xs: list) -> tuple[Callable[..., Value], bool]:
    """fn itself when its output is one number; else the projection sum(u * fn(...)) with a
    fixed random u, whose gradient is u^T J: wrong Jacobian entries show up with probability 1."""
    with no_grad():
        out = fn(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    if out.size == 1:
        return (lambda *a: fn(*a).sum()), False
    u = _projection(out.shape, 0)
    return (lambda *a: (fn(*a) * u).sum()), True


def numerical_grad(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradient of sum(fn(*inputs)) with respect to each input, in float64."""
    xs = [_leaf64(x) for x in inputs]
    return _numeric(lambda *a: fn(*a).sum(), xs, eps)


def _numeric(f: Callable[..., Value], xs: list, eps: float, record: bool = False) -> list[np.ndarray]:
    """Central differences of the scalar f. `record` keeps the graph on (f may call backward)."""
    grads = []
    with enable_grad() if record else no_grad():
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


def _report(f: Callable[..., Value], xs: list, analytic: list, eps: float, atol: float, rtol: float,
            record: bool) -> list[InputReport]:
    numeric = _numeric(f, xs, eps, record)
    reports = []
    for i in _checked(xs):
        a, n = analytic[i], numeric[i]
        abs_err = np.abs(a - n)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(np.abs(n) > 0, abs_err / np.abs(n), abs_err)
        reports.append(InputReport(i, a, n, abs_err, rel, tolerance_ok(a, n, atol, rtol)))
    return reports


def gradcheck_report(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                     rtol: float = 1e-3) -> list[InputReport]:
    """Analytic vs numeric gradient of every element of every input that requires grad.

    Returns one `InputReport` per checked input (its index, both arrays, absolute and relative
    errors and the pass mask). For a non-scalar output the derivative checked is that of
    sum(u * fn(...)) for a fixed random u. Inputs are copied to float64.
    """
    xs = [_leaf64(x) for x in inputs]
    if not _checked(xs):
        raise ValueError("gradcheck: no input requires a gradient")
    f, _ = _scalar_fn(fn, xs)
    out = f(*xs)
    if out.requires_grad:
        out.backward()
    analytic = [np.array(x.grad, dtype=np.float64) if i in _checked(xs) else None for i, x in enumerate(xs)]
    return _report(f, xs, analytic, eps, atol, rtol, record=False)


def _verdict(reports: list[InputReport], projected: bool, atol: float, rtol: float, raise_exception: bool,
             what: str) -> bool:
    for r in reports:
        idx = r.first_failure()
        if idx is None:
            continue
        a, n = r.analytic[idx], r.numeric[idx]
        msg = (f"{what}: input {r.index}, element {idx}: analytic {a:.10g} vs numeric {n:.10g} "
               f"({'projected on a random u; ' if projected else ''}|diff| {abs(a - n):.3g} > atol {atol:g} "
               f"+ rtol {rtol:g} * |numeric|)")
        if raise_exception:
            raise GradcheckError(msg, r.index, idx, float(a), float(n))
        return False
    return True


def gradcheck(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare the analytic gradient of every input element with central differences.

    Inputs are copied to float64. An element passes when |analytic - numeric| <= atol +
    rtol * |numeric| (PyTorch's rule). For a non-scalar output the check is on sum(u * fn(...))
    for a fixed random u. On the first mismatch, raises `GradcheckError` naming the input
    index, the element index and both values (or returns False if `raise_exception=False`).
    """
    reports = gradcheck_report(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
    with no_grad():
        projected = fn(*[_leaf64(x) for x in inputs]).size != 1
    return _verdict(reports, projected, atol, rtol, raise_exception, "gradcheck")


def gradgradcheck_report(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                         rtol: float = 1e-3) -> list[InputReport]:
    """Second derivatives, element by element: the gradient g(x) = d sum(u * fn(x))/dx is
    computed with create_graph=True, and the derivative of sum_i <v_i, g_i(x)> (fixed random
    v) is compared with central differences of that same analytic gradient."""
    from .autograd import grad

    xs = [_leaf64(x) for x in inputs]
    checked = _checked(xs)
    if not checked:
        raise ValueError("gradgradcheck: no input requires a gradient")
    f, _ = _scalar_fn(fn, xs)
    vs = {i: _projection(xs[i].shape, 10 + i) for i in checked}

    def g_dot_v(*a: Any) -> Value:
        gs = grad(f(*a), [a[i] for i in checked], create_graph=True, allow_unused=True)
        total = None
        for i, gi in zip(checked, gs):
            term = (gi * vs[i]).sum()
            total = term if total is None else total + term
        return total

    with enable_grad():
        out = g_dot_v(*xs)
        analytic = [None] * len(xs)
        if out.requires_grad:
            second = grad(out, [xs[i] for i in checked], allow_unused=True)
            for i, s in zip(checked, second):
                analytic[i] = np.array(s._data, dtype=np.float64)
        else:
            for i in checked:
                analytic[i] = np.zeros(xs[i].shape)
    return _report(g_dot_v, xs, analytic, eps, atol, rtol, record=True)


def gradgradcheck(fn: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives (gradients of the gradient) against finite differences of the
    analytic gradient, reporting like `gradcheck` (GradcheckError naming input and element)."""
    reports = gradgradcheck_report(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
    return _verdict(reports, True, atol, rtol, raise_exception, "gradgradcheck")
