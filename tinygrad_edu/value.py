"""`Value`: a scalar or a tensor that remembers how it was computed, so it can backpropagate.

A Value holds `data` (a numpy array, or a numpy scalar for 0-d values), its gradient `grad`,
and `_ctx`: the `Function` that produced it, which knows its input Values (`parents`). Every
op builds a new Value, so a computation leaves behind a graph; `backward()` walks that graph
from the output to the inputs applying the chain rule at every node.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from . import inplace
from .mode import composite
from .tensor_methods import TensorMethods

_FLOAT_KINDS = "f"
_LAST_NUMBER: list = [None, None, None]  # (Python number, numpy type, its numpy scalar): see _constant


def coerce_data(data: Any, dtype: Any = None, copy: bool = True) -> Any:
    """numpy data for a Value: Python numbers and integer/bool arrays become float64, floating
    arrays keep their dtype (unless `dtype` says otherwise); strings, objects, complex refuse."""
    if isinstance(data, Value):
        data = data._data
    if dtype is not None and np.dtype(dtype).kind not in _FLOAT_KINDS:
        raise TypeError(f"Value: dtype must be a floating type (float16/32/64), got {np.dtype(dtype)}; "
                        f"Values hold real numbers (integer labels and indices stay numpy arrays)")
    if isinstance(data, (bool, int, float)) and dtype is None:
        if isinstance(data, int) and not isinstance(data, bool) and abs(data) > 1.7976931348623157e308:
            raise ValueError(f"Value: the integer {str(data)[:12]}... ({len(str(abs(data)))} digits) is too large "
                             f"for a float64 (max about 1.8e308)")
        return np.float64(data)
    if isinstance(data, (list, tuple)) and _holds_value(data):
        raise TypeError("Value: data is a list holding Values, which would cut them from the graph; "
                        "use tinygrad_edu.stack([...]) to build a tensor from Values")
    try:
        arr = np.array(data, dtype=dtype, copy=True if copy else None)  # None: copy only if needed
    except OverflowError:
        raise ValueError("Value: a number in data is too large for a float64 (max about 1.8e308)") from None
    except (TypeError, ValueError) as e:
        raise TypeError(f"Value: cannot make numeric data from {type(data).__name__}: {e}") from None
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind not in _FLOAT_KINDS:
        what = {"O": "objects (a list of Values? use stack())", "U": "strings", "S": "bytes",
                "c": "complex numbers"}.get(arr.dtype.kind, f"dtype {arr.dtype}")
        raise TypeError(f"Value: data must be real numbers, got {what}")
    return arr[()] if arr.ndim == 0 else arr  # 0-d: a numpy scalar, whose arithmetic is fast


def _holds_value(items: Any) -> bool:
    stack = [items]
    while stack:
        x = stack.pop()
        if isinstance(x, Value):
            return True
        if isinstance(x, (list, tuple)):
            stack.extend(x)
    return False


def _rare_field(key: str, doc: str) -> property:
    """An attribute few Values ever set, kept in the Value's `_extra` dict (made on first set)."""

    def get(self: Value) -> Any:
        return None if self._extra is None else self._extra.get(key)

    def set(self: Value, value: Any) -> None:
        if self._extra is None:
            if value is None:
                return
            self._extra = {}
        self._extra[key] = value

    return property(get, set, doc=doc)


class _Applies(dict):
    """Op class name -> its apply, looked up on first use (ops import this module: at import
    time they do not exist yet)."""

    def __missing__(self, op: str) -> Any:
        apply = self[op] = getattr(ops, op).apply
        return apply


_APPLY = _Applies()


def _unary(op: str) -> Any:
    """The method x.<op>() = ops.<op>.apply(x). One dict lookup, no getattr: this is the hot path."""

    def method(self: Value) -> Value:
        return _APPLY[op](self)

    name = op.lower()
    method.__name__, method.__qualname__ = name, f"Value.{name}"
    method.__doc__ = f"The primitive ops.{op} on this Value (ops.{op}.rule() gives its formula and derivative)."
    return method


