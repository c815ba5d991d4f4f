"""Pooling over sliding windows (strided views, no Python loop over pixels): max, average, adaptive average.

Output length per spatial axis, as torch: floor((S + 2p - d (k - 1) - 1) / s) + 1 (ceil with
ceil_mode, a last window never starting in the right padding).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, Value, stack

from .interpolate import along_axis_matmul
from .windows import conv_out_size, kernel_offsets, ntuple, sliding_windows

__all__ = ["MaxPoolFn", "MaxPoolTiledFn", "MaxPool2dFn", "AvgPoolFn", "max_pool1d", "max_pool2d", "max_pool3d",
           "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_pool_matrix"]


def _offset_slices(off, stride, dilation, out_shape) -> tuple:
    """The strided slice of the (padded) input that kernel offset `off` reads for every output."""
    return (slice(None), slice(None), *[slice(d * i, d * i + s * (o - 1) + 1, s)
                                        for i, s, d, o in zip(off, stride, dilation, out_shape)])


def _pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """(out_shape, pads ((lo, hi), ...)) with hi extended so the ceil_mode windows fit."""
    out_shape, pads = [], []
    for size, k, s, p, d in zip(shape, kernel, stride, padding, dilation):
        o = conv_out_size(size, k, s, d, p, p, ceil_mode)
        need = (o - 1) * s + d * (k - 1) + 1
        out_shape.append(o)
        pads.append((p, max(p, need - size - p)))
    return tuple(out_shape), tuple(pads)


def _pad(x: np.ndarray, pads, value: float) -> np.ndarray:
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0), *pads), constant_values=value)


class MaxPoolFn(Function):
    """Y[n, c, l] = max over k of X_pad[n, c, s*l + d*k]  (X_pad: X with -inf padding).

    dL/dX: each output's gradient goes to the position of its window's maximum (the first one on
    ties, numpy's argmax order); positions chosen by several overlapping windows add up.
    `indices` (a list) receives torch's return_indices: the flat position in each input plane.
    """

    name = "max_pool"

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False,
                indices=None):
        nsp = len(kernel)
        out_shape, pads = _pool_geometry(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
        xp = _pad(x, pads, -np.inf)
        win = sliding_windows(xp, kernel, stride, dilation)
        win = win[(slice(None), slice(None), *[slice(0, o) for o in out_shape])]
        n, c = x.shape[:2]
        flat = win.reshape(n, c, *out_shape, -1)
        arg = flat.argmax(axis=-1)
        out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        # where each maximum sits in the unpadded input, as one flat index per (n, c) plane
        koff = np.unravel_index(arg, kernel)
        pos = 0
        for a in range(nsp):
            grid = (np.arange(out_shape[a]) * stride[a]).reshape((-1,) + (1,) * (nsp - 1 - a))
            pos = pos * x.shape[2 + a] + (grid + dilation[a] * koff[a] - pads[a][0])
        pos = np.asarray(pos, dtype=np.int64)
        if indices is not None:
            indices.append(pos)
        self.saved = (pos, x.shape, all(s >= d * (k - 1) + 1 for s, k, d in zip(stride, kernel, dilation)))
        return out

    def backward(self, grad):
        pos, x_shape, disjoint = self.saved
        n, c = x_shape[:2]
        plane = int(np.prod(x_shape[2:]))
        flat_idx = (np.arange(n * c).reshape(n, c, *([1] * (pos.ndim - 2))) * plane + pos).reshape(-1)
        if disjoint:  # windows do not overlap: each pixel is picked at most once
            gx = np.zeros(n * c * plane, dtype=grad.dtype)
            gx[flat_idx] = grad.reshape(-1)
        else:
            gx = np.bincount(flat_idx, weights=grad.reshape(-1), minlength=n * c * plane).astype(grad.dtype, copy=False)
        return gx.reshape(x_shape)

    def composite(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False,
                  indices=None):
        """From engine ops: stack the strided slice of every kernel offset, take the max over them."""
        out_shape, pads = _pool_geometry(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
        xp = x
        if any(lo or hi for lo, hi in pads):
            from .conv import pad_composite

            border = np.isinf(_pad(np.zeros((1, 1, *x.shape[2:]), x.dtype), pads, -np.inf))
            xp = pad_composite(x, pads) + np.where(border, -np.inf, 0.0).astype(x.dtype)  # -inf padding
        views = [xp[_offset_slices(off, stride, dilation, out_shape)] for off in kernel_offsets(kernel)]
        return stack(views, axis=2).max(axis=2)


class MaxPoolTiledFn(Function):
    """Max pooling with non-overlapping windows (stride == kernel, no padding or dilation), the usual
    case: the elementwise max of the K strided views x[:, :, i::k, j::k], one per kernel offset.
    No window copies (about 10x faster than argmax over windows). The gradient goes to the first
    offset (row-major, as argmax) holding the max; pixels past the last whole window get none."""

    name = "max_pool_tiled"

    def forward(self, x, kernel=(2, 2)):
        out_shape = tuple(s // k for s, k in zip(x.shape[2:], kernel))
        views = [x[_offset_slices(off, kernel, (1,) * len(kernel), out_shape)] for off in kernel_offsets(kernel)]
        # a ufunc's new output follows its inputs' memory order (the conv's batch-last), not C order
        out = np.maximum(views[0], views[1]) if len(views) > 1 else _like(views[0], views[0])
        for v in views[2:]:
            np.maximum(out, v, out=out)
        self.saved = (x, out, kernel)
        return out

    def backward(self, grad):
        """gx keeps x's memory layout (often the conv's batch-last output), so the layers around it
        never copy to change layout. Each offset's slice of gx is written once (grad where that
        offset holds the window's first maximum, else 0), so gx needs zeros only past the last whole
        window; the first offset needs no "not routed yet" mask and the last one updates none."""
        x, out, kernel = self.saved
        tiled = all(s % k == 0 for s, k in zip(x.shape[2:], kernel))
        gx = (np.empty_like if tiled else np.zeros_like)(x, dtype=np.result_type(grad))
        offsets = kernel_offsets(kernel)
        if grad.strides != out.strides:  # another memory order (or dtype, or a broadcast)
            grad = _like(out, grad)  # one copy into out's memory order, instead of four mismatched passes
        hit = np.empty_like(out, dtype=bool)  # out's memory order, so every step runs in one order
        free = np.empty_like(out, dtype=bool)  # outputs whose maximum has not been routed yet
        for i, off in enumerate(offsets):
            sl = _offset_slices(off, kernel, (1,) * len(kernel), out.shape[2:])
            np.equal(x[sl], out, out=hit)
            if i == 0:
                np.logical_not(hit, out=free)
            else:
                hit &= free
                if i < len(offsets) - 1:
                    np.greater(free, hit, out=free)  # free and not hit
            np.multiply(grad, hit, out=gx[sl])
        return gx

    def composite(self, x, kernel=(2, 2)):
        """Same as MaxPoolFn's: the max over the stacked strided views."""
        out_shape = tuple(s // k for s, k in zip(x.shape[2:], kernel))
        views = [x[_offset_slices(off, kernel, (1,) * len(kernel), out_shape)] for off in kernel_offsets(kernel)]
        return stack(views, axis=2).max(axis=2)


def _like(model: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` copied into an array laid out in memory as `model` is."""
    out = np.empty_like(model, dtype=values.dtype)
    np.copyto(out, values)
    return out


MaxPool2dFn = MaxPoolFn  # the former name


def _max_pool(nsp, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    name = f"max_pool{nsp}d"
    k = ntuple(kernel_size, nsp, f"{name}: kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else ntuple(stride, nsp,
                                                                                             f"{name}: stride")
    p, d = ntuple(padding, nsp, f"{name}: padding"), ntuple(dilation, nsp, f"{name}: dilation")
    if min(k) < 1 or min(s) < 1 or min(d) < 1 or min(p) < 0:
        raise ValueError(f"{name}: kernel_size, stride, dilation must be >= 1 and padding >= 0, "
                         f"got {kernel_size}, {stride}, {dilation}, {padding}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    shape = np.shape(x)
    if len(shape) != nsp + 2:
        raise ValueError(f"{name}: expected a {nsp + 2}-D input (N, C, {'spatial' if nsp > 1 else 'L'}...), "
                         f"got shape {shape}")
    for a in range(nsp):
        if conv_out_size(shape[2 + a], k[a], s[a], d[a], p[a], p[a], ceil_mode) < 1:
            raise ValueError(f"{name}: kernel {k} (dilation {d}) is larger than the padded input {shape[2:]}")
    if s == k and not any(p) and d == (1,) * nsp and not return_indices and not ceil_mode:
        return MaxPoolTiledFn.apply(x, kernel=k)
    idx: list = []
    out = MaxPoolFn.apply(x, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=bool(ceil_mode), indices=idx)
    return (out, idx[0]) if return_indices else out


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of (N, C, L); stride defaults to kernel_size. With return_indices, also the
    argmax positions (int64, as torch)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over kh x kw windows of NCHW input; stride defaults to kernel_size (no overlap)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over kd x kh x kw windows of (N, C, D, H, W) input."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


class AvgPoolFn(Function):
    """Y[n, c, l] = (1 / D[l]) sum over k of X_pad[n, c, s*l + k]  (zero padding),

    with D[l] = kernel size, or with count_include_pad=False the number of real (non-padding)
    inputs in the window; windows that ceil_mode lets run past the padding count only up to it
    (torch's rule). dL/dX_pad[s*l + k] += dL/dY[l] / D[l] for every k, then the padding is dropped.
    """

    name = "avg_pool"

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        nsp = len(kernel)
        ones_d = (1,) * nsp
        out_shape, pads = _pool_geometry(x.shape[2:], kernel, stride, padding, ones_d, ceil_mode)
        xp = _pad(x, pads, 0.0)
        offs = kernel_offsets(kernel)
        out = np.zeros((*x.shape[:2], *out_shape), dtype=x.dtype)
        for off in offs:
            out += xp[_offset_slices(off, stride, ones_d, out_shape)]
        div = _avg_divisor(x.shape, x.dtype, kernel, stride, padding, pads, out_shape, count_include_pad,
                           divisor_override)
        out /= div
        self.saved = (x.shape, xp.shape, pads, div, kernel, stride, out_shape)
        return out

    def backward(self, grad):
        x_shape, xp_shape, pads, div, kernel, stride, out_shape = self.saved
        g = grad / div
        gxp = np.zeros(xp_shape, dtype=g.dtype)
        for off in kernel_offsets(kernel):
            gxp[_offset_slices(off, stride, (1,) * len(kernel), out_shape)] += g
        core = tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, x_shape[2:]))
        return gxp[(slice(None), slice(None), *core)]

    def composite(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True,
                  divisor_override=None):
        """From engine ops: zero-pad, sum the strided slices of the kernel offsets, divide by D."""
        from .conv import pad_composite

        nsp = len(kernel)
        out_shape, pads = _pool_geometry(x.shape[2:], kernel, stride, padding, (1,) * nsp, ceil_mode)
        xp = pad_composite(x, pads)
        total = None
        for off in kernel_offsets(kernel):
            v = xp[_offset_slices(off, stride, (1,) * nsp, out_shape)]
            total = v if total is None else total + v
        return total / _avg_divisor(x.shape, x.dtype, kernel, stride, padding, pads, out_shape, count_include_pad,
                                    divisor_override)


def _avg_divisor(x_shape, dtype, kernel, stride, padding, pads, out_shape, count_include_pad, divisor_override):
    """D[l]: how many elements each window averages (see AvgPoolFn), shape (1, 1, *out)."""
    if divisor_override:
        return np.asarray(float(divisor_override), dtype=dtype)
    # count each window's elements: ones on the input (and on the symmetric padding if counted)
    inner = np.ones((1, 1, *x_shape[2:]), dtype=dtype)
    if count_include_pad:
        inner = np.pad(inner, ((0, 0), (0, 0), *[(p, p) for p in padding]), constant_values=1.0)
        rest = tuple((0, hi - p) for (lo, hi), p in zip(pads, padding))
    else:
        rest = pads
    cnt = _pad(inner, rest, 0.0)
    div = np.zeros((1, 1, *out_shape), dtype=dtype)
    for off in kernel_offsets(kernel):
        div += cnt[_offset_slices(off, stride, (1,) * len(kernel), out_shape)]
    return div


def _avg_pool(nsp, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    name = f"avg_pool{nsp}d"
    k = ntuple(kernel_size, nsp, f"{name}: kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else ntuple(stride, nsp,
                                                                                             f"{name}: stride")
    p = ntuple(padding, nsp, f"{name}: padding")
    if min(k) < 1 or min(s) < 1 or min(p) < 0 or any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{name}: kernel_size and stride must be >= 1 and 0 <= padding <= kernel_size / 2, "
                         f"got {kernel_size}, {stride}, {padding}")
    shape = np.shape(x)
    if len(shape) != nsp + 2:
        raise ValueError(f"{name}: expected a {nsp + 2}-D input (N, C, ...), got shape {shape}")
    for a in range(nsp):
        if conv_out_size(shape[2 + a], k[a], s[a], 1, p[a], p[a], ceil_mode) < 1:
            raise ValueError(f"{name}: kernel {k} is larger than the padded input {shape[2:]}")
    return AvgPoolFn.apply(x, kernel=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Value:
    """Mean over windows of (N, C, L); stride defaults to kernel_size."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Value:
    """Mean over kh x kw windows of NCHW input; stride defaults to kernel_size."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_pool_matrix(size: int, out: int, dtype: Any = np.float64) -> np.ndarray:
    """A (size, out) matrix M with x @ M the adaptive average of x's last axis: output i averages
    inputs floor(i size / out) .. ceil((i + 1) size / out) - 1 (torch's windows, which may overlap)."""
    m = np.zeros((size, out), dtype=dtype)
    for i in range(out):
        a, b = (i * size) // out, -(-((i + 1) * size) // out)
        m[a:b, i] = 1.0 / (b - a)
    return m


def _adaptive_avg(nsp, x, output_size):
    name = f"adaptive_avg_pool{nsp}d"
    if not isinstance(x, Value):
        x = Value(x, requires_grad=False)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: expected a {nsp + 1}-D or {nsp + 2}-D input, got shape {x.shape}")
    sizes = x.shape[-nsp:]
    outs = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nsp
    outs = tuple(s if o is None else int(o) for o, s in zip(outs, sizes))
    if len(outs) != nsp or min(outs) < 1:
        raise ValueError(f"{name}: output_size must be {nsp} positive ints, got {output_size!r}")
    y = x
    for a in range(nsp):  # separable: average along each spatial axis in turn (a matrix product)
        y = along_axis_matmul(y, adaptive_pool_matrix(sizes[a], outs[a], x.dtype), x.ndim - nsp + a)
    return y


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Value:
    """Average (N, C, L) down to (N, C, output_size); output_size=1 is global average pooling."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Value:
    """Average (N, C, H, W) down to (N, C, oh, ow); an int means a square output; None keeps a size."""
    return _adaptive_avg(2, input, output_size)
