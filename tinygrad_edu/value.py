"""`Value`: a scalar or a tensor that remembers how it was computed, so it can backpropagate.

A Value holds `data` (a numpy array, or a numpy scalar for 0-d values), its gradient `grad`,
and `_ctx`: the `Function` that produced it, which knows its input Values (`parents`). Every
op builds a new Value, so a computation leaves behind a graph; `backward()` walks that graph
from the output to the inputs applying the chain rule at every node.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import numpy as np

from .mode import MODE

_FLOAT_KINDS = "f"


def _coerce(data: Any, dtype: Any = None, copy: bool = True) -> Any:
    """numpy data for a Value: Python numbers and integer/bool arrays become float64, floating
    arrays keep their dtype (unless `dtype` says otherwise); strings, objects, complex refuse."""
    if isinstance(data, Value):
        data = data._data
    if isinstance(data, (bool, int, float)) and dtype is None:
        return np.float64(data)
    try:
        arr = np.array(data, dtype=dtype, copy=True if copy else None)  # None: copy only if needed
    except (TypeError, ValueError) as e:
        raise TypeError(f"Value: cannot make numeric data from {type(data).__name__}: {e}") from None
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind not in _FLOAT_KINDS:
        what = {"O": "objects (a list of Values? use stack())", "U": "strings", "S": "bytes",
                "c": "complex numbers"}.get(arr.dtype.kind, f"dtype {arr.dtype}")
        raise TypeError(f"Value: data must be real numbers, got {what}")
    return arr[()] if arr.ndim == 0 else arr  # 0-d: a numpy scalar, whose arithmetic is fast


class Value:
    """A node of the computation graph: data, its gradient, and the op that made it.

    `Value(data, requires_grad=True, label="", dtype=None)`: data is a Python number, a nested
    list or a numpy array. Python numbers and integer arrays become float64; float arrays keep
    their dtype. Arithmetic with numbers and arrays treats them as constants.
    """

    __slots__ = ("_data", "_grad", "_ctx", "requires_grad", "label")
    __array_ufunc__ = None  # `ndarray * Value` defers to Value.__rmul__ instead of looping

    def __init__(self, data: Any, requires_grad: bool = True, label: str = "", dtype: Any = None):
        self._data = _coerce(data, dtype)
        self._grad = None  # allocated lazily: most intermediate nodes never need a buffer
        self._ctx = None
        self.requires_grad = bool(requires_grad)
        self.label = label

    @classmethod
    def _make(cls, data: Any, ctx: Any) -> Value:
        """Fast constructor for op outputs (data already numpy)."""
        v = object.__new__(cls)
        v._data = data
        v._grad = None
        v._ctx = ctx
        v.requires_grad = ctx is not None
        v.label = ""
        return v

    @classmethod
    def _constant(cls, x: Any, like: Value | None) -> Value:
        """A constant operand; a Python number takes the dtype of the Value it meets."""
        if type(x) is float or type(x) is int:
            data = like._data.dtype.type(x) if like is not None else np.float64(x)
        else:
            data = _coerce(x, copy=False)
        v = object.__new__(cls)  # _make inlined: one per `x * 2.0`, so it is on the hot path
        v._data = data
        v._grad = None
        v._ctx = None
        v.requires_grad = False
        v.label = ""
        return v

    # --- the basics ----------------------------------------------------------------------------
    @property
    def data(self) -> Any:
        return self._data

    @data.setter
    def data(self, new: Any) -> None:
        if type(new) is np.ndarray and new.dtype.kind in _FLOAT_KINDS:
            self._data = new  # the common `p.data = p.data - lr * p.grad`: no copy
        else:
            self._data = _coerce(new, copy=False)

    @property
    def grad(self) -> np.ndarray:
        """dL/d(this), the shape of `data`; zeros before any backward."""
        if self._grad is None:
            self._grad = np.zeros(self.shape, dtype=self.dtype)
        return self._grad

    @grad.setter
    def grad(self, g: Any) -> None:
        if g is None:
            self._grad = None
            return
        g = np.array(g, dtype=self.dtype)
        if g.shape != self.shape:
            raise ValueError(f"grad: shape {g.shape} does not match data shape {self.shape}")
        self._grad = g

    shape = property(lambda self: self._data.shape, doc="Shape of data (() for a scalar).")
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    op = property(lambda self: self._ctx.name if self._ctx is not None else "",
                  doc='Name of the op that made this Value ("" for a leaf).')
    parents = property(lambda self: self._ctx.parents if self._ctx is not None else (),
                       doc="The input Values of the op that made this Value.")
    is_leaf = property(lambda self: self._ctx is None)

    def item(self) -> float:
        if self.size != 1:
            raise ValueError(f"item: only a one-element Value converts to a number, shape is {self.shape}")
        return float(np.asarray(self._data).reshape(()))

    __float__ = item

    def numpy(self) -> np.ndarray:
        return np.asarray(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._data, dtype=dtype)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter displays a Value as its drawn graph. Drawing lives in `viz`, which the engine
        never imports; this display hook looks it up by name only when a notebook asks, and
        falls back to the text repr when viz or Graphviz is missing."""
        try:
            graph = importlib.import_module("viz.graph")
        except ImportError:
            return {"text/plain": repr(self)}
        return graph.repr_mimebundle(self, include, exclude)

    def detach(self) -> Value:
        """The same data, cut from the graph (no parents, no gradient)."""
        return Value._make(self._data, None)

    def zero_grad(self) -> None:
        self._grad = None

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        if self.ndim == 0:
            g = 0.0 if self._grad is None else float(self._grad)
            return f"Value(data={float(self._data)!r}, grad={g!r}{name})"
        op = f", op={self.op}" if self.op else ""
        return f"Value(shape={self.shape}, dtype={self.dtype}{op}{name})"

    # --- backpropagation -----------------------------------------------------------------------
    def backward(self, grad: Any = None) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that) (reverse mode).

        Leaf gradients add up across calls until zeroed (as in PyTorch); each intermediate node
        gets this pass's gradient, replacing any earlier one. A non-scalar output needs `grad`,
        the upstream gradient dL/d(self), of the same shape.
        """
        seed = self._seed(grad)
        check = _check_finite if MODE.anomaly else None
        gc_was_on = gc.isenabled()
        gc.disable()  # the pass allocates many short-lived objects and no cycles; GC scans would double its time
        try:
            order = topological_order(self)
            grads: dict[Value, Any] = {self: seed}
            for node in reversed(order):  # outputs before inputs: each node's grad is complete here
                ctx = node._ctx
                if ctx is None:
                    continue
                g = grads.get(node)
                if g is None:
                    continue
                in_grads = ctx.backward(g)
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
                for p, pg in zip(ctx.parents, in_grads):
                    if pg is None or not p.requires_grad:
                        continue
                    if check:
                        i = ctx.parents.index(p)
                        check(pg, f"{ctx.name} backward produced NaN/Inf in the gradient of input {i}", ctx)
                    prev = grads.get(p)
                    grads[p] = pg if prev is None else prev + pg
            # Commit only after the whole pass succeeded, so an error leaves every grad as it was.
            for node in order:
                if node._ctx is not None:
                    node._grad = grads.get(node)
                elif node.requires_grad and node in grads:
                    node._accumulate(grads[node])
        finally:
            if gc_was_on:
                gc.enable()

    def _seed(self, grad: Any) -> Any:
        if not self.requires_grad:
            raise ValueError("backward: this Value does not require grad (made under no_grad(), "
                             "detached, or computed from constants only)")
        if grad is None:
            if self.size != 1:
                raise ValueError(f"backward: output has shape {self.shape}, not a single number; pass "
                                 f"the upstream gradient, e.g. .backward(np.ones({self.shape})), "
                                 f"or reduce first with .sum().backward()")
            return np.ones(self.shape, dtype=self.dtype)
        seed = np.asarray(grad._data if isinstance(grad, Value) else grad, dtype=self.dtype)
        if seed.shape != self.shape:
            raise ValueError(f"backward: grad has shape {seed.shape} but the output has shape {self.shape}")
        return seed

    def _accumulate(self, g: Any) -> None:
        if self._grad is None:
            # Own a fresh buffer: g may be the very array handed to another input (x + y).
            self._grad = np.array(np.broadcast_to(g, self.shape), dtype=self.dtype)
        else:
            self._grad += g

    # --- operators -----------------------------------------------------------------------------
    def __add__(self, other: Any) -> Value:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Value:
        return ops.Add.apply(other, self)

    def __neg__(self) -> Value:
        return ops.Neg.apply(self)

    def __sub__(self, other: Any) -> Value:  # a - b = a + (-b)
        return self + (-other)

    def __rsub__(self, other: Any) -> Value:
        return other + (-self)

    def __mul__(self, other: Any) -> Value:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Value:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Value:  # a / b = a * b**-1
        if isinstance(other, Value):
            return self * other**-1
        with np.errstate(divide="ignore"):
            return self * _reciprocal(other, self)

    def __rtruediv__(self, other: Any) -> Value:
        return other * self**-1

    def __pow__(self, other: Any) -> Value:
        return ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Value:
        return ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Value:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Value:
        return ops.MatMul.apply(other, self)

    def __abs__(self) -> Value:
        return self.abs()

    # Comparisons give plain boolean arrays (no gradient flows through a comparison), handy
    # for where(x > 0, x, 0). == stays identity so Values can live in sets and dicts.
    def __lt__(self, other: Any) -> Any:
        return self._data < _raw(other)

    def __le__(self, other: Any) -> Any:
        return self._data <= _raw(other)

    def __gt__(self, other: Any) -> Any:
        return self._data > _raw(other)

    def __ge__(self, other: Any) -> Any:
        return self._data >= _raw(other)

    __hash__ = object.__hash__

    # --- elementwise ---------------------------------------------------------------------------
    def exp(self) -> Value:
        return ops.Exp.apply(self)

    def log(self) -> Value:
        return ops.Log.apply(self)

    def sqrt(self) -> Value:  # sqrt(x) = x ** 0.5
        return self**0.5

    def abs(self) -> Value:
        return ops.Abs.apply(self)

    def sin(self) -> Value:
        return ops.Sin.apply(self)

    def cos(self) -> Value:
        return ops.Cos.apply(self)

    def tanh(self) -> Value:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Value:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Value:
        return ops.ReLU.apply(self)

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        return ops.LeakyReLU.apply(self, alpha=alpha)

    def elu(self, alpha: float = 1.0) -> Value:
        return ops.ELU.apply(self, alpha=alpha)

    def softplus(self) -> Value:
        return ops.Softplus.apply(self)

    def gelu(self) -> Value:
        return ops.GELU.apply(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Value:
        return ops.Clip.apply(self, lo=lo, hi=hi)

    # --- reductions ----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Value:
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Value:
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Value:  # min(x) = -max(-x)
        return -((-self).max(axis=axis, keepdims=keepdims))

    def mean(self, axis: Any = None, keepdims: bool = False) -> Value:  # sum / count
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / _count(self.shape, axis))

    def var(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Population variance (ddof=0): mean((x - mean(x))**2)."""
        centered = self - self.mean(axis=axis, keepdims=True)
        return (centered * centered).mean(axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Value:
        """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x): no overflow.

        m is a constant here: the gradient through it cancels exactly, so we detach it."""
        m = self.max(axis=axis, keepdims=True).detach()
        out = (self - m).exp().sum(axis=axis, keepdims=True).log() + m
        return out if keepdims else out.reshape(*_reduced_shape(self.shape, axis))

    def softmax(self, axis: int = -1) -> Value:
        """exp(x_i) / sum_j exp(x_j) = exp(x_i - logsumexp(x)), stable for large x."""
        return self.log_softmax(axis=axis).exp()

    def log_softmax(self, axis: int = -1) -> Value:
        """x_i - logsumexp(x): the log-probabilities, stable for large x."""
        return self - self.logsumexp(axis=axis, keepdims=True)

    # --- shape ---------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Value:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: Any) -> Value:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=axes or None)

    @property
    def T(self) -> Value:
        return self.transpose()

    def flatten(self) -> Value:
        return self.reshape(-1)

    def __getitem__(self, index: Any) -> Value:
        return ops.GetItem.apply(self, index=index)


def topological_order(root: Value) -> list[Value]:
    """Every Value `root` depends on, inputs first, `root` last.

    Iterative depth-first search with an explicit stack, so a graph a million nodes deep needs
    no recursion. Expanding a node pushes it back under a `None` marker and then its parents;
    when the marker comes off the stack all its parents are done, so the node is emitted. The
    visited set makes a shared node (b = a + a) appear once.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # marker: the node below it has all its inputs emitted
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(None)
        ctx = node._ctx
        if ctx is not None:
            stack.extend(ctx.parents)
    return order


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Value) else x


def _reciprocal(x: Any, like: Value) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return like._data.dtype.type(1.0) / like._data.dtype.type(x)
    return 1.0 / _coerce(x, copy=False)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    return int(np.prod([shape[a] for a in ops.reduce._axes(len(shape), axis)], dtype=np.int64))


def _reduced_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    drop = set(ops.reduce._axes(len(shape), axis))
    return tuple(n for i, n in enumerate(shape) if i not in drop)


from . import ops  # noqa: E402  (ops build Values; imported after the class exists)
from .function import _check_finite  # noqa: E402
