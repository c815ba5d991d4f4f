"""Flatten: (N, d1, d2, ...) -> (N, d1*d2*...), keeping the batch dimension."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..module import Module


class Flatten(Module):
    """Reshape every sample to a vector: (N, C, H, W) -> (N, C*H*W) (a view, no copy)."""

    def forward(self, x: Any) -> Any:
        n = np.shape(x)[0]
        return x.reshape(n, -1) if isinstance(x, Value) else np.reshape(x, (n, -1))
