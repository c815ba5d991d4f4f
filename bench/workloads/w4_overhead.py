"""W4 per-op overhead: a 10-element float64 tensor, `z = z * 1.001 + 0.001` 100 times, then
`z.sum().backward()`. 201 ops (100 mul, 100 add, 1 sum) recorded and differentiated: the
reported figure is microseconds per op, forward + backward (step time / 201)."""

from __future__ import annotations

import numpy as np

from .common import import_torch

NAME, UNIT = "W4 op overhead, 10-elem f64", "us/op"
OPS = 201
START = np.linspace(0.5, 1.5, 10)


def ours():
    from tinygrad_edu import Value

    x = Value(START.copy())

    def step():
        z = x
        for _ in range(100):
            z = z * 1.001 + 0.001
        z.sum().backward()
        x.zero_grad()

    return step


def torch():
    torch = import_torch()
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)

    def step():
        z = x
        for _ in range(100):
            z = z * 1.001 + 0.001
        z.sum().backward()
        x.grad = None

    return step


def autograd():
    from autograd import grad

    def f(x):
        z = x
        for _ in range(100):
            z = z * 1.001 + 0.001
        return z.sum()

    df = grad(f)
    x = START.copy()
    return lambda: df(x)


BUILDERS = {"tinygrad_edu": ours, "torch": torch, "HIPS autograd": autograd}
SCALE = 1e6 / OPS  # seconds per step -> microseconds per op
