"""Functions of several Values (maximum, minimum, where, concat, stack, index_put), and the ops torch
has as functions only: einsum, outer, pad, one_hot, normalize and the activations."""

from __future__ import annotations

import math
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


# --- the wider op set: functions torch has outside Tensor (pad, one_hot, einsum, activations) -----
def _v(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def einsum(equation: str, *operands: Any) -> Value:
    """Sums of products named by index letters, as torch.einsum / numpy.einsum ("ij,jk->ik",
    "bij,bjk->bik", "ii->i", "...ij->...ji"; implicit output without '->'); differentiable."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    return ops.Einsum.apply(*operands, equation=equation)


def outer(a: Any, b: Any) -> Value:
    """The outer product of two 1-D inputs: out[i, j] = a[i] b[j]."""
    return _v(a).outer(b)


def logaddexp(a: Any, b: Any) -> Value:
    """log(e^a + e^b), stable (see Value.logaddexp)."""
    return _v(a).logaddexp(b)


def lerp(start: Any, end: Any, weight: Any) -> Value:
    """start + weight (end - start)."""
    return _v(start).lerp(end, weight)


def pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Value:
    """torch.nn.functional.pad: (left, right) widths for the last dimension, then the one before,
    ...; mode 'constant' (fill `value`, default 0; negative widths crop), 'reflect', 'replicate'
    or 'circular'. The engine op `pad` (tinygrad_edu/ops/pad.py)."""
    return ops.Pad.apply(x, pad=tuple(pad), mode=mode, value=value)


def one_hot(labels: Any, num_classes: int = -1) -> np.ndarray:
    """int64 array of shape labels.shape + (num_classes,), 1 at each label (torch's one_hot);
    num_classes=-1 uses max(labels) + 1. Labels must be non-negative integers below num_classes."""
    raw = np.asarray(labels._data if isinstance(labels, Value) else labels)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers (class indices), got dtype {raw.dtype} "
                        f"(shape {raw.shape})")
    n = int(num_classes)
    if n == -1:
        if raw.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass num_classes")
        n = int(raw.max()) + 1
    if raw.size and (raw.min() < 0 or raw.max() >= n):
        bad = raw[(raw < 0) | (raw >= n)].reshape(-1)[0]
        raise ValueError(f"one_hot: label {bad} is out of range for {n} classes (labels shape {raw.shape})")
    return (raw[..., None] == np.arange(n)).astype(np.int64)


def normalize(x: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Value:
    """x / max(||x||_p, eps) along `dim` (torch.nn.functional.normalize): unit vectors."""
    x = _v(x)
    return x / x.norm(p, dim=dim, keepdim=True).clip(lo=eps)


def gelu(x: Any, approximate: str = "none") -> Value:
    """x Phi(x) (approximate="none", the erf form: the GELU primitive) or its tanh approximation
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate="tanh", a composite)."""
    x = _v(x)
    if approximate == "none":
        return ops.GELU.apply(x)
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
    return x * 0.5 * (inner.tanh() + 1)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Value:
    """(1/beta) log(1 + e^(beta x)), and x itself where beta x > threshold (torch's softplus)."""
    x = _v(x)
    if beta == 1.0:
        soft = ops.Softplus.apply(x)
    else:
        soft = ops.Softplus.apply(x * beta) * (1.0 / beta)
    return where(x._data * beta > threshold, x, soft)


def silu(x: Any) -> Value:
    """x sigmoid(x)."""
    return _v(x).silu()


def logsigmoid(x: Any) -> Value:
    """log sigmoid(x) = -softplus(-x)."""
    return _v(x).logsigmoid()


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Value:
    """clip(x, min_val, max_val)."""
    return _v(x).hardtanh(min_val, max_val)


def relu6(x: Any) -> Value:
    """min(max(x, 0), 6)."""
    return _v(x).relu6()


def hardsigmoid(x: Any) -> Value:
    """relu6(x + 3) / 6."""
    return _v(x).hardsigmoid()


def hardswish(x: Any) -> Value:
    """x relu6(x + 3) / 6."""
    return _v(x).hardswish()


def selu(x: Any) -> Value:
    """1.0507 * elu(x, 1.6733)."""
    return _v(x).selu()


def celu(x: Any, alpha: float = 1.0) -> Value:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))."""
    return _v(x).celu(alpha)


def mish(x: Any) -> Value:
    """x tanh(softplus(x))."""
    return _v(x).mish()


def softsign(x: Any) -> Value:
    """x / (1 + |x|)."""
    return _v(x).softsign()


def softmin(x: Any, dim: int = -1) -> Value:
    """softmax(-x) along `dim`."""
    return _v(x).softmin(dim)
