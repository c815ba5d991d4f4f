"""2-D convolution by im2col: every receptive field becomes a row, the convolution one matmul.

x (N, C, H, W), weight (O, C, kh, kw) -> y (N, O, Ho, Wo), Ho = (H + 2p - kh) // s + 1 (same for W).
Like PyTorch's Conv2d this is a cross-correlation (the kernel is not flipped).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu import Function, Value


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        a, b = v
        return int(a), int(b)
    return int(v), int(v)


def windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """A strided view (N, C, Ho, Wo, kh, kw) of every kh x kw window (no copy)."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


class Conv2dFn(Function):
    """Y[n, o] = sum_{c, i, j} W[o, c, i, j] X_pad[n, c, s*h + i, s*w + j] + b[o].

    im2col: cols[(n, h, w), (c, i, j)] = X_pad[n, c, s*h + i, s*w + j], so Y = cols @ W2^T + b
    with W2 = W reshaped to (O, C*kh*kw). Backward, G = dL/dY as rows (N*Ho*Wo, O):
        dL/dW = G^T cols,   dL/db = sum of G over rows,   dL/dcols = G W2,
    and dL/dX adds each column entry back to the pixel it was copied from (col2im: a loop over
    the kh*kw kernel offsets, each step vectorised over all pixels), then drops the padding.
    """

    name = "conv2d"

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0)):
        if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
            raise ValueError(f"conv2d needs x (N, C, H, W) and weight (O, C, kh, kw) with the same C, "
                             f"got x {x.shape} and weight {w.shape}")
        (sh, sw), (ph, pw) = stride, padding
        o, c, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        if xp.shape[2] < kh or xp.shape[3] < kw:
            raise ValueError(f"kernel {kh}x{kw} is larger than the padded input {xp.shape[2]}x{xp.shape[3]}")
        win = windows(xp, kh, kw, sh, sw)  # (N, C, Ho, Wo, kh, kw)
        n, _, ho, wo = win.shape[:4]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)  # the one copy
        w2 = w.reshape(o, -1)
        out = cols @ w2.T
        if b is not None:
            if out.dtype == np.result_type(out, b):
                out += b  # a fresh array: in place, no copy
            else:
                out = out + b
        self.saved = (cols, w2, xp.shape, (n, ho, wo), stride, padding, w.shape)
        return out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    def backward(self, grad):
        cols, w2, xp_shape, (n, ho, wo), (sh, sw), (ph, pw), w_shape = self.saved
        o, c, kh, kw = w_shape
        g = grad.transpose(0, 2, 3, 1).reshape(-1, o)
        gw = (g.T @ cols).reshape(w_shape) if self.needs_grad(1) else None
        gx = None
        if self.needs_grad(0):
            dcols = (g @ w2).reshape(n, ho, wo, c, kh, kw)
            gxp = np.zeros(xp_shape, dtype=dcols.dtype)
            for i in range(kh):  # col2im over kernel offsets (kh*kw steps), not over pixels
                for j in range(kw):
                    gxp[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
            gx = gxp[:, :, ph:xp_shape[2] - ph, pw:xp_shape[3] - pw]
        if len(self.parents) == 2:
            return gx, gw
        gb = g.sum(axis=0) if self.needs_grad(2) else None
        return gx, gw, gb


def conv2d(x: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0) -> Value:
    """2-D cross-correlation of NCHW `x` with `weight` (O, C, kh, kw), plus `bias` (O,)."""
    opts = {"stride": _pair(stride), "padding": _pair(padding)}
    if bias is None:
        return Conv2dFn.apply(x, weight, **opts)
    return Conv2dFn.apply(x, weight, bias, **opts)
