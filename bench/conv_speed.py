"""Conv and max-pool forward + backward speed, ms per call (median of rounds), one process.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/conv_speed.py

Cases: the W3 CNN's conv (64x1x28x28, 8 filters 3x3, padding 1) and pool (2x2), the digits CNN's
conv (64x1x8x8 -> 16, 3x3, padding 1), the MNIST-1D CNN's three Conv1d layers (batch 100) and a
wider conv2d (32x16x16x16 -> 32, 3x3). Each timed call is forward, then backward with a ones
gradient, float32, through the public nn.functional API.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

sys.path.insert(0, ".")

import nn.functional as F  # noqa: E402
from tinygrad_edu import Value  # noqa: E402


def _time(fn, rounds: int = 7, number: int = 20) -> float:
    fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number * 1e3)
    return statistics.median(times)


def conv_case(xshape, wshape, conv, **kw):
    rng = np.random.default_rng(0)
    x = Value(rng.standard_normal(xshape).astype(np.float32))
    w = Value(rng.standard_normal(wshape).astype(np.float32))
    b = Value(rng.standard_normal(wshape[0]).astype(np.float32))

    def step():
        y = conv(x, w, b, **kw)
        y.backward(np.ones(y.shape, dtype=np.float32))

    return step


def pool_case(xshape, k):
    x = Value(np.random.default_rng(0).standard_normal(xshape).astype(np.float32))

    def step():
        y = F.max_pool2d(x, k)
        y.backward(np.ones(y.shape, dtype=np.float32))

    return step


def main() -> None:
    cases = {
        "W3 conv2d 64x1x28x28 -> 8, 3x3 p1": conv_case((64, 1, 28, 28), (8, 1, 3, 3), F.conv2d, padding=1),
        "digits conv2d 64x1x8x8 -> 16, 3x3 p1": conv_case((64, 1, 8, 8), (16, 1, 3, 3), F.conv2d, padding=1),
        "wide conv2d 32x16x16x16 -> 32, 3x3 p1": conv_case((32, 16, 16, 16), (32, 16, 3, 3), F.conv2d, padding=1),
        "W3 maxpool 64x8x28x28 k2": pool_case((64, 8, 28, 28), 2),
    }
    cases.update({
        "mnist1d conv1d 100x1x40 -> 25, k5 s2 p1": conv_case((100, 1, 40), (25, 1, 5), F.conv1d, stride=2, padding=1),
        "mnist1d conv1d 100x25x19 -> 25, k3 s2 p1": conv_case((100, 25, 19), (25, 25, 3), F.conv1d, stride=2,
                                                              padding=1),
    })
    for name, fn in cases.items():
        print(f"{name:45s} {_time(fn):8.3f} ms")


if __name__ == "__main__":
    main()
