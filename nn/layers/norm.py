"""Batch normalisation (Ioffe & Szegedy, 2015) with running statistics, and layer normalisation;
PyTorch's names and defaults."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..functional.norm import BatchNormFn, layer_norm
from ..module import Module


class _BatchNorm(Module):
    """Normalise each channel (axis 1) over the batch (and spatial axes), then scale and shift:

        y = gamma * (x - mean) / sqrt(var + eps) + beta

    Training: mean and (biased) var of the current batch, and the running averages are updated
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)   (unbiased)
    with m values per channel (PyTorch's rule; momentum=None gives the cumulative average).
    Evaluation: the running statistics replace the batch ones, so a sample's output does not
    depend on its batch. Parameters "weight" (gamma, ones) and "bias" (beta, zeros); buffers
    "running_mean", "running_var", "num_batches_tracked", as in torch.
    """

    _ndims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 dtype: Any = np.float64) -> None:
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.weight = Value(np.ones(self.num_features, dtype=dtype), label="weight")
        self.bias = Value(np.zeros(self.num_features, dtype=dtype), label="bias")
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x: Any) -> Value:
        shape = np.shape(x)
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input of "
                             f"{' or '.join(f'{n}-D' for n in self._ndims)} with {self.num_features} "
                             f"channels on axis 1, got shape {shape}")
        axes = (0,) + tuple(range(2, len(shape)))
        if self.training:
            m = int(np.prod([shape[a] for a in axes]))
            if m < 2:
                raise ValueError(f"{type(self).__name__}: need more than 1 value per channel in "
                                 f"training mode, got input shape {shape} (for single samples switch to .eval() mode)")
            stats: list = []
            out = BatchNormFn.apply(x, self.weight, self.bias, axes=axes, eps=self.eps, stats=stats)
            self._update_running(*stats[0], m)
            return out
        bshape = [1] * len(shape)
        bshape[1] = self.num_features
        inv = (1.0 / np.sqrt(self.running_var + self.eps)).astype(self.weight.dtype)
        scale = (self.weight * inv).reshape(bshape)
        shift = (self.bias - self.weight * (self.running_mean * inv)).reshape(bshape)
        return x * scale + shift

    def _update_running(self, mean: np.ndarray, var: np.ndarray, m: int) -> None:
        self.num_batches_tracked = np.array(self.num_batches_tracked + 1, dtype=np.int64)
        f = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        dt = self.running_mean.dtype
        self.running_mean = ((1 - f) * self.running_mean + f * mean).astype(dt)
        self.running_var = ((1 - f) * self.running_var + f * var * (m / (m - 1))).astype(dt)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) (or (N, C, L)) input: statistics per feature C. See `_BatchNorm`."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over NCHW images: statistics per channel over N, H and W. See `_BatchNorm`."""

    _ndims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (Ba et al., 2016), then scale and shift:

        y = weight * (x - mean) / sqrt(var + eps) + bias,

    mean and (biased) var over the trailing `normalized_shape` of every sample, so unlike batch
    norm nothing depends on the batch and training and evaluation compute the same thing (no
    running statistics). Parameters "weight" (ones) and "bias" (zeros) of shape normalized_shape,
    as torch; elementwise_affine=False has none, bias=False only the weight.
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = np.float64) -> None:
        shape = normalized_shape
        self.normalized_shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        self.weight = Value(np.ones(self.normalized_shape, dtype=dtype), label="weight") if elementwise_affine else None
        self.bias = (Value(np.zeros(self.normalized_shape, dtype=dtype), label="bias")
                     if elementwise_affine and bias else None)

    def forward(self, x: Any) -> Value:
        shape = np.shape(x)
        n = len(self.normalized_shape)
        if tuple(shape[len(shape) - n:]) != self.normalized_shape or len(shape) < n:
            raise ValueError(f"LayerNorm({self.normalized_shape}): input of shape {shape} must end with "
                             f"{self.normalized_shape}")
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
