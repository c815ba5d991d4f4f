"""N-d convolution by im2col (conv1d, conv2d, conv3d are one implementation), and its transpose.

x (N, C, *S), weight (O, C/groups, *K) -> y (N, O, *S_out), per spatial axis
    S_out = floor((S + lo + hi - d (k - 1) - 1) / s) + 1      (stride s, dilation d, padding lo/hi).
Like PyTorch's ConvNd this is a cross-correlation (the kernel is not flipped).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, Value, concat, stack

from . import windows
from .blocked import long_dot, wide_matmul

__all__ = ["ConvNdFn", "Conv1dFn", "Conv2dFn", "Conv3dFn", "ConvTransposeNdFn", "ConvTranspose1dFn",
           "ConvTranspose2dFn", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_nd", "pad_composite"]


class _FixedDims:
    """`class Conv2dFn(ConvNdFn, nsp=2)`: the op fixed to 2 spatial dimensions, named
    `name_format.format(2)` ("conv2d")."""

    __slots__ = ()

    def __init_subclass__(cls, nsp: int = 0, **kwargs: Any) -> None:
        if nsp:
            cls.nsp, cls.name = nsp, cls.name_format.format(nsp)
        super().__init_subclass__(**kwargs)


class ConvNdFn(_FixedDims, Function):
    """Y[n, o, l] = sum_{c in group(o), k} W[o, c, k] X_pad[n, c, s*l + d*k] + b[o].

    im2col: cols[(c, k), (l, n)] = X_pad[n, c, s*l + d*k], one matrix for the whole batch, so per
    group g:  Y_g = W_g @ cols_g + b   with W_g (O/G, C/G * K). Backward, G_g = dL/dY_g as (O/G, L*N):
        dL/dW_g = G_g cols_g^T,   dL/db = sum of G over (n, l),   dL/dcols_g = W_g^T G_g,
    and dL/dX adds each column entry back to the pixel it was copied from (col2im: a loop over the
    K kernel offsets, each step vectorised over the batch and all positions), then undoes the
    padding (drops it for zeros; adds border gradients back to their source pixels otherwise).
    """

    name, name_format = "convnd", "conv{}d"
    nsp = 0  # spatial dimensions; 0 = any (taken from the weight)

    def forward(self, x, w, b=None, stride=None, padding=None, dilation=None, groups=1, padding_mode="zeros"):
        nsp = self.nsp or w.ndim - 2
        op = self.name
        if x.ndim != nsp + 2 or w.ndim != nsp + 2:
            raise ValueError(f"{op} needs input (N, C, {_axes(nsp)}) and weight (O, C/groups, "
                             f"{_axes(nsp, 'k')}), got input {x.shape} and weight {w.shape}")
        o, cg = w.shape[:2]
        kernel = w.shape[2:]
        c = x.shape[1]
        if groups < 1 or c != cg * groups or o % groups:
            raise ValueError(f"{op}: input has {c} channels and weight {w.shape}; with groups={groups} the "
                             f"input needs weight.shape[1] * groups = {cg * groups} channels and "
                             f"out_channels {o} must be divisible by groups")
        if b is not None and b.shape != (o,):
            raise ValueError(f"{op}: bias must have shape ({o},), got {b.shape}")
        stride, dilation = stride or (1,) * nsp, dilation or (1,) * nsp
        pads = padding or ((0, 0),) * nsp
        xp = windows.pad_batch_last(x, pads, padding_mode)  # (C, *S_pad, N): see windows.py on why
        for a in range(nsp):
            if xp.shape[1 + a] < dilation[a] * (kernel[a] - 1) + 1:
                raise ValueError(f"{op}: the (dilated) kernel {tuple(kernel)} is larger than the padded input "
                                 f"{tuple(xp.shape[1:-1])} (input {x.shape})")
        # one group and a bias of the same dtype: the bias rides in the product as a column of W
        # and a row of ones in cols (16-20 us less than adding it to the (O, L*N) result, and its
        # gradient comes out of the weight gradient's product instead of a sum over L*N)
        fold = groups == 1 and b is not None and b.dtype == x.dtype == w.dtype
        cols, out_shape = windows.im2col(xp, kernel, stride, dilation, ones_row=fold)  # (C*K [+1], L*N)
        n = x.shape[0]
        if fold:
            w2 = w.reshape(o, -1)
            out = wide_matmul(np.concatenate([w2, b[:, None]], axis=1), cols)  # [W | b] @ [cols; 1]
            b = None
        elif groups == 1:
            w2 = w.reshape(o, -1)
            out = wide_matmul(w2, cols)  # (O, L*N), in cache-sized blocks of columns
        else:
            cols = cols.reshape(groups, -1, cols.shape[1])
            w2 = w.reshape(groups, o // groups, -1)
            out = np.matmul(w2, cols).reshape(o, -1)
        if b is not None:
            if out.dtype == np.result_type(out, b):
                out += b[:, None]
            else:
                out = out + b[:, None]
        self.saved = (cols, w2, xp.shape, out_shape, stride, dilation, pads, groups, padding_mode, w.shape, fold)
        return windows.batch_first(out.reshape(o, *out_shape, n))  # (N, O, *out): a view, no copy

    def backward(self, grad):
        cols, w2, xp_shape, out_shape, stride, dilation, pads, groups, mode, w_shape, fold = self.saved
        o = w_shape[0]
        g = windows.batch_last(grad).reshape(o, -1)  # (O, L*N): free when grad has the output's layout
        gx = gw = gb = None
        if groups == 1:
            if self.needs_grad(1) and fold:  # G [cols; 1]^T = [dL/dW | dL/db]
                gwb = long_dot(g, cols)
                gw, gb = gwb[:, :-1].reshape(w_shape), np.ascontiguousarray(gwb[:, -1])
            elif self.needs_grad(1):
                gw = long_dot(g, cols).reshape(w_shape)
            if self.needs_grad(0):
                dcols = wide_matmul(w2.T, g)
        else:
            gg = g.reshape(groups, o // groups, -1)
            if self.needs_grad(1):
                gw = np.matmul(gg, cols.transpose(0, 2, 1)).reshape(w_shape)
            if self.needs_grad(0):
                dcols = np.matmul(w2.transpose(0, 2, 1), gg).reshape(-1, g.shape[1])
        if self.needs_grad(0):
            gxp = windows.col2im(dcols, xp_shape, w_shape[2:], stride, dilation, out_shape)
            gx = windows.unpad_batch_last(gxp, pads, mode)
        if len(self.parents) == 2:
            return gx, gw
        if gb is None and self.needs_grad(2):
            gb = g.sum(axis=1)  # over the fast axis (l, n)
        return gx, gw, gb

    def composite(self, x, w, b=None, stride=None, padding=None, dilation=None, groups=1, padding_mode="zeros"):
        """The same convolution from engine ops: pad, one strided slice per kernel offset, stack, matmul."""
        return conv_composite(x, w, b, stride, padding, dilation, groups, padding_mode)


class Conv1dFn(ConvNdFn, nsp=1):
    """ConvNdFn on (N, C, L) input."""


class Conv2dFn(ConvNdFn, nsp=2):
    """ConvNdFn on (N, C, H, W) input."""


class Conv3dFn(ConvNdFn, nsp=3):
    """ConvNdFn on (N, C, D, H, W) input."""


def conv_composite(x: Value, w: Value, b: Value | None, stride, padding, dilation, groups, padding_mode) -> Value:
    """Reference convolution from engine primitives (differentiable to any order):

        X_pad = pad(X);  P_k = X_pad[:, :, d*k : : s] (one strided slice per kernel offset k)
        cols = stack_k(P_k) as (N, G, C/G * K, L);   Y = W (G, O/G, C/G * K) @ cols + b.
    """
    nsp = w.ndim - 2
    stride, dilation = stride or (1,) * nsp, dilation or (1,) * nsp
    pads = padding or ((0, 0),) * nsp
    kernel = w.shape[2:]
    xp = pad_composite(x, pads, padding_mode)
    out_shape = [windows.conv_out_size(xp.shape[2 + a], kernel[a], stride[a], dilation[a], 0, 0)
                 for a in range(nsp)]
    patches = []
    for off in windows.kernel_offsets(kernel):
        idx = tuple(slice(d * i, d * i + s * (m - 1) + 1, s) for i, s, d, m in zip(off, stride, dilation, out_shape))
        patches.append(xp[(slice(None), slice(None), *idx)])
    n, c = x.shape[:2]
    o = w.shape[0]
    cols = stack(patches, axis=2).reshape(n, groups, (c // groups) * len(patches), -1)  # (N, G, C/G*K, L)
    y = (w.reshape(groups, o // groups, -1) @ cols).reshape(n, o, *out_shape)
    if b is not None:
        y = y + b.reshape(o, *([1] * nsp))
    return y


def pad_composite(x: Value, pads: tuple[tuple[int, int], ...], mode: str = "zeros", first_axis: int = 2) -> Value:
    """Pad the axes from `first_axis` on with engine ops: zeros by concatenating zero blocks,
    the other modes by integer indexing with numpy.pad's index map (its gradient adds back)."""
    for a, (lo, hi) in enumerate(pads):
        ax = first_axis + a
        if not (lo or hi):
            continue
        if mode == "zeros":
            parts = []
            for width in (lo, hi):
                shape = list(x.shape)
                shape[ax] = width
                parts.append(Value(np.zeros(shape, dtype=x.dtype), requires_grad=False))
            x = concat([parts[0], x, parts[1]], axis=ax)
        else:
            src = np.pad(np.arange(x.shape[ax]), (lo, hi), mode=windows.PADDING_MODES[mode])
            x = x[(slice(None),) * ax + (src,)]
    return x


