"""MaxPool2d: the largest value of each k x k window."""

from __future__ import annotations

from typing import Any

from tinygrad_edu import Value

from ..functional.conv import _pair
from ..functional.pool import max_pool2d
from ..module import Module


class MaxPool2d(Module):
    """y[n, c, h, w] = max of x[n, c] over the window at (stride*h, stride*w).

    `stride` defaults to `kernel_size` (non-overlapping windows, as in PyTorch); no padding.
    The gradient flows only to each window's maximum.
    """

    def __init__(self, kernel_size: Any, stride: Any = None) -> None:
        self.kernel_size = _pair(kernel_size)
        self.stride = self.kernel_size if stride is None else _pair(stride)
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError(f"MaxPool2d: kernel_size and stride must be >= 1, got {kernel_size}, {stride}")

    def forward(self, x: Any) -> Value:
        return max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
