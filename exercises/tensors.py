"""Lesson 2, tensors and broadcasting: sum a gradient back to an operand's shape; the matmul backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise

SHAPE_PAIRS = [((2, 3), (2, 3)), ((3,), (4, 3)), ((3, 1), (2, 3, 4)), ((1, 4), (5, 4)), ((), (2, 2)),
               ((2, 1, 3), (2, 5, 3))]


@exercise("unbroadcast", hint="An operand broadcast to a bigger shape was used several times: sum the gradient "
                              "over the leading axes it lacked (axis 0 while grad.ndim > len(shape)), then over "
                              "every axis where shape has 1 and grad does not, with keepdims=True.")
def _unbroadcast(fn: Any) -> None:
    """`unbroadcast(grad, shape) -> array of shape`: the gradient of an operand of `shape` broadcast to grad.shape."""
    rng = np.random.default_rng(1)
    for shape, big in SHAPE_PAIRS:
        x, other = Value(rng.normal(size=shape)), rng.normal(size=big)
        g = rng.normal(size=big)
        (x * other).backward(g)  # x.grad = the sum of g * other over the broadcast axes
        got = fn(g * other, shape)
        assert_close(got, x.grad, f"unbroadcast(grad of shape {big}, shape={shape})")


@exercise("matmul_backward", hint="For C = A @ B with dL/dC = G: dL/dA = G @ B.T (shape of A) and "
                                  "dL/dB = A.T @ G (shape of B). Check the shapes first.")
def _matmul(fn: Any) -> None:
    """`matmul_backward(A, B, G) -> (dA, dB)` for C = A @ B, given G = dL/dC."""
    rng = np.random.default_rng(2)
    A, B = Value(rng.normal(size=(4, 3))), Value(rng.normal(size=(3, 5)))
    G = rng.normal(size=(4, 5))
    (A @ B).backward(G)
    out = fn(A.data, B.data, G)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Wrong("return a pair (dA, dB)")
    assert_close(out[0], A.grad, "dA")
    assert_close(out[1], B.grad, "dB")
