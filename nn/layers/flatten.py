"""Flatten: (N, d1, d2, ...) -> (N, d1*d2*...), keeping the batch dimension."""

from __future__ import annotations

from typing import Any

from tinygrad_edu import Value

from ..module import Module


class Flatten(Module):
    """Reshape every sample to a vector: (N, C, H, W) -> (N, C*H*W) (a view, no copy)."""

    def forward(self, x: Any) -> Value:
        if not isinstance(x, Value):
            x = Value(x, requires_grad=False)
        return x.reshape(x.shape[0], -1)
