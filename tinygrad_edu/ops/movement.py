"""Reshape, Transpose, GetItem, Concat: ops that move numbers around without changing them.
Their backward moves the gradient back the same way."""

from __future__ import annotations

import numpy as np

from ..function import Function


class Reshape(Function):
    """Y = X viewed with a new shape;   dL/dX = dL/dY reshaped back."""

    def forward(self, x, shape=()):
        return np.reshape(x, shape)

    def backward(self, grad):
        return np.reshape(grad, self.parents[0].shape)


class Transpose(Function):
    """Y = X with its axes permuted (reversed when axes is None);   dL/dX = the inverse permutation."""

    def forward(self, x, axes=None):
        self.saved = axes
        return np.transpose(x, axes)

    def backward(self, grad):
        axes = self.saved
        return np.transpose(grad, None if axes is None else np.argsort(axes))


def _plain_index(index):
    """Values inside an index become their (integer) data."""
    from ..value import Value

    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Value):
        return np.asarray(index.data).astype(np.intp)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


class GetItem(Function):
    """Y = X[index] (basic slicing or integer/boolean arrays);   dL/dX scatters dL/dY back,
    adding up where an index repeats (x[[0, 0]] uses x[0] twice, so it gets both gradients)."""

    def forward(self, x, index=None):
        index = _plain_index(index)
        self.saved = index
        return x[index]

    def backward(self, grad):
        x = self.parents[0]
        index = self.saved
        gx = np.zeros(x.shape, dtype=np.result_type(grad))
        if _is_advanced(index):
            np.add.at(gx, index, grad)  # unbuffered: repeated indices accumulate
        else:
            gx[index] = grad  # basic indexing selects each element at most once
        return gx


class Concat(Function):
    """Y = [X1, X2, ...] joined along `axis`;   each dL/dXk is its slice of dL/dY."""

    def forward(self, *xs, axis=0):
        self.saved = axis
        return np.concatenate(xs, axis=axis)

    def backward(self, grad):
        sizes = [p.shape[self.saved] for p in self.parents]
        return tuple(np.split(grad, np.cumsum(sizes)[:-1], axis=self.saved))
