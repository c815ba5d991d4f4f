"""Sum and Max: the reductions (mean, var, min, logsumexp and softmax are built from them)."""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function


def normalize_axis(ndim: int, axis, op: str = "reduce") -> tuple[int, ...]:
    """Reduction axes as a sorted tuple of non-negative ints (None: all axes).

    A 0-d array accepts axis 0 and -1, as torch does, and reduces nothing."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    bound = max(ndim, 1)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ValueError(f"{op}: axis must be an int or a tuple of ints, got {a!r}")
        if not -bound <= a < bound:
            raise ValueError(f"{op}: axis {a} is out of bounds for an array of dimension {ndim}")
    return tuple(sorted({int(a) % ndim for a in axes})) if ndim else ()


def keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def reduced_shape(shape, axis) -> tuple[int, ...]:
    axes = normalize_axis(len(shape), axis)
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def count(shape, axis) -> int:
    """How many elements each reduction over `axis` combines."""
    return int(np.prod([shape[a] for a in normalize_axis(len(shape), axis)], dtype=np.int64))


class Sum(Function):
    """y = sum_i x_i;   dy/dx_i = 1: the gradient is copied back to every summed element."""

    saves_inputs = False

    def forward(self, x, axis=None, keepdims=False):
        self.saved = normalize_axis(np.ndim(x), axis, "sum")
        return np.sum(x, axis=self.saved, keepdims=keepdims)

    def backward(self, grad):
        shape = self.parents[0].shape
        return d.broadcast_to(d.reshape(grad, keepdims_shape(shape, self.saved)), shape)


class Max(Function):
    """y = max_i x_i;   dy/dx_i = 1 for the (first) largest element, 0 for the others."""

    def forward(self, x, axis=None, keepdims=False):
        axes = normalize_axis(np.ndim(x), axis, "max")
        self.saved = axes
        return np.max(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def _mask(x, axes):
        if not axes:
            return None
        # Move the reduced axes last and flatten them, so "first" means numpy's argmax order.
        kept = [i for i in range(x.ndim) if i not in axes]
        perm = kept + list(axes)
        moved = np.transpose(x, perm)
        flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
        mask = np.zeros(flat.shape, dtype=x.dtype)
        np.put_along_axis(mask, np.argmax(flat, axis=-1)[..., None], 1, axis=-1)
        return np.transpose(mask.reshape(moved.shape), np.argsort(perm))

    def backward(self, grad):
        axes = self.saved
        if not axes:
            return grad
        mask = self._mask(d.data(self.inputs()[0]), axes)  # which element won: a constant
        return mask * d.reshape(grad, keepdims_shape(self.parents[0].shape, axes))
