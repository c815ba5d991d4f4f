"""Lesson 13, higher-order gradients: a second derivative by hand, a Hessian-vector product by double backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value, func

from .core import Wrong, assert_close, exercise


@exercise("tanh_second_derivative", hint="d/dx tanh = 1 - tanh**2, so d2/dx2 = -2 tanh(x) * (1 - tanh(x)**2).")
def _second(fn: Any) -> None:
    """`tanh_second_derivative(x) -> array`: the second derivative of tanh, elementwise (by hand)."""
    x = np.linspace(-3, 3, 13)
    d2 = func.grad(func.grad(lambda v: v.tanh()))
    expected = np.array([_arr(d2(Value(xi))) for xi in x], dtype=np.float64).reshape(x.shape)
    assert_close(fn(x), expected, "tanh_second_derivative(x)")


@exercise("hvp_double_backward", hint="g = tinygrad_edu.grad(f(x), x, create_graph=True)[0] is a Value in the graph; "
                                      "then tinygrad_edu.grad((g * v).sum(), x)[0] is H @ v (v a constant array).")
def _hvp(fn: Any) -> None:
    """`hvp(f, x, v) -> array`: the Hessian of scalar f at x times v, by differentiating the gradient again."""
    rng = np.random.default_rng(15)
    A = rng.normal(size=(4, 4))

    def f(w):
        return (w @ A @ w) * 0.5 + (w * w * w).sum() + w.tanh().sum()

    for _ in range(2):
        x, v = rng.normal(size=4), rng.normal(size=4)
        H = _arr(func.hessian(f)(Value(x)))
        got = fn(f, Value(x), v)
        if isinstance(got, (tuple, list)):
            raise Wrong("return only H @ v (one array)")
        assert_close(got, H @ v, "hvp(f, x, v)", atol=1e-8)


def _arr(r: Any) -> np.ndarray:
    """numpy data of a transform's result (a Value when called on Values)."""
    return np.asarray(getattr(r, "data", r), dtype=np.float64)
