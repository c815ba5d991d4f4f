"""Functions of several Values: maximum, minimum, where, concat, stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .value import Value


def where(cond: Any, a: Any, b: Any) -> Value:
    """Elementwise `a` where `cond` is true, else `b` (cond is a boolean array; no gradient)."""
    cond = np.asarray(cond._data if isinstance(cond, Value) else cond, dtype=bool)
    return ops.Where.apply(a, b, cond=cond)


def index_put(v: Any, index: Any, values: Any, accumulate: bool = False) -> Value:
    """A new Value equal to `v` with `v[index] = values` (or `+= values` with accumulate=True,
    where repeated indices add up), as torch.index_put: the graph-safe form of item assignment.
    Gradients: to v everywhere it was not overwritten, to values from the positions it landed on."""
    return ops.IndexPut.apply(v, values, index=index, accumulate=bool(accumulate))


def maximum(a: Any, b: Any) -> Value:
    """Elementwise max; at a tie the gradient goes to `a`."""
    return where(_raw(a) >= _raw(b), a, b)


def minimum(a: Any, b: Any) -> Value:
    """Elementwise min; at a tie the gradient goes to `a`."""
    return where(_raw(a) <= _raw(b), a, b)


def concat(values: Sequence[Any], axis: int = 0) -> Value:
    """Join Values along an existing axis (numpy.concatenate)."""
    if len(values) == 0:
        raise ValueError("concat: needs at least one Value")
    return ops.Concat.apply(*values, axis=axis)


def stack(values: Sequence[Any], axis: int = 0) -> Value:
    """Join Values along a new axis (numpy.stack): concat of each with a length-1 axis inserted."""
    if len(values) == 0:
        raise ValueError("stack: needs at least one Value")
    vals = [v if isinstance(v, Value) else Value._constant(v, None) for v in values]
    shapes = {v.shape for v in vals}
    if len(shapes) != 1:
        raise ValueError(f"stack: all inputs must have the same shape, got {sorted(shapes)}")
    ndim = vals[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of bounds for {ndim} dimensions")
    axis %= ndim
    expanded = [v.reshape(*v.shape[:axis], 1, *v.shape[axis:]) for v in vals]
    return concat(expanded, axis=axis)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Value) else np.asarray(x)
