"""Conv2d: a 2-D convolution layer with PyTorch's weight layout (out, in, kh, kw) on NCHW input."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..functional.conv import _pair, conv2d
from ..init import initialize
from ..module import Module


class Conv2d(Module):
    """y = conv2d(x, weight, bias, stride, padding) (a cross-correlation, as in PyTorch).

    weight (out_channels, in_channels, kh, kw), bias (out_channels,); input (N, C, H, W) ->
    (N, out_channels, Ho, Wo) with Ho = (H + 2*padding - kh) // stride + 1. `kernel_size`,
    `stride` and `padding` take an int or an (h, w) pair. Weights start He-initialised
    (fan_in = in_channels*kh*kw), the bias at zero; `init` as for Linear.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, bias: bool = True, init: Any = "he", dtype: Any = np.float64) -> None:
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"Conv2d: kernel_size and stride must be >= 1 and padding >= 0, got "
                             f"{kernel_size}, {stride}, {padding}")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Value(np.zeros(shape, dtype=dtype), label="weight")
        initialize(self.weight, init)
        self.bias = Value(np.zeros(self.out_channels, dtype=dtype), label="bias") if bias else None

    def forward(self, x: Any) -> Value:
        if np.ndim(x) != 4 or np.shape(x)[1] != self.in_channels:
            raise ValueError(f"Conv2d({self.in_channels}, {self.out_channels}): expected input (N, "
                             f"{self.in_channels}, H, W), got shape {np.shape(x)}")
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