def conv_nd(x: Any, weight: Value, bias: Value | None, nsp: int, stride: Any = 1, padding: Any = 0,
            dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Value:
    """Shared front end of conv1d/2d/3d: normalise the arguments as torch does, apply the op."""
    fn = {1: Conv1dFn, 2: Conv2dFn, 3: Conv3dFn}[nsp]
    name = fn.name
    if padding_mode not in windows.PADDING_MODES:
        raise ValueError(f"{name}: padding_mode must be one of {tuple(windows.PADDING_MODES)}, got {padding_mode!r}")
    wshape = np.shape(weight)
    if len(wshape) != nsp + 2:
        raise ValueError(f"{name}: weight must be (O, C/groups, {_axes(nsp, 'k')}), got shape {wshape}")
    stride_t = windows.ntuple(stride, nsp, f"{name}: stride")
    dilation_t = windows.ntuple(dilation, nsp, f"{name}: dilation")
    if min(stride_t) < 1 or min(dilation_t) < 1:
        raise ValueError(f"{name}: stride and dilation must be >= 1, got {stride!r} and {dilation!r}")
    pads = windows.normalize_padding(padding, nsp, tuple(wshape[2:]), dilation_t, stride_t, name)
    return _apply(fn, x, weight, bias, stride=stride_t, padding=pads, dilation=dilation_t, groups=int(groups),
                  padding_mode=padding_mode)


def _apply(fn: type[Function], x: Any, weight: Value, bias: Value | None, **opts: Any) -> Value:
    """The op on (x, weight[, bias]): without a bias it has two inputs and returns two gradients."""
    return fn.apply(x, weight, **opts) if bias is None else fn.apply(x, weight, bias, **opts)


def conv1d(input: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Value:
    """1-D cross-correlation of (N, C, L) `input` with `weight` (O, C/groups, k), plus `bias` (O,).

    `padding`: int, (lo, hi) pairs as ((lo, hi),), "same" or "valid"; `padding_mode`: "zeros",
    "reflect", "replicate", "circular" (an addition to torch's functional form, which only zero-pads).
    """
    return conv_nd(input, weight, bias, 1, stride, padding, dilation, groups, padding_mode)


def conv2d(input: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Value:
    """2-D cross-correlation of NCHW `input` with `weight` (O, C/groups, kh, kw), plus `bias` (O,).

    stride/dilation: int or (h, w); padding: int, (h, w), ((top, bottom), (left, right)), "same" or
    "valid"; groups splits the channels (groups = C is a depthwise convolution)."""
    return conv_nd(input, weight, bias, 2, stride, padding, dilation, groups, padding_mode)


def conv3d(input: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Value:
    """3-D cross-correlation of (N, C, D, H, W) `input` with `weight` (O, C/groups, kd, kh, kw)."""
    return conv_nd(input, weight, bias, 3, stride, padding, dilation, groups, padding_mode)


# --- transposed convolution ---------------------------------------------------------------------

class ConvTransposeNdFn(_FixedDims, Function):
    """The adjoint of ConvNdFn in its input: Y = conv^T(X) with weight (C_in, C_out/G, *K).

    Each input pixel scatters W[c, :, k] * X[n, c, l] to output position s*l + d*k - pad:
        dcols_g = W_g^T @ X_g  (X as (C_in/G, L*N)),   Y_full = col2im(dcols),   Y = crop(Y_full) + b.
    Backward: cols = im2col(pad(dL/dY)),  dL/dX_g = W_g @ cols_g,  dL/dW_g = X_g cols_g^T,
    dL/db = sum of dL/dY over everything but the channel.
    """

    name, name_format = "conv_transposend", "conv_transpose{}d"
    nsp = 0

    def forward(self, x, w, b=None, stride=None, padding=None, output_padding=None, groups=1, dilation=None):
        nsp = self.nsp or w.ndim - 2
        op = self.name
        if x.ndim != nsp + 2 or w.ndim != nsp + 2 or x.shape[1] != w.shape[0] or w.shape[0] % groups:
            raise ValueError(f"{op} needs input (N, C_in, {_axes(nsp)}) and weight (C_in, C_out/groups, "
                             f"{_axes(nsp, 'k')}) with C_in divisible by groups={groups}, got input {x.shape} "
                             f"and weight {w.shape}")
        cin, og = w.shape[:2]
        kernel = w.shape[2:]
        o = og * groups
        n = x.shape[0]
        in_shape = x.shape[2:]
        full = _full_size(in_shape, kernel, stride, dilation, output_padding)
        xt = windows.batch_last(x).reshape(groups, cin // groups, -1)  # (G, Cin/G, L*N)
        w2 = w.reshape(groups, cin // groups, -1)  # (G, Cin/G, Og*K)
        dcols = np.matmul(w2.transpose(0, 2, 1), xt).reshape(o * int(np.prod(kernel)), -1)
        yfull = windows.col2im(dcols, (o, *full, n), kernel, stride, dilation, in_shape)  # (O, *full, N)
        if any(f - 2 * p <= 0 for p, f in zip(padding, full)):
            raise ValueError(f"{op}: padding {padding} leaves no output for input {x.shape}")
        y = yfull[_cropped(padding, full, lead=1)]
        if b is not None:
            y = y + b.reshape(o, *([1] * (nsp + 1)))
        self.saved = (xt, w2, full, padding, stride, dilation, groups, w.shape, in_shape)
        return windows.batch_first(y)

    def backward(self, grad):
        xt, w2, full, padding, stride, dilation, groups, w_shape, in_shape = self.saved
        cin, og = w_shape[:2]
        kernel = w_shape[2:]
        g = windows.batch_last(grad)  # (O, *out, N)
        gfull = np.zeros((g.shape[0], *full, g.shape[-1]), dtype=g.dtype)
        gfull[_cropped(padding, full, lead=1)] = g
        reach = tuple(slice(0, (i - 1) * s + d * (k - 1) + 1) for i, s, d, k in zip(in_shape, stride, dilation, kernel))
        cols = windows.im2col(gfull[(slice(None), *reach)], kernel, stride, dilation)[0]  # (O*K, L_in*N)
        cols = cols.reshape(groups, -1, cols.shape[1])  # (G, Og*K, L*N)
        gx = gw = None
        if self.needs_grad(0):
            gx = np.matmul(w2, cols).reshape(cin, *in_shape, grad.shape[0])
            gx = windows.batch_first(gx)
        if self.needs_grad(1):
            gw = np.matmul(xt, cols.transpose(0, 2, 1)).reshape(w_shape)
        if len(self.parents) == 2:
            return gx, gw
        gb = g.reshape(g.shape[0], -1).sum(axis=1) if self.needs_grad(2) else None
        return gx, gw, gb

    def composite(self, x, w, b=None, stride=None, padding=None, output_padding=None, groups=1, dilation=None):
        """From engine ops: for each kernel offset k, the contribution X·W[:, :, k] is spread out by
        the stride (zeros between), shifted by d*k with zero padding, and all are summed; then crop."""
        nsp = w.ndim - 2
        cin, og = w.shape[:2]
        kernel = w.shape[2:]
        n, in_shape = x.shape[0], x.shape[2:]
        full = _full_size(in_shape, kernel, stride, dilation, output_padding)
        xg = x.reshape(n, groups, cin // groups, -1)  # (N, G, Cin/G, L)
        total = None
        for off in windows.kernel_offsets(kernel):
            wk = w[(slice(None), slice(None), *off)].reshape(groups, cin // groups, og)  # (G, Cin/G, Og)
            part = (wk.transpose(0, 2, 1) @ xg).reshape(n, og * groups, *in_shape)  # (N, O, *in)
            for a in range(nsp):
                part = _spread(part, 2 + a, stride[a])
            pads = tuple((d * i, f - d * i - part.shape[2 + a])
                         for a, (i, d, f) in enumerate(zip(off, dilation, full)))
            part = pad_composite(part, pads, "zeros")
            total = part if total is None else total + part
        y = total[_cropped(padding, full)]
        if b is not None:
            y = y + b.reshape(og * groups, *([1] * nsp))
        return y


class ConvTranspose1dFn(ConvTransposeNdFn, nsp=1):
    """ConvTransposeNdFn on (N, C, L)."""


class ConvTranspose2dFn(ConvTransposeNdFn, nsp=2):
    """ConvTransposeNdFn on (N, C, H, W)."""


def _full_size(in_shape, kernel, stride, dilation, output_padding) -> tuple[int, ...]:
    """The transposed convolution's output before the crop: (i - 1) s + d (k - 1) + 1 + output_padding."""
    return tuple((i - 1) * s + d * (k - 1) + 1 + op_
                 for i, s, d, k, op_ in zip(in_shape, stride, dilation, kernel, output_padding))


def _cropped(padding, full, lead: int = 2) -> tuple[slice, ...]:
    """The index of the output inside the full one: `padding` cut from both sides of each spatial axis
    (which start at axis `lead`: 2 for (N, C, *S), 1 for the batch-last (C, *S, N))."""
    return (*[slice(None)] * lead, *[slice(p, f - p) for p, f in zip(padding, full)])


def _spread(v: Value, axis: int, s: int) -> Value:
    """Insert s - 1 zeros between neighbours along `axis` (length L -> s (L - 1) + 1)."""
    if s == 1:
        return v
    shape = list(v.shape)
    zshape = shape[:axis + 1] + [s - 1] + shape[axis + 1:]
    vz = v.reshape(*shape[:axis + 1], 1, *shape[axis + 1:])
    zeros = Value(np.zeros(zshape, dtype=v.dtype), requires_grad=False)
    inter = concat([vz, zeros], axis=axis + 1).reshape(*shape[:axis], shape[axis] * s, *shape[axis + 1:])
    return inter[(slice(None),) * axis + (slice(0, s * (shape[axis] - 1) + 1),)]


def _conv_transpose(fn, nsp, x, weight, bias, stride, padding, output_padding, groups, dilation) -> Value:
    name = fn.name
    s, p = windows.ntuple(stride, nsp, f"{name}: stride"), windows.ntuple(padding, nsp, f"{name}: padding")
    op_ = windows.ntuple(output_padding, nsp, f"{name}: output_padding")
    d = windows.ntuple(dilation, nsp, f"{name}: dilation")
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(op_) < 0:
        raise ValueError(f"{name}: stride/dilation must be >= 1 and padding/output_padding >= 0")
    if any(o >= max(si, di) for o, si, di in zip(op_, s, d)):
        raise ValueError(f"{name}: output_padding {op_} must be smaller than stride {s} or dilation {d}")
    return _apply(fn, x, weight, bias, stride=s, padding=p, output_padding=op_, groups=int(groups), dilation=d)


def conv_transpose1d(input: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Value:
    """Transposed 1-D convolution (the gradient of conv1d in its input); weight (C_in, C_out/groups, k).
    Output length (L - 1) s - 2 p + d (k - 1) + output_padding + 1."""
    return _conv_transpose(ConvTranspose1dFn, 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input: Any, weight: Value, bias: Value | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Value:
    """Transposed 2-D convolution (the gradient of conv2d in its input); weight (C_in, C_out/groups, kh, kw)."""
    return _conv_transpose(ConvTranspose2dFn, 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def _axes(nsp: int, prefix: str = "") -> str:
    names = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}.get(nsp, [f"S{i}" for i in range(nsp)])
    return ", ".join(prefix + n.lower() if prefix else n for n in names)
