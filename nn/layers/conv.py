"""Convolution layers with PyTorch's names, arguments and weight layouts (out, in/groups, *kernel)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..functional.conv import conv_nd, conv_transpose1d, conv_transpose2d
from ..functional.windows import PADDING_MODES, ntuple
from ..init import initialize
from ..module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]


def _check_groups(name: str, in_channels: int, out_channels: int, groups: int) -> None:
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} must be "
                         f"divisible by groups {groups}")


def _parameters(shape: tuple, out_channels: int, bias: bool, init: Any, dtype: Any) -> tuple:
    """The kernel (initialised by `init`) and the zero bias of a convolution layer."""
    weight = Value(np.zeros(shape, dtype=dtype), label="weight")
    initialize(weight, init)
    return weight, (Value(np.zeros(out_channels, dtype=dtype), label="bias") if bias else None)


class _ConvNd(Module):
    """y = conv(x, weight, bias) over `nsp` spatial axes (a cross-correlation, as in PyTorch).

    weight (out_channels, in_channels / groups, *kernel_size), bias (out_channels,); input
    (N, in_channels, *S) -> (N, out_channels, *S_out) with, per axis,
        S_out = floor((S + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1.
    kernel_size, stride, padding, dilation take an int or a tuple; padding also "same"/"valid"
    (torch's strings) or ((lo, hi), ...) pairs. padding_mode "zeros", "reflect", "replicate" or
    "circular"; groups splits the channels into independent convolutions (groups = in_channels
    is depthwise). Weights start He-initialised (fan_in = in_channels / groups * prod(kernel)),
    the bias at zero; `init` as for Linear.
    """

    nsp = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 init: Any = "he", dtype: Any = np.float64) -> None:
        name, n = type(self).__name__, self.nsp
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride, self.dilation = ntuple(stride, n, f"{name}: stride"), ntuple(dilation, n, f"{name}: dilation")
        self.padding = padding if isinstance(padding, str) else (
            tuple(tuple(int(v) for v in p) for p in padding)
            if isinstance(padding, (tuple, list)) and padding and isinstance(padding[0], (tuple, list))
            else ntuple(padding, n, f"{name}: padding"))
        self.padding_mode = padding_mode
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.dilation) < 1:
            raise ValueError(f"{name}: kernel_size, stride and dilation must be >= 1, got {kernel_size}, "
                             f"{stride}, {dilation}")
        _check_groups(name, self.in_channels, self.out_channels, self.groups)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {tuple(PADDING_MODES)}, got {padding_mode!r}")
        if self.padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' needs stride 1, got stride {self.stride}")
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight, self.bias = _parameters(shape, self.out_channels, bias, init, dtype)

    def forward(self, x: Any) -> Value:
        shape = np.shape(x)
        if len(shape) != self.nsp + 2 or shape[1] != self.in_channels:
            spatial = ", ".join(["L"] if self.nsp == 1 else ["D", "H", "W"][-self.nsp:])
            raise ValueError(f"{type(self).__name__}({self.in_channels}, {self.out_channels}): expected input "
                             f"(N, {self.in_channels}, {spatial}), got shape {shape}")
        return conv_nd(x, self.weight, self.bias, self.nsp, self.stride, self.padding, self.dilation, self.groups,
                       self.padding_mode)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}, padding={self.padding}")
        if self.dilation != (1,) * self.nsp:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L), e.g. a sequence or signal. See `_ConvNd`."""

    nsp = 1


class Conv2d(_ConvNd):
    """2-D convolution over NCHW images. See `_ConvNd`."""

    nsp = 2


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) volumes. See `_ConvNd`."""

    nsp = 3


class _ConvTransposeNd(Module):
    """The transposed convolution (the gradient of a convolution in its input; "deconvolution"):
    each input pixel adds weight[c] times itself to a kernel-sized patch of the output.

    weight (in_channels, out_channels / groups, *kernel_size), bias (out_channels,); per axis
        S_out = (S - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1.
    """

    nsp = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 init: Any = "he", dtype: Any = np.float64) -> None:
        name, n = type(self).__name__, self.nsp
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride, self.padding = ntuple(stride, n, f"{name}: stride"), ntuple(padding, n, f"{name}: padding")
        self.output_padding = ntuple(output_padding, n, f"{name}: output_padding")
        self.dilation = ntuple(dilation, n, f"{name}: dilation")
        _check_groups(name, self.in_channels, self.out_channels, self.groups)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        self.weight, self.bias = _parameters(shape, self.out_channels, bias, init, dtype)

    def forward(self, x: Any) -> Value:
        shape = np.shape(x)
        if len(shape) != self.nsp + 2 or shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}({self.in_channels}, {self.out_channels}): expected a "
                             f"{self.nsp + 2}-D input with {self.in_channels} channels, got shape {shape}")
        fn = conv_transpose1d if self.nsp == 1 else conv_transpose2d
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.groups,
                  self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution. See `_ConvTransposeNd`."""

    nsp = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (learned upsampling). See `_ConvTransposeNd`."""

    nsp = 2
