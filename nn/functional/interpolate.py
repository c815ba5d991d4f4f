"""Resizing by interpolation (nearest, linear, bilinear): one matrix per spatial axis.

Both modes are separable: resizing an axis from n to m samples is y = x @ M with M (n, m), each
output a weighted sum of inputs (nearest: one weight 1; linear: two weights summing to 1). A 2-D
resize applies one matrix along H and one along W, so the gradient is just M^T, from the engine's
matmul, to any order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import Value

__all__ = ["interpolate", "upsample", "interpolation_matrix", "along_axis_matmul"]

MODES = {"nearest": 1, "linear": 1, "bilinear": 2}


def interpolation_matrix(n_in: int, n_out: int, mode: str, align_corners: bool | None = None,
                         scale: float | None = None, dtype: Any = np.float64) -> np.ndarray:
    """M (n_in, n_out) with column j holding the weights of output sample j (torch's coordinates).

    nearest: j reads floor(j * s) with s = n_in / n_out (or 1 / scale_factor).
    linear, align_corners=False: source x = (j + 0.5) s - 0.5 (clamped at 0), the two neighbours of x
    weighted by distance; align_corners=True: x = j (n_in - 1) / (n_out - 1), the corners line up.
    """
    s = (1.0 / scale) if scale else n_in / n_out
    m = np.zeros((n_in, n_out), dtype=dtype)
    j = np.arange(n_out)
    if mode == "nearest":
        m[np.minimum(np.floor(j * s).astype(np.int64), n_in - 1), j] = 1.0
        return m
    if align_corners:
        x = j * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        x = np.maximum((j + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = x - i0
    np.add.at(m, (i0, j), 1.0 - lam)
    np.add.at(m, (i1, j), lam)
    return m


def along_axis_matmul(x: Value, m: np.ndarray, axis: int) -> Value:
    """y with y[..., j, ...] = sum_i x[..., i, ...] m[i, j] along `axis` (a matmul on that axis)."""
    if axis in (-1, x.ndim - 1):
        return x @ m
    perm = list(range(x.ndim))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return (x.transpose(*perm) @ m).transpose(*perm)


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None) -> Value:
    """Resize (N, C, L) or (N, C, H, W) to `size` (int or tuple) or by `scale_factor`, as
    torch.nn.functional.interpolate with mode "nearest", "linear" (3-D input) or "bilinear" (4-D)."""
    x = input if isinstance(input, Value) else Value(np.asarray(input, dtype=np.float64), requires_grad=False)
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {tuple(MODES)}, got {mode!r}")
    nsp = x.ndim - 2
    if nsp < 1 or (mode != "nearest" and nsp != MODES[mode]):
        raise ValueError(f"interpolate: mode {mode!r} needs a {MODES[mode] + 2}-D input (nearest: 3-D or 4-D), "
                         f"got shape {x.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nsp
        scales: tuple = (None,) * nsp
    else:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nsp
        sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(x.shape[2:], scales))
    if len(sizes) != nsp or min(int(s) for s in sizes) < 1:
        raise ValueError(f"interpolate: size must give {nsp} positive lengths, got {sizes} for input {x.shape}")
    y = x
    for a in range(nsp):
        m = interpolation_matrix(x.shape[2 + a], int(sizes[a]), mode, align_corners,
                                 float(scales[a]) if scales[a] else None, x.dtype)
        y = along_axis_matmul(y, m, 2 + a)
    return y


def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Value:
    """The older name of `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)
