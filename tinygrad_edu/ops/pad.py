"""Pad: grow (or, with negative widths, crop) the last dimensions of a tensor, torch.nn.functional.pad.

Every mode is one index map per padded dimension: output position i along that dimension reads
input position src(i), with n the input size and i running from -left to n + right - 1:
    constant   src(i) = i inside [0, n), else none (the fill value)
    reflect    mirror without repeating the edge:  -1 -> 1,  n -> n - 2
    replicate  the nearest edge:                   -1 -> 0,  n -> n - 1
    circular   wrap around:                        -1 -> n - 1,  n -> 0
The forward gathers through the maps; the backward is their adjoint: each output gradient is
added back to the input position it was read from (edges read twice get both gradients).
"""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function

MODES = ("constant", "reflect", "replicate", "circular")


def source_index(n: int, left: int, right: int, mode: str) -> np.ndarray:
    """src(i) for i = -left .. n + right - 1 (-1 where the constant fill goes)."""
    i = np.arange(-left, n + right)
    if mode == "constant":
        return np.where((i >= 0) & (i < n), i, -1)
    if mode == "reflect":
        return np.abs(n - 1 - np.abs(n - 1 - np.abs(i))) if n > 1 else np.zeros_like(i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return np.mod(i, n)  # circular


def check_pad(shape: tuple[int, ...], pad, mode: str, value) -> list[tuple[int, int, int]]:
    """(dim, left, right) for each padded dim, after torch's checks (errors name the shapes)."""
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    try:
        widths = [int(p) for p in pad]
    except TypeError:
        raise ValueError(f"pad: pad must be a sequence of ints (left, right, ...), got {pad!r}") from None
    if any(w != p for w, p in zip(widths, pad)) or len(widths) % 2:
        raise ValueError(f"pad: pad must hold an even number of ints (left, right per dimension, last "
                         f"dimension first), got {tuple(pad)!r}")
    if len(widths) // 2 > len(shape):
        raise ValueError(f"pad: {len(widths)} pad values pad {len(widths) // 2} dimensions but the input of "
                         f"shape {shape} has {len(shape)}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"pad: mode {mode!r} does not take a fill value (got value={value!r})")
    plan = []
    for k in range(len(widths) // 2):
        dim = len(shape) - 1 - k
        left, right, n = widths[2 * k], widths[2 * k + 1], shape[dim]
        if n + left + right < 0:
            raise ValueError(f"pad: padding {(left, right)} of dimension {dim} (size {n}) of shape {shape} "
                             f"leaves a negative size")
        if mode != "constant":
            if min(left, right) < 0:
                raise ValueError(f"pad: negative padding {(left, right)} only works with mode 'constant'")
            limit = {"reflect": n - 1, "circular": n}.get(mode, max(left, right))  # replicate: any width
            if max(left, right) > limit or n == 0:
                rule = "less than" if mode == "reflect" else "at most"
                raise ValueError(f"pad: {mode} padding {(left, right)} of dimension {dim} must be {rule} its "
                                 f"size {n} (input shape {shape})")
        if left or right:
            plan.append((dim, left, right))
    return plan


class Pad(Function):
    """Y = X padded (see the module docstring for the index maps);
    dL/dX_j = sum of dL/dY_i over the output positions i that read j (src(i) = j)."""

    saves_inputs = False

    def forward(self, x, pad=(), mode="constant", value=0.0):
        shape = np.shape(x)
        plan = check_pad(shape, pad, mode, value)
        maps = []
        out = np.asarray(x)
        fill = np.asarray(0.0 if value is None else value, dtype=out.dtype)
        for dim, left, right in plan:
            src = source_index(shape[dim], left, right, mode)
            valid = src >= 0
            maps.append((dim, src, valid))
            out = np.take(out, np.where(valid, src, 0), axis=dim)
            if not np.all(valid):
                mask = valid.reshape((-1,) + (1,) * (out.ndim - 1 - dim))
                out = np.where(mask, out, fill)
        self.saved = maps
        return out[()] if out.ndim == 0 else np.array(out, copy=not plan)

    def backward(self, grad):
        g = grad
        shape = list(np.shape(d.data(grad)))
        for dim, src, valid in reversed(self.saved):
            shape[dim] = self.parents[0].shape[dim]
            lead = (slice(None),) * dim
            picked = g[lead + (np.flatnonzero(valid),)] if not np.all(valid) else g
            g = d.index_add(tuple(shape), lead + (src[valid],), picked, np.result_type(d.data(grad)))
        return g


# --- examples for `tinygrad-edu gradcheck` -------------------------------------------------------
Pad.examples = staticmethod(lambda g: [
    (f"pad {mode}", lambda a, mode=mode: a.pad((2, 1, 1, 2), mode=mode), [g.standard_normal((2, 3, 4))])
    for mode in MODES
] + [("pad constant, cropping", lambda a: a.pad((-1, 2), value=0.5), [g.standard_normal((3, 4))])])
