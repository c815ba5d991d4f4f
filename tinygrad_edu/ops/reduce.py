"""Sum and Max: the reductions (mean, var, min, logsumexp and softmax are built from them)."""

from __future__ import annotations

import numpy as np

from ..function import Function


def _axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """y = sum_i x_i;   dy/dx_i = 1: the gradient is copied back to every summed element."""

    def forward(self, x, axis=None, keepdims=False):
        self.saved = _axes(np.ndim(x), axis)
        return np.sum(x, axis=self.saved, keepdims=keepdims)

    def backward(self, grad):
        shape = self.parents[0].shape
        g = np.reshape(grad, _keepdims_shape(shape, self.saved))
        return np.broadcast_to(g, shape)


class Max(Function):
    """y = max_i x_i;   dy/dx_i = 1 for the (first) largest element, 0 for the others."""

    def forward(self, x, axis=None, keepdims=False):
        axes = _axes(np.ndim(x), axis)
        self.saved = (x, axes)
        return np.max(x, axis=axes, keepdims=keepdims)

    def backward(self, grad):
        x, axes = self.saved
        if not axes:
            return grad
        # Move the reduced axes last and flatten them, so "first" means numpy's argmax order.
        kept = [i for i in range(x.ndim) if i not in axes]
        perm = kept + list(axes)
        moved = np.transpose(x, perm)
        flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
        mask = np.zeros(flat.shape, dtype=x.dtype)
        np.put_along_axis(mask, np.argmax(flat, axis=-1)[..., None], 1, axis=-1)
        mask = np.transpose(mask.reshape(moved.shape), np.argsort(perm))
        return mask * np.reshape(grad, _keepdims_shape(x.shape, axes))
