"""W6 gradcheck of `tanh(A @ B).sum()` with A, B of shape 20x20, float64: our
`tinygrad_edu.gradcheck` against `torch.autograd.gradcheck`, default eps/atol/rtol on both
(eps=1e-6, atol=1e-5, rtol=1e-3). Both must pass; the time of one full check is reported."""

from __future__ import annotations

import numpy as np

from .common import import_torch

NAME, UNIT = "W6 gradcheck tanh(A@B).sum() 20x20", "ms"


def _inputs():
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 20)) * 0.3, rng.standard_normal((20, 20)) * 0.3


def ours():
    from tinygrad_edu import Value, gradcheck

    A, B = (Value(a) for a in _inputs())

    def step():
        if not gradcheck(lambda a, b: (a @ b).tanh().sum(), A, B):
            raise AssertionError("gradcheck failed")

    return step


def torch():
    torch = import_torch()
    A, B = (torch.tensor(a, requires_grad=True) for a in _inputs())

    def step():
        if not torch.autograd.gradcheck(lambda a, b: torch.tanh(a @ b).sum(), (A, B)):
            raise AssertionError("gradcheck failed")

    return step


BUILDERS = {"tinygrad_edu": ours, "torch": torch}
