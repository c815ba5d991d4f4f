"""Lesson 1, backprop by hand on a scalar graph: gradients of one neuron, a local derivative, a new op."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, GradcheckError, Value, gradcheck

from .core import Wrong, assert_close, exercise

NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def neuron_grads() -> dict[str, float]:
    """The engine's do/dv for o = tanh(x1*w1 + x2*w2 + b) at the lesson's numbers."""
    vals = {k: Value(v, label=k) for k, v in NEURON.items()}
    o = (vals["x1"] * vals["w1"] + vals["x2"] * vals["w2"] + vals["b"]).tanh()
    o.backward()
    return {k: float(v.grad) for k, v in vals.items()}


@exercise("neuron_grads", hint="do/dn = 1 - tanh(n)**2 = 1 - o**2 (about 0.5); then dn/dw1 = x1, dn/dx1 = w1, "
                               "dn/db = 1: multiply each by do/dn (the chain rule).")
def _neuron(answer: dict[str, float]) -> None:
    """A dict {"x1": ..., "w1": ..., "x2": ..., "w2": ..., "b": ...} of do/dv, worked out by hand."""
    if not isinstance(answer, dict):
        raise Wrong(f"expected a dict of five numbers, got {type(answer).__name__}")
    expected = neuron_grads()
    missing = set(expected) - set(answer)
    if missing:
        raise Wrong(f"missing the gradients of {sorted(missing)}")
    for k, v in expected.items():
        assert_close(answer[k], v, f"do/d{k}", atol=1e-3, rtol=1e-3)


@exercise("tanh_backward", hint="y = tanh(x) has dy/dx = 1 - y**2; the input gradient is grad * (1 - tanh(x)**2), "
                                "elementwise (not a sum, not a matrix product).")
def _tanh_backward(fn: Any) -> None:
    """`tanh_backward(x, grad) -> dL/dx` for y = tanh(x), given dL/dy = grad (numpy arrays, same shape)."""
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(3, 4)) * 2, rng.normal(size=(3, 4))
    v = Value(x)
    v.tanh().backward(g)
    assert_close(fn(x, g), v.grad, "tanh_backward(x, grad)")


@exercise("cube_op", hint="forward returns x**3 (keep x in self.saved); backward returns grad * 3 * x**2, "
                          "with x taken back from self.saved.")
def _cube(cls: Any) -> None:
    """A `Function` subclass computing y = x**3 whose backward passes gradcheck."""
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        raise Wrong(f"expected a Function subclass, got {cls!r}")
    x = np.array([-1.5, 0.3, 2.0])
    out = cls.apply(Value(x))
    assert_close(out.data, x ** 3, "forward")
    try:
        gradcheck(lambda v: cls.apply(v), Value(x))
    except GradcheckError as e:
        raise Wrong(f"backward disagrees with finite differences: {e}") from None