class Value(TensorMethods):
    """A node of the computation graph: data, its gradient, and the op that made it.

    `Value(data, requires_grad=True, label="", dtype=None)`: data is a Python number, a nested
    list or a numpy array. Python numbers and integer arrays become float64; float arrays keep
    their dtype. Arithmetic with numbers and arrays treats them as constants.
    """

    # The fields every Value uses, plus `_extra`: None, or a dict of the rare ones (_track of
    # inplace.py, _hooks, _grad_value) once one is set. A deep graph holds millions of Values,
    # and each slot costs 8 bytes in every one of them.
    __slots__ = ("_data", "_grad", "_ctx", "requires_grad", "label", "_extra")
    __array_ufunc__ = None  # `ndarray * Value` defers to Value.__rmul__ instead of looping

    def __init__(self, data: Any, requires_grad: bool = True, label: str = "", dtype: Any = None):
        self._data = coerce_data(data, dtype)
        self._grad = None  # allocated lazily: most intermediate nodes never need a buffer
        self._ctx = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._extra = None

    @classmethod
    def _make(cls, data: Any, ctx: Any) -> Value:
        """Fast constructor for op outputs (data already numpy)."""
        v = object.__new__(cls)
        v._data = data
        v._grad = None
        v._ctx = ctx
        v.requires_grad = ctx is not None
        v.label = ""
        v._extra = None
        return v

    @classmethod
    def _constant(cls, x: Any, like: Value | None) -> Value:
        """A constant operand; a Python number takes the dtype of the Value it meets."""
        if type(x) is float or type(x) is int:
            if like is None:
                kind = np.float64
            else:  # a numpy scalar's type is its kind: no .dtype lookup for scalar graphs
                d = like._data
                kind = d.dtype.type if isinstance(d, np.ndarray) else type(d)
            last = _LAST_NUMBER
            if x is last[0] and kind is last[1]:
                data = last[2]  # `z * 1.5` in a loop: one numpy scalar (immutable) for every op
            else:
                data = kind(x)
                last[:] = x, kind, data
        else:
            data = coerce_data(x, copy=False)
        v = object.__new__(cls)  # _make inlined: one per `x * 2.0`, so it is on the hot path
        v._data = data
        v._grad = None
        v._ctx = None
        v.requires_grad = False
        v.label = ""
        v._extra = None
        return v

    # --- the basics ----------------------------------------------------------------------------
    @property
    def data(self) -> Any:
        """The numbers. Assignable; writing into the array (`v.data[...] = 0`) is seen too, so a
        backward that needed the old numbers raises instead of giving a wrong gradient."""
        if inplace.PENDING[0] and type(self._data) is np.ndarray:
            inplace.lend(self)  # an op still needs these numbers: remember them
        return self._data

    @data.setter
    def data(self, new: Any) -> None:
        if type(new) is np.ndarray and new.dtype.kind in _FLOAT_KINDS:
            self._data = new  # the common `p.data = p.data - lr * p.grad`: no copy
        else:
            self._data = coerce_data(new, copy=False)
        inplace.touch(self)

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
            self._grad_value = None
            return
        g = np.array(g, dtype=self.dtype)
        if g.shape != self.shape:
            raise ValueError(f"grad: shape {g.shape} does not match data shape {self.shape}")
        self._grad = g

    @property
    def grad_value(self) -> Value | None:
        """The gradient as a Value in the graph, after `backward(create_graph=True)` (else None):
        differentiate it again for second derivatives. Its data equals `.grad`."""
        return self._grad_value

    def register_hook(self, fn: Any) -> Any:
        """Call `fn(grad)` when this Value's gradient is complete during backward; a returned
        array replaces the gradient (for the inputs and for `.grad`). Returns a handle whose
        `.remove()` takes the hook away. Hooks run in the order they were registered."""
        from .autograd import register_hook

        return register_hook(self, fn)

    _track = _rare_field("track", "(version, lent, fingerprint) of the data: see inplace.py")
    _hooks = _rare_field("hooks", "{handle id: fn} of register_hook")
    _grad_value = _rare_field("grad_value", "the gradient as a Value, after backward(create_graph=True)")

    shape = property(lambda self: self._data.shape, doc="Shape of data (() for a scalar).")
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    op = property(lambda self: self._ctx.name if self._ctx is not None else "",
                  doc='Name of the op that made this Value ("" for a leaf).')
    parents = property(lambda self: self._ctx.parents if self._ctx is not None else (),
                       doc="The input Values of the op that made this Value.")
    is_leaf = property(lambda self: self._ctx is None, doc="True for a Value no op made (an input).")
    has_grad = property(lambda self: self._grad is not None,
                        doc="Has a backward (or an assignment) given this Value a gradient? (.grad reads zeros if not)")

    def item(self) -> float:
        if self.size != 1:
            raise ValueError(f"item: only a one-element Value converts to a number, shape is {self.shape}")
        return float(np.asarray(self._data).reshape(()))

    __float__ = item

    def numpy(self) -> np.ndarray:
        return np.asarray(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.data, dtype=dtype)

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
        self._grad_value = None

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        if self.ndim == 0:
            g = 0.0 if self._grad is None else float(self._grad)
            return f"Value(data={float(self._data)!r}, grad={g!r}{name})"
        op = f", op={self.op}" if self.op else ""
        return f"Value(shape={self.shape}, dtype={self.dtype}{op}{name})"

    # --- backpropagation -----------------------------------------------------------------------
    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that) (reverse mode).

        Leaf gradients add up across calls until zeroed (as in PyTorch); each intermediate node
        gets this pass's gradient, replacing any earlier one. A non-scalar output needs `grad`,
        the upstream gradient dL/d(self), of the same shape. With `create_graph=True` the
        gradients are computed by recorded ops: `.grad_value` holds each one as a Value that can
        be differentiated again (`.grad` stays its numpy data). Note that this links every
        Value to its gradient's graph and back (a reference cycle, freed by the garbage collector).
        """
        from .autograd import run_backward

        run_backward(self, grad, create_graph)

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
        raw = grad._data if isinstance(grad, Value) else grad
        kind = np.asarray(raw).dtype.kind
        if kind not in "biuf":
            what = {"c": "complex numbers (the imaginary part would be lost)", "U": "a string", "S": "bytes",
                    "O": "objects"}.get(kind, f"dtype {np.asarray(raw).dtype}")
            raise TypeError(f"backward: grad must be real numbers of shape {self.shape}, got {what}")
        seed = np.asarray(raw, dtype=self.dtype)
        if seed.shape != self.shape:
            raise ValueError(f"backward: grad has shape {seed.shape} but the output has shape {self.shape}")
        return seed

    def _accumulate(self, g: Any, sole: bool = False) -> None:
        """.grad += g. `sole`: nothing else holds g (autograd.run_backward checks), so a first
        gradient can be kept as it is instead of copied, as torch's AccumulateGrad steals it."""
        if self._grad is None:
            if type(g) is np.ndarray and g.shape == self.shape and g.dtype == self.dtype:
                # Own the buffer: g may be the very array handed to another input (x + y), unless
                # it is a C-order array of its own that nobody else refers to.
                keep = sole and g.base is None and g.flags.c_contiguous and g.flags.writeable
                self._grad = g if keep else g.copy()  # the common case, without broadcast_to's overhead
            else:
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

    @composite("sub")
    def __sub__(self, other: Any) -> Value:  # a - b = a + (-b)
        return self + (-other)

    @composite("sub")
    def __rsub__(self, other: Any) -> Value:
        return other + (-self)

    def __mul__(self, other: Any) -> Value:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Value:
        return ops.Mul.apply(other, self)

    @composite("div")
    def __truediv__(self, other: Any) -> Value:  # a / b = a * b**-1
        if isinstance(other, Value):
            return self * other**-1
        with np.errstate(divide="ignore"):
            return self * _reciprocal(other, self)

    @composite("div")
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
    # x.tanh() records the primitive ops.Tanh on x (its forward and derivative: ops/unary.py)
    exp, log, abs, sin, cos = _unary("Exp"), _unary("Log"), _unary("Abs"), _unary("Sin"), _unary("Cos")
    tanh, sigmoid, relu = _unary("Tanh"), _unary("Sigmoid"), _unary("ReLU")
    softplus, gelu = _unary("Softplus"), _unary("GELU")

    @composite("sqrt")
    def sqrt(self) -> Value:  # sqrt(x) = x ** 0.5
        return self**0.5

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        return ops.LeakyReLU.apply(self, alpha=alpha)

    def elu(self, alpha: float = 1.0) -> Value:
        return ops.ELU.apply(self, alpha=alpha)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Value:
        return ops.Clip.apply(self, lo=lo, hi=hi)

    # --- reductions ----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Value:
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Value:
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    @composite("min")
    def min(self, axis: Any = None, keepdims: bool = False) -> Value:  # min(x) = -max(-x)
        return -((-self).max(axis=axis, keepdims=keepdims))

    @composite("mean")
    def mean(self, axis: Any = None, keepdims: bool = False) -> Value:  # sum / count
        """sum(x) / N over `axis`; the mean of nothing (an empty axis) is nan, as in torch."""
        with np.errstate(divide="ignore"):
            inv = np.divide(1.0, ops.reduce.count(self.shape, axis))
        with np.errstate(invalid="ignore"):
            return self.sum(axis=axis, keepdims=keepdims) * float(inv)

    @composite("var")
    def var(self, axis: Any = None, keepdims: bool = False, correction: int = 0) -> Value:
        """sum((x - mean(x))**2) / (N - correction). The default correction=0 is the population
        variance (the one batch norm uses); correction=1 is the unbiased sample variance, torch's
        default for torch.var (and ours for std)."""
        centered = self - self.mean(axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.divide(1.0, max(ops.reduce.count(self.shape, axis) - correction, 0))
            return (centered * centered).sum(axis=axis, keepdims=keepdims) * float(inv)

    @composite("logsumexp")
    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Value:
        """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x): no overflow.

        m is a constant here: the gradient through it cancels exactly, so it is plain data. An
        infinite max is replaced by 0 so that [-inf, -inf] gives -inf and [inf, 1] gives inf."""
        m = np.max(self._data, axis=ops.reduce.normalize_axis(self.ndim, axis, "logsumexp"), keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(self.dtype, copy=False)
        with np.errstate(divide="ignore"):
            out = (self - m).exp().sum(axis=axis, keepdims=True).log() + m
        return out if keepdims else out.reshape(*ops.reduce.reduced_shape(self.shape, axis))

    @composite("softmax")
    def softmax(self, axis: int = -1) -> Value:
        """exp(x_i) / sum_j exp(x_j) = exp(x_i - logsumexp(x)), stable for large x."""
        return self.log_softmax(axis=axis).exp()

    @composite("log_softmax")
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

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad:
            raise TypeError("Value does not support item assignment (v[i] = ...): it would change a node "
                            "of the graph behind its back. Use the out-of-place "
                            "tinygrad_edu.index_put(v, index, values) to get a new Value, or write "
                            "v.data[index] = ... under no_grad() for a plain parameter update")
        self._data = np.array(self._data, copy=True)
        self._data[index] = _raw(value)
        inplace.touch(self)


def topological_order(root: Value | list[Value] | tuple[Value, ...]) -> list[Value]:
    """Every Value `root` depends on, inputs first, `root` last (a list of roots: all of theirs).

    Iterative depth-first search with an explicit stack, so a graph a million nodes deep needs
    no recursion. The node on top of the stack is emitted once all its inputs are; until then it
    stays there, under the inputs still to do. The dict of emitted nodes doubles as the visited
    set, so a shared node (b = a + a) appears once.
    """
    done: dict[Value, None] = {}  # insertion-ordered: the order itself
    stack = list(reversed(root)) if isinstance(root, (list, tuple)) else [root]
    while stack:
        node = stack[-1]
        if node in done:  # a second path reached it first
            stack.pop()
            continue
        waiting = False
        if node._ctx is not None:
            for p in node._ctx.parents:
                if p not in done:
                    stack.append(p)
                    waiting = True
        if not waiting:
            done[node] = None
            stack.pop()
    return list(done)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Value) else x


def _reciprocal(x: Any, like: Value) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return like._data.dtype.type(1.0) / like._data.dtype.type(x)
    return 1.0 / coerce_data(x, copy=False)


from . import ops  # noqa: E402  (ops build Values; imported after the class exists)
