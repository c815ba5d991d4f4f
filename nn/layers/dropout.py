"""Dropout: randomly silence units while training (Srivastava et al., 2014)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value, get_rng

from ..module import Module

MODES = ("inverted", "classic")


class Dropout(Module):
    """Zero each activation with probability p in training; keep it with probability q = 1 - p.

    mode="inverted" (default, as PyTorch/Keras): training y = x * m / q with m ~ Bernoulli(q),
    so E[y] = x; evaluation y = x.
    mode="classic" (the original paper): training y = x * m (no scaling); at evaluation every
    unit is present, so y = q * x to match the expected training activation E[x * m] = q x.
    Masks come from the library's generator (`manual_seed` makes them repeatable).
    """

    def __init__(self, p: float = 0.5, mode: str = "inverted") -> None:
        if not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) < 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1), got {p!r}")
        if mode not in MODES:
            raise ValueError(f"Dropout: mode must be one of {MODES}, got {mode!r}")
        self.p, self.mode = float(p), mode

    def forward(self, x: Any) -> Value:
        if not isinstance(x, Value):
            x = Value(x, requires_grad=False)  # arrays in, Values out, like every layer
        q = 1.0 - self.p
        if self.p == 0.0 or (not self.training and self.mode == "inverted"):
            return x
        dtype = x.dtype
        if not self.training:  # classic: every unit present, scaled by the keep probability
            return x * dtype.type(q)
        keep = get_rng().random(x.shape) < q
        scale = 1.0 / q if self.mode == "inverted" else 1.0
        return x * (keep * dtype.type(scale))  # the mask holds 0 or the scale, in x's dtype

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode!r}"
