"""Lesson 5, weight init and symmetry: He-normal by hand, the Xavier-uniform limit, counting distinct units."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .core import Wrong, assert_close, exercise


@exercise("he_normal", hint="He (Kaiming) normal keeps a ReLU layer's output variance: std = sqrt(2 / fan_in), "
                            "mean 0; for a Linear weight of shape (out, in), fan_in = in = shape[1].")
def _he(fn: Any) -> None:
    """`he_normal(shape, rng) -> array`: a Linear weight (out, in) drawn with He's normal initialisation."""
    rng = np.random.default_rng(4)
    W = np.asarray(fn((400, 250), rng), dtype=np.float64)
    if W.shape != (400, 250):
        raise Wrong(f"expected shape (400, 250), got {W.shape}")
    std = math.sqrt(2 / 250)
    if abs(W.mean()) > 0.05 * std:
        raise Wrong(f"the mean is {W.mean():.4f}; it should be about 0")
    if abs(W.std() / std - 1) > 0.03:
        raise Wrong(f"the std is {W.std():.4f}; He's for fan_in=250 is {std:.4f}")
    if len(np.unique(W)) < W.size // 2:
        raise Wrong("many weights are equal: draw them independently")


@exercise("xavier_limit", hint="Xavier/Glorot uniform draws from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), "
                               "so that the variance a**2/3 equals 2 / (fan_in + fan_out).")
def _xavier(fn: Any) -> None:
    """`xavier_limit(fan_in, fan_out) -> a`: the bound of Xavier's uniform distribution (gain 1)."""
    for fi, fo in ((2, 64), (64, 64), (784, 10)):
        assert_close(fn(fi, fo), math.sqrt(6 / (fi + fo)), f"xavier_limit({fi}, {fo})")


@exercise("distinct_units", hint="Hidden unit i is row i of the weight (out, in) with bias[i]; count the distinct "
                                 "rows of [W | b] (np.unique(..., axis=0) after rounding to ~8 decimals).")
def _distinct(fn: Any) -> None:
    """`distinct_units(W, b) -> int`: how many hidden units compute different functions."""
    rng = np.random.default_rng(5)
    W, b = np.full((6, 3), 0.1), np.zeros(6)
    if fn(W, b) != 1:
        raise Wrong(f"six identical units: expected 1, got {fn(W, b)}")
    W2, b2 = rng.normal(size=(6, 3)), rng.normal(size=6)
    W2[3], b2[3] = W2[1], b2[1]
    if fn(W2, b2) != 5:
        raise Wrong(f"units 1 and 3 are equal, the rest differ: expected 5, got {fn(W2, b2)}")
    b3 = b2.copy()
    b3[3] += 1.0
    if fn(W2, b3) != 6:
        raise Wrong(f"same weights but different biases make different units: expected 6, got {fn(W2, b3)}")
