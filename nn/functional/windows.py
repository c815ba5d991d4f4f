"""Sliding windows for convolution and pooling: argument normalisation, padding, im2col, col2im.

Layout used by the fast paths: the batch axis goes LAST, `(C, *spatial, N)`. im2col then gives
one matrix `cols` of shape (C * K, L * N) (K = kernel elements, L = output positions per
sample), so a convolution over the whole batch is one matrix product `W (O, C*K) @ cols`, whose
result (O, L * N) is viewed as (N, O, *out) without a copy. With the batch innermost, every
elementwise step after the convolution (the ReLU, the max-pool's strided offsets) runs over
unbroken stretches of N (or W * N) numbers instead of one short image row at a time: numpy pays
per stretch, so a 2x2 max-pool of 64 28x28 maps runs about 2x faster this way (measured).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

__all__ = ["ntuple", "pair", "conv_out_size", "normalize_padding", "pad_batch_last", "unpad_batch_last",
           "im2col", "col2im", "batch_last", "batch_first", "kernel_offsets", "sliding_windows", "PADDING_MODES"]

# torch's padding_mode -> numpy.pad's mode
PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def ntuple(value: Any, n: int, name: str = "argument") -> tuple[int, ...]:
    """An int or a length-n sequence of ints -> a tuple of n ints (torch's `_ntuple`)."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def pair(value: Any, name: str = "argument") -> tuple[int, int]:
    """ntuple(value, 2): an int or an (h, w) pair."""
    return ntuple(value, 2, name)  # type: ignore[return-value]


def conv_out_size(size: int, k: int, s: int, d: int, lo: int, hi: int, ceil_mode: bool = False) -> int:
    """floor((size + lo + hi - d (k - 1) - 1) / s) + 1, torch's output length (ceil with ceil_mode,
    dropping a last window that would start in the right padding)."""
    span = size + lo + hi - d * (k - 1) - 1
    if span < 0:
        return 0
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= size + lo:
        out -= 1
    return out


def normalize_padding(padding: Any, n: int, kernel: tuple[int, ...], dilation: tuple[int, ...],
                      stride: tuple[int, ...], name: str) -> tuple[tuple[int, int], ...]:
    """padding as torch takes it -> ((lo, hi), ...) per spatial axis.

    int or n-tuple: symmetric; an n-tuple of (lo, hi) pairs: asymmetric; "valid": none; "same":
    total d (k - 1) per axis, the extra one on the right as torch does (needs stride 1).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' needs stride 1, got stride {stride}")
            tot = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in tot)
        raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
    if isinstance(padding, (tuple, list)) and len(padding) == n and all(isinstance(p, (tuple, list)) for p in padding):
        pads = tuple((int(a), int(b)) for a, b in padding)
    else:
        pads = tuple((p, p) for p in ntuple(padding, n, f"{name}: padding"))
    if any(p < 0 for lh in pads for p in lh):
        raise ValueError(f"{name}: padding must be >= 0, got {padding!r}")
    return pads


def batch_last(a: np.ndarray) -> np.ndarray:
    """(N, C, *S) -> the view (C, *S, N)."""
    return a.transpose(*range(1, a.ndim), 0)


def batch_first(a: np.ndarray) -> np.ndarray:
    """(C, *S, N) -> the view (N, C, *S)."""
    return a.transpose(a.ndim - 1, *range(a.ndim - 1))


def pad_batch_last(x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str = "zeros",
                   value: float = 0.0) -> np.ndarray:
    """x (N, C, *S) -> padded (C, *S_padded, N) (one copy; a view without padding)."""
    xt = batch_last(x)
    if not any(lo or hi for lo, hi in pads):
        return xt
    if mode == "zeros":
        out = np.full((xt.shape[0], *[s + lo + hi for s, (lo, hi) in zip(xt.shape[1:-1], pads)], xt.shape[-1]),
                      value, dtype=x.dtype)
        out[(slice(None), *[slice(lo, lo + s) for s, (lo, _) in zip(xt.shape[1:-1], pads)])] = xt
        return out
    for s, (lo, hi) in zip(xt.shape[1:-1], pads):
        if mode == "reflect" and (lo >= s or hi >= s):
            raise ValueError(f"padding_mode='reflect' needs padding < input size, got padding {pads} for size {s}")
        if mode == "circular" and (lo > s or hi > s):
            raise ValueError(f"padding_mode='circular' needs padding <= input size, got {pads} for size {s}")
    return np.pad(xt, ((0, 0), *pads, (0, 0)), mode=PADDING_MODES[mode])


def unpad_batch_last(gp: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str = "zeros") -> np.ndarray:
    """The gradient of pad_batch_last: gp (C, *S_padded, N) -> (N, C, *S) (a view for zeros).

    zeros: the padding's gradient is dropped (a slice). Other modes copy input pixels into the
    border, so each border pixel's gradient is added back to its source, one axis at a time:
    g_axis = g @ M with M (S_padded, S) the 0/1 matrix of "padded position p copies pixel i".
    """
    if mode == "zeros":
        core = tuple(slice(lo, gp.shape[1 + a] - hi) for a, (lo, hi) in enumerate(pads))
        return batch_first(gp[(slice(None), *core)])
    g = gp
    for a, (lo, hi) in enumerate(pads):
        if not (lo or hi):
            continue
        size = g.shape[1 + a] - lo - hi
        src = np.pad(np.arange(size), (lo, hi), mode=PADDING_MODES[mode])
        m = np.zeros((src.size, size), dtype=g.dtype)
        m[np.arange(src.size), src] = 1
        g = np.moveaxis(np.moveaxis(g, 1 + a, -1) @ m, -1, 1 + a)
    return batch_first(g)


def kernel_offsets(kernel: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every position (i, j, ...) inside a kernel, row-major."""
    return list(itertools.product(*[range(k) for k in kernel]))


def sliding_windows(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """xp (A, B, *S) -> strided view (A, B, *out, *kernel) of every (dilated) window (no copy)."""
    nsp = len(kernel)
    ext = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    win = sliding_window_view(xp, ext, axis=tuple(range(2, 2 + nsp)))
    return win[(slice(None), slice(None), *[slice(None, None, s) for s in stride],
                *[slice(None, None, d) for d in dilation])]


def im2col(xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
           dilation: tuple[int, ...], ones_row: bool = False) -> tuple[np.ndarray, tuple[int, ...]]:
    """xp (C, *S, N) -> (cols (C*K, L*N), out_shape).

    cols[(c, k), (l, n)] = xp[c, s*l + d*k, n] (multi-index k over the kernel, l over the output):
    one strided view (C, *kernel, *out, N) of xp, then one copy. `ones_row`: cols gets one more
    row, all ones, so [W | b] @ cols is W @ cols + b (the bias rides in the product).
    """
    nsp = len(kernel)
    c, n = xp.shape[0], xp.shape[-1]
    sp = xp.strides[1:1 + nsp]
    out_shape = tuple(conv_out_size(xp.shape[1 + a], kernel[a], stride[a], dilation[a], 0, 0) for a in range(nsp))
    win = as_strided(xp, (c, *kernel, *out_shape, n),
                     (xp.strides[0], *[st * d for st, d in zip(sp, dilation)],
                      *[st * s for st, s in zip(sp, stride)], xp.strides[-1]), writeable=False)
    rows, width = c * int(np.prod(kernel)), int(np.prod(out_shape)) * n
    if not ones_row:
        return win.reshape(rows, width), out_shape
    cols = np.empty((rows + 1, width), dtype=xp.dtype)
    np.copyto(cols[:rows].reshape(win.shape), win)
    cols[rows] = 1
    return cols, out_shape


def col2im(dcols: np.ndarray, xp_shape: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
           dilation: tuple[int, ...], out_shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of im2col: add each column entry back to the pixel it was copied from.

    dcols (C*K, L*N) -> (C, *S, N). A loop over the K kernel offsets; each step adds a contiguous
    (C, *out, N) block to a strided slice of the result.
    """
    c, n = xp_shape[0], xp_shape[-1]
    d6 = dcols.reshape(c, *kernel, *out_shape, n)
    gxp = np.zeros(xp_shape, dtype=dcols.dtype)
    for off in kernel_offsets(kernel):
        dst = tuple(slice(d * i, d * i + s * (o - 1) + 1, s) for i, s, d, o in zip(off, stride, dilation, out_shape))
        gxp[(slice(None), *dst)] += d6[(slice(None), *off)]
    return gxp
