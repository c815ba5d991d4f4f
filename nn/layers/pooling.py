"""Pooling layers: max, average and adaptive average over 1-D and 2-D windows (torch's arguments)."""

from __future__ import annotations

from typing import Any

from tinygrad_edu import Value

from .. import functional as F
from ..functional.windows import ntuple
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]


class _MaxPoolNd(Module):
    """y[n, c, l] = max of x[n, c] over the window at stride*l (dilated by `dilation`, with -inf
    `padding` on both sides). `stride` defaults to `kernel_size` (non-overlapping windows, as in
    PyTorch); `ceil_mode` keeps a last partial window; `return_indices` also returns where each
    maximum was (flat index in its input plane). The gradient flows only to each window's maximum.
    """

    nsp = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        name, n = type(self).__name__, self.nsp
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = self.kernel_size if stride is None else ntuple(stride, n, f"{name}: stride")
        self.padding, self.dilation = ntuple(padding, n, f"{name}: padding"), ntuple(dilation, n, f"{name}: dilation")
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.dilation) < 1:
            raise ValueError(f"{name}: kernel_size, stride and dilation must be >= 1, got {kernel_size}, {stride}, "
                             f"{dilation}")
        if any(p < 0 or p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding must be between 0 and half the kernel size, got {padding}")

    def forward(self, x: Any) -> Any:
        fn = F.max_pool1d if self.nsp == 1 else F.max_pool2d
        return fn(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}"
        if any(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nsp:
            s += f", dilation={self.dilation}"
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class MaxPool1d(_MaxPoolNd):
    """Max pooling over (N, C, L). See `_MaxPoolNd`."""

    nsp = 1


class MaxPool2d(_MaxPoolNd):
    """Max pooling over NCHW images. See `_MaxPoolNd`."""

    nsp = 2


class _AvgPoolNd(Module):
    """y[n, c, l] = mean of x[n, c] over the window at stride*l, zero `padding` on both sides
    (counted in the mean unless count_include_pad=False); `stride` defaults to `kernel_size`."""

    nsp = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        name, n = type(self).__name__, self.nsp
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = self.kernel_size if stride is None else ntuple(stride, n, f"{name}: stride")
        self.padding = ntuple(padding, n, f"{name}: padding")
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError(f"{name}: kernel_size and stride must be >= 1, got {kernel_size}, {stride}")

    def forward(self, x: Any) -> Value:
        fn = F.avg_pool1d if self.nsp == 1 else F.avg_pool2d
        return fn(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over (N, C, L). See `_AvgPoolNd`."""

    nsp = 1


class AvgPool2d(_AvgPoolNd):
    """Average pooling over NCHW images. See `_AvgPoolNd`."""

    nsp = 2


class _AdaptiveAvgPoolNd(Module):
    """Average (N, C, *S) down to a fixed `output_size` whatever S is (windows chosen as torch does);
    output_size 1 is global average pooling."""

    nsp = 2

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Any) -> Value:
        fn = F.adaptive_avg_pool1d if self.nsp == 1 else F.adaptive_avg_pool2d
        return fn(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average (N, C, L) down to a fixed length `output_size` whatever L is (windows chosen as torch
    does); AdaptiveAvgPool1d(1) is global average pooling."""

    nsp = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average (N, C, H, W) down to a fixed (oh, ow) whatever H, W are; AdaptiveAvgPool2d(1) is
    global average pooling (a CNN head that accepts any image size)."""

    nsp = 2
