"""Lesson 3, activations and their derivatives: sigmoid', ELU', a softmax that does not overflow."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn

from .core import Wrong, assert_close, exercise

GRID = np.linspace(-6, 6, 49)


@exercise("sigmoid_derivative", hint="sigma'(x) = sigma(x) * (1 - sigma(x)); its maximum is 0.25 at x = 0.")
def _sigmoid(fn: Any) -> None:
    """`sigmoid_derivative(x) -> array`: d/dx of 1 / (1 + exp(-x)), elementwise."""
    assert_close(fn(GRID), nn.Sigmoid.derivative(GRID), "sigmoid_derivative(x)")


@exercise("elu_derivative", hint="ELU is x for x > 0 and alpha*(exp(x) - 1) otherwise, so its slope is 1 on the "
                                 "right and alpha*exp(x) on the left (np.where picks per element).")
def _elu(fn: Any) -> None:
    """`elu_derivative(x, alpha) -> array`: the slope of ELU(alpha), elementwise."""
    for alpha in (1.0, 0.5):
        x = GRID[GRID != 0]
        assert_close(fn(x, alpha), nn.ELU(alpha).derivative(x), f"elu_derivative(x, alpha={alpha})")


@exercise("stable_softmax", hint="exp(1000) overflows to inf: subtract each row's max first "
                                 "(softmax(x) = softmax(x - c) for any constant c), then exp and normalise.")
def _softmax(fn: Any) -> None:
    """`softmax(x) -> array`: softmax over the last axis, correct even for logits like 1000."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6))
    assert_close(fn(x), nn.Softmax(axis=-1)(x).data, "softmax(x) on small logits")
    big = x * 300 + 1000
    with np.errstate(all="ignore"):
        got = np.asarray(fn(big), dtype=np.float64)
    if not np.all(np.isfinite(got)):
        raise Wrong("softmax(x + 1000) gives inf/nan: exp overflowed")
    assert_close(got, nn.Softmax(axis=-1)(big).data, "softmax(x) on large logits")
