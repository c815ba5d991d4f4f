"""Lesson 9, regularization: the L1 penalty's gradient, inverted dropout, classic dropout at test time, a shift."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


@exercise("l1_grad", hint="d/dw of lam * sum(|w|) is lam * sign(w): a constant pull of size lam towards 0, "
                          "whatever |w| is (L2's pull, 2 * lam * w, shrinks with w).")
def _l1(fn: Any) -> None:
    """`l1_grad(w, lam) -> array`: the gradient of lam * sum(|w|) with respect to w (w has no zeros)."""
    w = np.random.default_rng(6).normal(size=(3, 5))
    v = Value(w)
    (0.01 * nn.l1_penalty([v])).backward()
    assert_close(fn(w, 0.01), v.grad, "l1_grad(w, 0.01)")


@exercise("inverted_dropout", hint="keep = rng.random(x.shape) >= p (keep probability q = 1 - p); return "
                                   "x * keep / q, so that the expected output equals x and test time needs no change.")
def _inverted(fn: Any) -> None:
    """`inverted_dropout(x, p, rng) -> array`: training-time dropout that zeros a fraction p and keeps E[y] = x."""
    x = np.full((200, 100), 2.0)
    for p in (0.2, 0.5):
        y = np.asarray(fn(x, p, np.random.default_rng(7)), dtype=np.float64)
        if y.shape != x.shape:
            raise Wrong(f"expected shape {x.shape}, got {y.shape}")
        zero = np.mean(y == 0)
        if abs(zero - p) > 0.02:
            raise Wrong(f"with p={p} a fraction {zero:.3f} of the units is zero; it should be about {p}")
        kept = np.unique(np.round(y[y != 0], 9))
        if len(kept) != 1 or not np.isclose(kept[0], 2.0 / (1 - p)):
            raise Wrong(f"kept units should be x / (1 - p) = {2 / (1 - p):.4g}; got values {kept[:3]}")
        if abs(y.mean() - 2.0) > 0.05:
            raise Wrong(f"the mean output is {y.mean():.3f}, not the input's 2.0")


@exercise("classic_dropout_eval", hint="Classic dropout does not scale during training, so at test time every "
                                       "unit is present and must be scaled by the keep probability: y = (1 - p) * x.")
def _classic(fn: Any) -> None:
    """`classic_dropout_eval(x, p) -> array`: the test-time output of the original paper's dropout."""
    x = np.random.default_rng(8).normal(size=(4, 3))
    layer = nn.Dropout(0.3, mode="classic").eval()
    assert_close(fn(x, 0.3), layer(x).data, "classic_dropout_eval(x, 0.3)")


@exercise("shift_image", hint="Move the pixels: out[r + dy, c + dx] = img[r, c] where both are inside the 8x8 "
                              "grid, zeros elsewhere (np.roll wraps around; set the wrapped rows/columns to 0).")
def _shift(fn: Any) -> None:
    """`shift_image(img, dy, dx) -> array`: the 8x8 image moved dy rows down and dx columns right, zero-filled."""
    img = np.arange(64.0).reshape(8, 8)
    for dy, dx in ((0, 0), (1, 0), (0, -1), (-2, 1)):
        expected = nn.data.shift_images(img.reshape(1, 64), dy, dx).reshape(8, 8)
        assert_close(fn(img, dy, dx), expected, f"shift_image(img, dy={dy}, dx={dx})")
