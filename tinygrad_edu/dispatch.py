"""Functions that take numpy arrays or Values alike, so each derivative is written once.

A backward rule is ordinary math on the upstream gradient and the op's operands. In the plain
backward pass those are numpy arrays and the rule runs at numpy speed; under
`backward(create_graph=True)` they are Values, the same rule records a graph, and that graph
can be differentiated again. Each function here picks numpy or the engine op by the type of
its argument::

    def backward(self, grad):              # y = sin x
        (x,) = self.inputs()
        return grad * dispatch.cos(x)      # np.cos in the plain pass, Value.cos under create_graph
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import numerics


def _is_value(x: Any) -> bool:
    return type(x) is Value or isinstance(x, Value)


def data(x: Any) -> Any:
    """The numpy data (for masks and other constants computed from an operand)."""
    return x._data if _is_value(x) else x


# --- elementwise -------------------------------------------------------------------------------
def _elementwise(op: str, array_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """f(x): the engine op `ops.<op>` on a Value (recorded, so it can be differentiated again),
    `array_fn` on a numpy array."""

    def f(x: Any) -> Any:
        return getattr(ops, op).apply(x) if _is_value(x) else array_fn(x)

    f.__name__ = f.__qualname__ = op.lower()
    f.__doc__ = f"ops.{op} on a Value, {array_fn.__name__} on an array."
    return f


exp, log = _elementwise("Exp", np.exp), _elementwise("Log", np.log)
sin, cos, tanh = _elementwise("Sin", np.sin), _elementwise("Cos", np.cos), _elementwise("Tanh", np.tanh)
sinh, cosh = _elementwise("Sinh", np.sinh), _elementwise("Cosh", np.cosh)
sigmoid, erf = _elementwise("Sigmoid", numerics.sigmoid), _elementwise("Erf", numerics.erf)  # overflow-safe


def where(cond: Any, a: Any, b: Any) -> Any:
    """a where cond (a constant boolean array) else b."""
    if _is_value(a) or _is_value(b):
        return ops.Where.apply(a, b, cond=np.asarray(cond, dtype=bool))
    return np.where(cond, a, b)[()]


# --- shape -------------------------------------------------------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 - numpy's name
    if _is_value(x):
        return ops.Sum.apply(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    return ops.Reshape.apply(x, shape=tuple(shape)) if _is_value(x) else np.reshape(x, shape)


def transpose(x: Any, axes: Any = None) -> Any:
    if _is_value(x):
        return ops.Transpose.apply(x, axes=None if axes is None else tuple(int(a) for a in axes))
    return np.transpose(x, axes)


def swapaxes(x: Any, a: int, b: int) -> Any:
    if not _is_value(x):
        return np.swapaxes(x, a, b)
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if _is_value(x):
        return x if x.shape == tuple(shape) else ops.BroadcastTo.apply(x, shape=tuple(shape))
    return np.broadcast_to(x, shape)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient back to `shape`, undoing numpy broadcasting.

    If x of shape (3, 1) was broadcast to (2, 3, 4), each x element was used 2*4 times, so its
    gradient is the sum over those uses: sum over the leading axis and the stretched axis.
    """
    gshape = grad.shape  # numpy arrays, numpy scalars and Values all have one
    if gshape == shape:
        return grad
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1
    )
    return reshape(sum(grad, axis=axes), shape)


def split(x: Any, sizes: list[int], axis: int) -> tuple:
    """Pieces of x along `axis` with the given sizes (the inverse of concatenate)."""
    if not _is_value(x):
        return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))
    pieces, start = [], 0
    for n in sizes:
        index = (slice(None),) * axis + (slice(start, start + n),)
        pieces.append(ops.GetItem.apply(x, index=index))
        start += n
    return tuple(pieces)


def index_add(shape: tuple[int, ...], index: Any, values: Any, dtype: Any) -> Any:
    """zeros(shape) with `values` added at `index` (repeated indices accumulate): the scatter that
    undoes x[index]."""
    if _is_value(values):
        return ops.IndexPut.apply(np.zeros(shape, dtype=dtype), values, index=index, accumulate=True)
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, index, values)
    return out


# --- added with the wider op set (scans, flips, joins) -------------------------------------------
def cumsum(x: Any, axis: int) -> Any:
    return ops.CumSum.apply(x, dim=axis) if _is_value(x) else np.cumsum(x, axis=axis)


def flip(x: Any, axes: tuple[int, ...]) -> Any:
    """x reversed along each of `axes` (a basic slice with step -1: its gradient is a flip too)."""
    if not _is_value(x):
        return np.flip(x, axes)
    index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
    return ops.GetItem.apply(x, index=index)


def concat(xs: Any, axis: int) -> Any:
    if any(_is_value(x) for x in xs):
        return ops.Concat.apply(*xs, axis=axis)
    return np.concatenate(xs, axis=axis)


def einsum(equation: str, *operands: Any) -> Any:
    if any(_is_value(x) for x in operands):
        return ops.Einsum.apply(*operands, equation=equation)
    return np.einsum(equation, *operands)


from . import ops  # noqa: E402  (ops use this module; imported last to break the cycle)
from .value import Value  # noqa: E402
