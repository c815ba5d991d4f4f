"""Lesson 12, CNNs: the output size formula, a convolution by loops, max pooling."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.functional import conv2d, max_pool2d
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


@exercise("conv_output_size", hint="out = floor((n + 2 * padding - kernel) / stride) + 1.")
def _size(fn: Any) -> None:
    """`conv_output_size(n, kernel, stride=1, padding=0) -> int` along one spatial axis."""
    for n, k, s, p in ((8, 3, 1, 0), (8, 3, 1, 1), (28, 5, 2, 0), (40, 5, 2, 1), (7, 2, 2, 0)):
        expected = (n + 2 * p - k) // s + 1
        got = fn(n, k, s, p)
        if got != expected:
            raise Wrong(f"conv_output_size({n}, kernel={k}, stride={s}, padding={p}): expected {expected}, got {got}")


@exercise("conv2d_loops", hint="out[n, o, i, j] = sum over c, u, v of x[n, c, i + u, j + v] * w[o, c, u, v] "
                               "(cross-correlation: the kernel is NOT flipped), plus b[o].")
def _conv(fn: Any) -> None:
    """`conv2d_loops(x, w, b) -> out`: stride 1, no padding, NCHW input, weight (O, C, kh, kw)."""
    rng = np.random.default_rng(11)
    x, w, b = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    assert_close(fn(x, w, b), conv2d(x, Value(w), Value(b)).data, "conv2d_loops(x, w, b)")


@exercise("maxpool_backward", hint="Max pooling passes each window's gradient only to the position that held the "
                                   "maximum (the first one on ties); the other positions get 0.")
def _pool(fn: Any) -> None:
    """`maxpool_backward(x, g) -> dx` for 2x2 max pooling with stride 2 on (N, C, H, W), given g = dL/dy."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 2, 4, 6))
    g = rng.normal(size=(2, 2, 2, 3))
    xv = Value(x)
    max_pool2d(xv, 2).backward(g)
    assert_close(fn(x, g), xv.grad, "maxpool_backward(x, g)")
