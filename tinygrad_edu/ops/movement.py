"""Reshape, Transpose, BroadcastTo, GetItem, IndexPut, Concat: ops that move numbers around
without changing them. Their backward moves the gradient back the same way, with the op's
adjoint (reshape back, the inverse permutation, a sum, a scatter, a split)."""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function


class Reshape(Function):
    """Y = X viewed with a new shape;   dL/dX = dL/dY reshaped back."""

    saves_inputs = False

    def forward(self, x, shape=()):
        return np.reshape(x, shape)

    def backward(self, grad):
        return d.reshape(grad, self.parents[0].shape)


def normalize_axes(axes, ndim: int, op: str = "transpose") -> tuple[int, ...] | None:
    """A permutation with negative axes made positive; checks that it is one."""
    if axes is None:
        return None
    axes = tuple(int(a) for a in axes)
    if len(axes) != ndim or any(not -ndim <= a < ndim for a in axes) or len({a % ndim for a in axes}) != ndim:
        raise ValueError(f"{op}: axes {axes} are not a permutation of {ndim} dimensions")
    return tuple(a % ndim for a in axes)


class Transpose(Function):
    """Y = X with its axes permuted (reversed when axes is None);   dL/dX = the inverse permutation."""

    saves_inputs = False

    def forward(self, x, axes=None):
        axes = normalize_axes(axes, np.ndim(x))
        self.saved = axes
        return np.transpose(x, axes)

    def backward(self, grad):
        axes = self.saved
        return d.transpose(grad, None if axes is None else tuple(int(a) for a in np.argsort(axes)))


class BroadcastTo(Function):
    """Y = X repeated along broadcast axes to `shape` (numpy rules);   dL/dX = dL/dY summed back."""

    name = "broadcast_to"
    saves_inputs = False

    def forward(self, x, shape=()):
        return np.broadcast_to(x, shape)

    def backward(self, grad):
        return d.unbroadcast(grad, self.parents[0].shape)


def _plain_index(index):
    """Values inside an index become their (integer) data; non-integral floats are refused."""
    from ..value import Value

    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Value):
        index = np.asarray(index._data)
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, (float, np.floating)) or (isinstance(index, np.ndarray) and index.dtype.kind == "f"):
        arr = np.asarray(index)
        if not np.all(arr == np.round(arr)):
            raise IndexError(f"only integers, slices, ellipsis, None and integer or boolean arrays are valid "
                             f"indices, got the non-integer float {arr.reshape(-1)[0]!r}")
        return arr.astype(np.intp)[()] if arr.ndim == 0 else arr.astype(np.intp)
    return index


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, np.integer)) and np.ndim(p) > 0 for p in parts)


class GetItem(Function):
    """Y = X[index] (basic slicing or integer/boolean arrays);   dL/dX scatters dL/dY back,
    adding up where an index repeats (x[[0, 0]] uses x[0] twice, so it gets both gradients)."""

    name = "getitem"
    saves_inputs = False

    def forward(self, x, index=None):
        index = _plain_index(index)
        self.saved = index
        return x[index]

    def backward(self, grad):
        x = self.parents[0]
        index = self.saved
        if type(grad) is np.ndarray and not _is_advanced(index):
            gx = np.zeros(x.shape, dtype=grad.dtype)
            gx[index] = grad  # basic indexing selects each element at most once
            return gx
        return d.index_add(x.shape, index, grad, np.result_type(d.data(grad)))


class IndexPut(Function):
    """Y = X with Y[index] = V (or += V with accumulate), out of place;
    dL/dX = dL/dY with the overwritten positions zeroed (all of it with accumulate),
    dL/dV = dL/dY[index] summed back to V's shape."""

    name = "index_put"
    saves_inputs = False

    def forward(self, x, v, index=None, accumulate=False):
        index = _plain_index(index)
        self.saved = index
        out = np.array(x, dtype=np.result_type(x, v), copy=True)
        if accumulate:
            np.add.at(out, index, v)
        else:
            out[index] = v
        return out[()] if out.ndim == 0 else out

    def backward(self, grad):
        px, pv = self.parents
        index = self.saved
        gx = gv = None
        if px.requires_grad:
            if self.options.get("accumulate"):
                gx = grad
            else:
                keep = np.ones(px.shape, dtype=bool)
                keep[index] = False
                gx = d.where(keep, grad, 0)
        if pv.requires_grad:
            picked = GetItem.apply(grad, index=index) if d._is_value(grad) else grad[index]
            gv = d.unbroadcast(picked, pv.shape)
        return gx, gv


class Identity(Function):
    """Y = X, a new node;   dL/dX = dL/dY. Marks a boundary (a module's input) in the graph."""

    saves_inputs = False

    def forward(self, x):
        return x

    def backward(self, grad):
        return grad


class Concat(Function):
    """Y = [X1, X2, ...] joined along `axis`;   each dL/dXk is its slice of dL/dY."""

    saves_inputs = False

    def forward(self, *xs, axis=0):
        self.saved = axis % max(np.ndim(xs[0]), 1)
        return np.concatenate(xs, axis=axis)

    def backward(self, grad):
        sizes = [p.shape[self.saved] for p in self.parents]
        return d.split(grad, sizes, self.saved)
