"""`TensorMethods`: the wider op set of `Value`, with torch's names, defaults and semantics.

`Value` inherits these methods; each is a primitive op (tinygrad_edu/ops) or a composite of
existing ops, so every one of them differentiates to any order. Conventions:
- reductions take `axis`/`keepdims` like `sum` and `max` (torch's `dim`/`keepdim` are accepted
  too); shape ops take torch's `dim`/`dims`;
- comparisons `eq ne lt le gt ge` and `isnan isinf isfinite` return float masks (1.0 / 0.0,
  constants without gradient); `any`, `all`, `argmax`, `argmin` return numpy arrays;
- `==` keeps Python's identity semantics (a Value is equal only to itself, so Values can live
  in sets and dicts); `x.eq(y)` is the elementwise comparison;
- no op writes into a Value: `x.at[idx].set(v)` and `x.at[idx].add(v)` return a new Value.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .mode import composite


def _ops() -> Any:
    from . import ops  # ops import Value, which imports this module: looked up when first used

    return ops


def _f() -> Any:
    from . import functional

    return functional


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, TensorMethods) else x


def _pick(op: str, dim: Any, axis: Any, keepdims: Any = None, keepdim: Any = None) -> tuple[Any, bool]:
    """The axis from `axis` or its torch spelling `dim` (not both); keepdims likewise."""
    if dim is not None and axis is not None:
        raise ValueError(f"{op}: give axis or dim, not both")
    return (axis if dim is None else dim), bool(keepdim if keepdim is not None else keepdims)


def _one_axis(op: str, ndim: int, dim: Any) -> int:
    """One axis in [-ndim, ndim), made non-negative (a 0-d array accepts 0 and -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise ValueError(f"{op}: dim must be an int, got {dim!r}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise ValueError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions "
                         f"(expected in [{-bound}, {bound - 1}])")
    return int(dim) % bound


def _dims(op: str, ndim: int, dims: Any) -> tuple[int, ...]:
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(_one_axis(op, ndim, a) for a in dims)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dims {dims} name a dimension more than once")
    return out


def _int_index(op: str, index: Any, x_shape: tuple[int, ...]) -> np.ndarray:
    """An integer index array, or a clear error (float indices are refused, as in torch)."""
    raw = np.asarray(_raw(index))
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {raw.dtype} (index shape {raw.shape}, "
                        f"input shape {x_shape}); convert with np.asarray(index, dtype=np.int64)")
    return raw.astype(np.intp, copy=False)


def _along(op: str, x_shape: tuple[int, ...], dim: int, index: np.ndarray) -> tuple:
    """The full advanced index that reads x[i0, .., index[i0, .., id, ..], ..] for every position
    of `index` (torch's gather/scatter rule), after checking shapes and range."""
    ndim = len(x_shape)
    from .function import IndexOutOfRange

    if index.ndim != ndim:
        raise ValueError(f"{op}: index has {index.ndim} dimensions but the input of shape {x_shape} has {ndim}")
    if ndim == 0:
        if index != 0:
            raise IndexOutOfRange(f"{op}: index {int(index)} is out of range for a 0-d input")
        return ()
    for d_, (n_i, n_x) in enumerate(zip(index.shape, x_shape)):
        if d_ != dim and n_i > n_x:
            raise ValueError(f"{op}: index shape {index.shape} is larger than the input shape {x_shape} in "
                             f"dimension {d_} (only dimension {dim} may differ)")
    n = x_shape[dim]
    bad = (index < 0) | (index >= n)
    if np.any(bad):
        raise IndexOutOfRange(f"{op}: index {index[bad].reshape(-1)[0]} is out of range for dimension {dim} "
                              f"of size {n} (input shape {x_shape}, index shape {index.shape})")
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


class CumMaxResult(NamedTuple):
    """(values, indices) of cummax, as torch returns them."""

    values: Any
    indices: np.ndarray


class _AtIndex:
    """`x.at[index]`: out-of-place updates at `index` (jax's spelling of torch's index_put)."""

    __slots__ = ("v", "index")

    def __init__(self, v: Any, index: Any) -> None:
        self.v, self.index = v, index

    def set(self, values: Any) -> Any:
        """A new Value equal to x with x[index] = values."""
        return _f().index_put(self.v, self.index, values)

    def add(self, values: Any) -> Any:
        """A new Value equal to x with x[index] += values (repeated indices add up)."""
        return _f().index_put(self.v, self.index, values, accumulate=True)

    def get(self) -> Any:
        return self.v[self.index]


class _At:
    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __getitem__(self, index: Any) -> _AtIndex:
        return _AtIndex(self.v, index)


class TensorMethods:
    """Methods of `Value` beyond the core arithmetic (see the module docstring)."""

    __slots__ = ()

    # --- constants without gradient ------------------------------------------------------------
    def _mask(self, arr: Any) -> Any:
        """A float mask (1.0 / 0.0) in this Value's dtype: a constant, no gradient flows."""
        return type(self)._make(np.asarray(arr, dtype=self.dtype)[()], None)

    def _other(self, other: Any) -> Any:
        return other if isinstance(other, type(self)) else self._constant(other, self)

    # --- elementwise primitives -----------------------------------------------------------------
    def tan(self) -> Any:
        return _ops().Tan.apply(self)

    def asin(self) -> Any:
        return _ops().Asin.apply(self)

    def acos(self) -> Any:
        return _ops().Acos.apply(self)

    def atan(self) -> Any:
        return _ops().Atan.apply(self)

    def sinh(self) -> Any:
        return _ops().Sinh.apply(self)

    def cosh(self) -> Any:
        return _ops().Cosh.apply(self)

    def asinh(self) -> Any:
        return _ops().Asinh.apply(self)

    def acosh(self) -> Any:
        return _ops().Acosh.apply(self)

    def atanh(self) -> Any:
        return _ops().Atanh.apply(self)

    def log1p(self) -> Any:
        return _ops().Log1p.apply(self)

    def expm1(self) -> Any:
        return _ops().Expm1.apply(self)

    def erf(self) -> Any:
        return _ops().Erf.apply(self)

    def sign(self) -> Any:
        return _ops().Sign.apply(self)

    def floor(self) -> Any:
        return _ops().Floor.apply(self)

    def ceil(self) -> Any:
        return _ops().Ceil.apply(self)

    def round(self, decimals: int = 0) -> Any:
        """Round half to even (torch.round), to `decimals` places; zero gradient."""
        return _ops().Round.apply(self, decimals=int(decimals)) if decimals else _ops().Round.apply(self)

    def trunc(self) -> Any:
        return _ops().Trunc.apply(self)

    def fmod(self, other: Any) -> Any:
        """x - trunc(x / y) y: the remainder with the sign of x (C's fmod)."""
        return _ops().Fmod.apply(self, other)

    def remainder(self, other: Any) -> Any:
        """x - floor(x / y) y: the remainder with the sign of y (Python's %)."""
        return _ops().Remainder.apply(self, other)

    def floor_divide(self, other: Any) -> Any:
        return _ops().FloorDivide.apply(self, other)

    __floordiv__, __mod__ = floor_divide, remainder  # x // y, x % y

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops().FloorDivide.apply(other, self)

    def __rmod__(self, other: Any) -> Any:
        return _ops().Remainder.apply(other, self)

    # --- elementwise composites -----------------------------------------------------------------
    @composite("log2")
    def log2(self) -> Any:
        """log2 x = ln x / ln 2."""
        return self.log() * (1.0 / math.log(2.0))

    @composite("log10")
    def log10(self) -> Any:
        """log10 x = ln x / ln 10."""
        return self.log() * (1.0 / math.log(10.0))

    @composite("logaddexp")
    def logaddexp(self, other: Any) -> Any:
        """log(e^x + e^y) = m + log1p(e^-|x - y|), m = max(x, y): no overflow, exact for tiny
        differences. At a tie m is (x + y) / 2, so the gradient splits 1/2, 1/2 (as the true
        derivative e^x / (e^x + e^y) does); two equal infinities give that infinity."""
        other = self._other(other)
        where = _f().where
        with np.errstate(invalid="ignore"):
            diff = self._data - other._data
        with np.errstate(invalid="ignore"):  # the unused branches may see inf - inf
            m = where(diff > 0, self, where(diff < 0, other, (self + other) * 0.5))
            gap = where(np.isnan(diff), np.zeros((), dtype=m.dtype), self - other)  # inf - inf: no NaN
            return m + (-gap.abs()).exp().log1p()

    @composite("lerp")
    def lerp(self, end: Any, weight: Any) -> Any:
        """start + weight (end - start)."""
        return self + weight * (end - self)

    # --- comparisons and tests: float masks, no gradient ----------------------------------------
    def eq(self, other: Any) -> Any:
        """1.0 where x == y else 0.0 (elementwise; `==` itself is identity, see the module doc)."""
        return self._mask(self._data == _raw(other))

    def ne(self, other: Any) -> Any:
        return self._mask(self._data != _raw(other))

    def lt(self, other: Any) -> Any:
        return self._mask(self._data < _raw(other))

    def le(self, other: Any) -> Any:
        return self._mask(self._data <= _raw(other))

    def gt(self, other: Any) -> Any:
        return self._mask(self._data > _raw(other))

    def ge(self, other: Any) -> Any:
        return self._mask(self._data >= _raw(other))

    def isnan(self) -> Any:
        return self._mask(np.isnan(self._data))

    def isinf(self) -> Any:
        return self._mask(np.isinf(self._data))

    def isfinite(self) -> Any:
        return self._mask(np.isfinite(self._data))

    # --- activations (composites; torch has these as torch.nn.functional.*) ---------------------
    @composite("silu")
    def silu(self) -> Any:
        """silu x = x sigmoid(x) (swish)."""
        return self * self.sigmoid()

    @composite("logsigmoid")
    def logsigmoid(self) -> Any:
        """log sigmoid(x) = -softplus(-x), stable for large |x|."""
        return -((-self).softplus())

    @composite("hardtanh")
    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Any:
        """clip(x, min_val, max_val); gradient 1 strictly inside, 0 at and beyond the edges (torch)."""
        inside = (self._data > min_val) & (self._data < max_val)
        return _f().where(inside, self, np.clip(self._data, min_val, max_val))

    def relu6(self) -> Any:
        """min(max(x, 0), 6) = hardtanh(x, 0, 6)."""
        return self.hardtanh(0.0, 6.0)

    @composite("hardsigmoid")
    def hardsigmoid(self) -> Any:
        """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (gradient 1/6 strictly inside)."""
        inside = (self._data > -3) & (self._data < 3)
        return _f().where(inside, self * (1 / 6) + 0.5, (self._data >= 3).astype(self.dtype))

    @composite("hardswish")
    def hardswish(self) -> Any:
        """x relu6(x + 3) / 6: 0 up to -3, x from 3 on, x (x + 3) / 6 between (gradient (2x + 3) / 6
        strictly inside; at the edges torch's one-sided choice: 0 at -3, 1 at 3)."""
        x = self._data
        mid = self * (self + 3) * (1 / 6)
        return _f().where(x <= -3, np.zeros_like(x), _f().where(x < 3, mid, self))

    @composite("selu")
    def selu(self) -> Any:
        """scale * elu(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805."""
        return self.elu(1.6732632423543772848170429916717) * 1.0507009873554804934193349852946

    @composite("celu")
    def celu(self, alpha: float = 1.0) -> Any:
        """max(0, x) + min(0, alpha (e^(x/alpha) - 1)) = alpha elu(x / alpha)."""
        if alpha == 0:
            raise ValueError("celu: alpha must not be 0")
        return (self * (1.0 / alpha)).elu(1.0) * alpha

    @composite("mish")
    def mish(self) -> Any:
        """x tanh(softplus(x))."""
        return self * self.softplus().tanh()

    @composite("softsign")
    def softsign(self) -> Any:
        """x / (1 + |x|)."""
        return self / (self.abs() + 1)

    @composite("softmin")
    def softmin(self, axis: int = -1, dim: Any = None) -> Any:
        """softmax(-x) along the axis."""
        return (-self).softmax(axis=axis if dim is None else dim)

    # --- reductions -----------------------------------------------------------------------------
    def _arg(self, op: str, fn: Any, axis: Any, keepdims: bool) -> np.ndarray:
        x = np.asarray(self._data)
        if x.size == 0:
            raise ValueError(f"{op}: the input of shape {x.shape} is empty (no {op} of nothing)")
        if axis is None:
            out = fn(x.reshape(-1))
            return np.reshape(out, (1,) * x.ndim) if keepdims else np.int64(out)
        a = _one_axis(op, x.ndim, axis)
        if x.ndim == 0:
            return np.int64(0)
        return fn(x, axis=a, keepdims=keepdims).astype(np.int64)

    def argmax(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:
        """Index of the (first) largest element (a NaN counts as largest), as int64 numpy data."""
        axis, keepdims = _pick("argmax", dim, axis, keepdims, keepdim)
        return self._arg("argmax", np.argmax, axis, keepdims)

    def argmin(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:
        """Index of the (first) smallest element, as int64 numpy data."""
        axis, keepdims = _pick("argmin", dim, axis, keepdims, keepdim)
        return self._arg("argmin", np.argmin, axis, keepdims)

    def any(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:
        """Is any element nonzero? A numpy bool array (not differentiable)."""
        axis, keepdims = _pick("any", dim, axis, keepdims, keepdim)
        axes = _ops().reduce.normalize_axis(self.ndim, axis, "any")
        return np.any(self._data != 0, axis=axes, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:
        """Is every element nonzero? A numpy bool array (not differentiable)."""
        axis, keepdims = _pick("all", dim, axis, keepdims, keepdim)
        axes = _ops().reduce.normalize_axis(self.ndim, axis, "all")
        return np.all(self._data != 0, axis=axes, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:
        """The product of the elements over `axis` (all by default); exact gradients with zeros."""
        axis, keepdims = _pick("prod", dim, axis, keepdims, keepdim)
        return _ops().Prod.apply(self, axis=axis, keepdims=keepdims)

    @composite("std")
    def std(self, axis: Any = None, keepdims: bool = False, correction: int = 1, *, dim: Any = None,
            keepdim: Any = None) -> Any:
        """sqrt(sum((x - mean)^2) / (N - correction)). The default correction=1 is torch's (the
        sample standard deviation); note that `var()` defaults to correction=0 (population)."""
        axis, keepdims = _pick("std", dim, axis, keepdims, keepdim)
        return self.var(axis=axis, keepdims=keepdims, correction=correction) ** 0.5

    def cumsum(self, dim: Any = None, *, axis: Any = None) -> Any:
        """y_k = x_0 + ... + x_k along `dim`."""
        dim, _ = _pick("cumsum", dim, axis)
        return _ops().CumSum.apply(self, dim=dim)

    def cumprod(self, dim: Any = None, *, axis: Any = None) -> Any:
        """y_k = x_0 * ... * x_k along `dim` (exact gradients with zeros)."""
        dim, _ = _pick("cumprod", dim, axis)
        return _ops().CumProd.apply(self, dim=dim)

    def cummax(self, dim: Any = None, *, axis: Any = None) -> CumMaxResult:
        """(values, indices): the running maximum along `dim` and where it was taken (the latest
        position at a tie, as torch). The values are x gathered at the indices, so the gradient
        goes to the element each running maximum came from."""
        dim, _ = _pick("cummax", dim, axis)
        a = _one_axis("cummax", self.ndim, dim)
        if self.ndim == 0:
            return CumMaxResult(self * 1, np.int64(0))
        xm = np.moveaxis(np.asarray(self._data), a, -1)
        idx = np.zeros(xm.shape, dtype=np.int64)
        if xm.shape[-1]:
            best, at = xm[..., 0].copy(), np.zeros(xm.shape[:-1], dtype=np.int64)
            for k in range(xm.shape[-1]):
                take = ((xm[..., k] >= best) | np.isnan(xm[..., k])) & ~np.isnan(best)
                best = np.where(take, xm[..., k], best)
                at = np.where(take, k, at)
                idx[..., k] = at
        idx = np.moveaxis(idx, -1, a)
        return CumMaxResult(self.gather(a, idx), idx)

    @composite("logcumsumexp")
    def logcumsumexp(self, dim: Any = None, *, axis: Any = None) -> Any:
        """y_k = log(e^x_0 + ... + e^x_k) = logsumexp of the first k+1 elements: each is a
        stable logsumexp over a row of a lower-triangular (k >= j) mask (O(n^2) work)."""
        dim, _ = _pick("logcumsumexp", dim, axis)
        a = _one_axis("logcumsumexp", self.ndim, dim)
        if self.ndim == 0 or self.shape[a] == 0:
            return self * 1
        n = self.shape[a]
        moved = self.movedim(a, -1) if a != self.ndim - 1 else self
        rows = moved.reshape(*moved.shape[:-1], 1, n)
        lower = np.tril(np.ones((n, n), dtype=bool))
        out = _f().where(lower, rows, -np.inf).logsumexp(axis=-1)
        return out.movedim(-1, a) if a != self.ndim - 1 else out

    @composite("norm")
    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: Any = None) -> Any:
        """The vector p-norm (sum |x|^p)^(1/p) over `dim` (all elements by default): p = 2 or
        'fro' (Euclidean / Frobenius), 1, inf (max |x|), -inf (min |x|), 0 (count of nonzeros) or
        any other number. At x = 0 the gradient is 0 (a subgradient), not NaN; at a tie of inf
        norms it is shared equally, as in torch."""
        dim, keep = _pick("norm", axis, dim, keepdim, keepdims)
        axes = _ops().reduce.normalize_axis(self.ndim, dim, "norm")
        if p == "fro" or p == 2:
            return _safe_root((self * self).sum(axis=axes, keepdims=keep), 2.0)
        if isinstance(p, str):
            raise ValueError(f"norm: p must be a number, 'fro' or inf, got {p!r} (shape {self.shape})")
        p = float(p)
        mag = self.abs()
        if p == 1:
            return mag.sum(axis=axes, keepdims=keep)
        if math.isinf(p):
            ext = np.max if p > 0 else np.min
            if self.size == 0:
                raise ValueError(f"norm: an inf norm of the empty input of shape {self.shape}")
            m = ext(mag._data, axis=axes, keepdims=True)
            tie = (mag._data == m).astype(self.dtype)
            share = tie / tie.sum(axis=axes, keepdims=True)
            return (mag * share).sum(axis=axes, keepdims=keep)
        if p == 0:
            count = (self._data != 0).sum(axis=axes, keepdims=keep).astype(self.dtype)
            return (self * 0).sum(axis=axes, keepdims=keep) + count
        return _safe_root((mag**p).sum(axis=axes, keepdims=keep), p)

    # --- shape ----------------------------------------------------------------------------------
    def expand(self, *sizes: Any) -> Any:
        """A broadcast view of size `sizes` (-1 keeps a dimension; new dimensions go in front)."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        shape = self.shape
        if len(sizes) < len(shape):
            raise ValueError(f"expand: the number of sizes {len(sizes)} must be at least the number of "
                             f"dimensions {len(shape)} (shape {shape}, sizes {sizes})")
        lead = len(sizes) - len(shape)
        target = []
        for i, s in enumerate(sizes):
            s = int(s)
            if i < lead:
                if s < 0:
                    raise ValueError(f"expand: a new leading dimension cannot be -1 (sizes {sizes})")
                target.append(s)
                continue
            n = shape[i - lead]
            if s == -1:
                s = n
            if n != s and n != 1:
                raise ValueError(f"expand: dimension {i - lead} has size {n}, which cannot expand to {s} "
                                 f"(shape {shape}, sizes {sizes}); only size-1 dimensions expand")
            target.append(s)
        return self.broadcast_to(tuple(target))

    def broadcast_to(self, *shape: Any) -> Any:
        """numpy's broadcast_to (torch's broadcast_to): repeat along size-1 and new leading axes."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
        try:
            np.broadcast_shapes(self.shape, shape)
            if np.broadcast_shapes(self.shape, shape) != shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} to {shape}") from None
        return _ops().BroadcastTo.apply(self, shape=shape) if shape != self.shape else self * 1

    @composite("repeat")
    def repeat(self, *sizes: Any) -> Any:
        """torch's repeat (numpy's tile): the whole tensor repeated sizes[i] times along dim i;
        a (r0, s0, r1, s1, ...) broadcast of the (1, s0, 1, s1, ...) view, reshaped."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < self.ndim or any(s < 0 for s in sizes):
            raise ValueError(f"repeat: needs at least {self.ndim} non-negative repeat counts for shape "
                             f"{self.shape}, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        inter = tuple(v for n in shape for v in (1, n))
        wide = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
        return self.reshape(inter).broadcast_to(wide).reshape(tuple(r * n for r, n in zip(sizes, shape)))

    @composite("repeat_interleave")
    def repeat_interleave(self, repeats: Any, dim: Any = None) -> Any:
        """Each element repeated `repeats` times along `dim` (flattened first when dim is None);
        repeats is an int or one count per element of that dimension."""
        x = self.reshape(-1) if dim is None else self
        a = 0 if dim is None else _one_axis("repeat_interleave", x.ndim, dim)
        if x.ndim == 0:
            x, a = x.reshape(1), 0
        n = x.shape[a]
        reps = np.asarray(_raw(repeats))
        if reps.dtype.kind not in "iu" or np.any(reps < 0):
            raise ValueError(f"repeat_interleave: repeats must be non-negative integers, got {repeats!r}")
        if reps.ndim == 0 or reps.size == 1:
            r = int(reps.reshape(-1)[0])
            wide = x.unsqueeze(a + 1)
            shape = wide.shape[: a + 1] + (r,) + wide.shape[a + 2:]
            return wide.broadcast_to(shape).reshape(x.shape[:a] + (n * r,) + x.shape[a + 1:])
        if reps.shape != (n,):
            raise ValueError(f"repeat_interleave: repeats has shape {reps.shape} but dimension {a} of shape "
                             f"{x.shape} has {n} elements")
        return x.index_select(a, np.repeat(np.arange(n), reps))

    def squeeze(self, dim: Any = None) -> Any:
        """Remove size-1 dimensions (all of them, or those in `dim`; a larger one stays, as torch)."""
        if dim is None:
            keep = [n for n in self.shape if n != 1]
        else:
            dims = _dims("squeeze", self.ndim, dim)
            keep = [n for i, n in enumerate(self.shape) if not (i in dims and n == 1)]
        return self.reshape(tuple(keep))

    def unsqueeze(self, dim: int) -> Any:
        """Insert a size-1 dimension at `dim` (in [-ndim - 1, ndim])."""
        a = _one_axis("unsqueeze", self.ndim + 1, dim)
        return self.reshape(self.shape[:a] + (1,) + self.shape[a:])

    def movedim(self, source: int, destination: int) -> Any:
        """Move one dimension to another position (the others keep their order)."""
        src, dst = _one_axis("movedim", self.ndim, source), _one_axis("movedim", self.ndim, destination)
        order = [i for i in range(self.ndim) if i != src]
        order.insert(dst, src)
        return self.permute(*order)

    def permute(self, *dims: Any) -> Any:
        """The dimensions reordered (negative indices allowed; a permutation of all of them)."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        perm = _ops().movement.normalize_axes(dims, self.ndim, "permute")
        return _ops().Transpose.apply(self, axes=perm)

    def flip(self, *dims: Any) -> Any:
        """Reverse the order of elements along `dims` (a slice with step -1; its gradient flips)."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        axes = _dims("flip", self.ndim, dims) if self.ndim else ()
        index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))
        return _ops().GetItem.apply(self, index=index)

    @composite("roll")
    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """Shift elements along `dims` cyclically (flattened when dims is None, as torch): the
        two slices [n - s:] and [:n - s] joined in swapped order."""
        if dims is None:
            if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
                raise ValueError(f"roll: with dims=None give one shift, got {shifts!r}")
            s = shifts[0] if isinstance(shifts, (tuple, list)) else shifts
            return self.reshape(-1).roll(int(s), 0).reshape(self.shape)
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims (shape {self.shape})")
        out = self
        for s, d in zip(shifts, dims):
            a = _one_axis("roll", self.ndim, d)
            n = self.shape[a] if self.ndim else 1
            k = int(s) % n if n else 0
            if k and self.ndim:
                lead = (slice(None),) * a
                out = _f().concat([out[lead + (slice(n - k, None),)], out[lead + (slice(0, n - k),)]], axis=a)
        return out

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces along `dim`: of size `split_size` (the last may be smaller) or of the given sizes."""
        a = _one_axis("split", self.ndim, dim)
        n = self.shape[a]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size <= 0 and n:
                raise ValueError(f"split: split_size must be positive, got {size} (shape {self.shape})")
            sizes = [min(size, n - i) for i in range(0, n, size)] if n else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise ValueError(f"split: sections {sizes} must be non-negative and add up to {n}, the size of "
                                 f"dimension {a} (shape {self.shape})")
        out, start = [], 0
        for s in sizes:
            out.append(self[(slice(None),) * a + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most `chunks` pieces of size ceil(n / chunks) along `dim` (torch's chunk)."""
        if int(chunks) <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        a = _one_axis("chunk", self.ndim, dim)
        n = self.shape[a]
        if n == 0:
            return tuple(self[(slice(None),) * a + (slice(0, 0),)] for _ in range(int(chunks)))
        return self.split(-(-n // int(chunks)), a)

    def pad(self, pad: Any, mode: str = "constant", value: Any = None) -> Any:
        """torch.nn.functional.pad: `pad` = (left, right) for the last dimension, then for the one
        before, ...; mode 'constant' (value, default 0; negative widths crop), 'reflect',
        'replicate' or 'circular'."""
        return _ops().Pad.apply(self, pad=tuple(pad), mode=mode, value=value)

    @composite("gather")
    def gather(self, dim: int, index: Any) -> Any:
        """out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (torch.gather): the advanced index that
        reads along `dim`; its gradient adds back into the positions read (repeats add up)."""
        idx = _int_index("gather", index, self.shape)
        a = _one_axis("gather", self.ndim, dim)
        return _ops().GetItem.apply(self, index=_along("gather", self.shape, a, idx))

    def _scatter(self, op: str, dim: int, index: Any, src: Any, accumulate: bool) -> Any:
        idx = _int_index(op, index, self.shape)
        a = _one_axis(op, self.ndim, dim)
        where = _along(op, self.shape, a, idx)
        if isinstance(src, type(self)) or np.ndim(src) > 0:
            src = src if isinstance(src, type(self)) else self._constant(np.asarray(src, dtype=self.dtype), self)
            if src.ndim != idx.ndim or any(s < i for s, i in zip(src.shape, idx.shape)):
                raise ValueError(f"{op}: src of shape {src.shape} must be at least the index shape {idx.shape} in "
                                 f"every dimension (input shape {self.shape})")
            if src.shape != idx.shape:
                src = src[tuple(slice(0, n) for n in idx.shape)]
        return _f().index_put(self, where, src, accumulate=accumulate)

    @composite("scatter")
    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Any:
        """A new Value: x with x[index[i][j]][j] = src[i][j] (for dim 0), out of place; `src`
        may be a number (or pass value=). Gradients: to x where not overwritten, to src from
        the positions it landed on."""
        if (src is None) == (value is None):
            raise ValueError("scatter: give src or value (one of them)")
        return self._scatter("scatter", dim, index, value if src is None else src, False)

    @composite("scatter_add")
    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        """A new Value: x with src[i][j] added at x[index[i][j]][j] (dim 0); repeats add up."""
        return self._scatter("scatter_add", dim, index, src, True)

    @composite("index_select")
    def index_select(self, dim: int, index: Any) -> Any:
        """The entries `index` (a 1-D integer array) along `dim`."""
        idx = _int_index("index_select", index, self.shape)
        if idx.ndim > 1:
            raise ValueError(f"index_select: index must be 1-D, got shape {idx.shape}")
        a = _one_axis("index_select", self.ndim, dim)
        n = self.shape[a] if self.ndim else 1
        if np.any((idx < 0) | (idx >= n)):
            from .function import IndexOutOfRange

            raise IndexOutOfRange(f"index_select: index {idx[(idx < 0) | (idx >= n)][0]} is out of range for "
                                  f"dimension {a} of size {n} (input shape {self.shape})")
        if self.ndim == 0:
            return self.reshape(1)[idx.reshape(-1)].reshape(idx.shape)
        return _ops().GetItem.apply(self, index=(slice(None),) * a + (idx.reshape(-1),))

    @composite("masked_fill")
    def masked_fill(self, mask: Any, value: Any) -> Any:
        """x with `value` where mask is true (a bool array, or a float mask: nonzero is true),
        broadcast to x's shape; the gradient of x is 0 where filled."""
        m = np.asarray(_raw(mask))
        m = m if m.dtype == bool else (m != 0)
        try:
            ok = np.broadcast_shapes(m.shape, self.shape) == self.shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the input shape "
                             f"{self.shape}")
        if isinstance(value, type(self)) and value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d Value, got shape {value.shape}")
        if not isinstance(value, type(self)):
            value = np.asarray(value, dtype=self.dtype)
        return _f().where(m, value, self)

    def _tri(self, op: str, diagonal: int, lower: bool) -> Any:
        if self.ndim < 2:
            raise ValueError(f"{op}: needs a tensor of at least 2 dimensions, got shape {self.shape}")
        n, m = self.shape[-2:]
        keep = np.tri(n, m, k=diagonal, dtype=bool) if lower else ~np.tri(n, m, k=diagonal - 1, dtype=bool)
        return _f().where(keep, self, np.zeros((), dtype=self.dtype))

    @composite("tril")
    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle: x where column - row <= diagonal, else 0 (last two dims)."""
        return self._tri("tril", int(diagonal), True)

    @composite("triu")
    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle: x where column - row >= diagonal, else 0 (last two dims)."""
        return self._tri("triu", int(diagonal), False)

    @composite("diagonal")
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        """The entries x[.., i, .., i + offset, ..] of dims dim1, dim2, as a new last dimension."""
        if self.ndim < 2:
            raise ValueError(f"diagonal: needs at least 2 dimensions, got shape {self.shape}")
        a, b = _one_axis("diagonal", self.ndim, dim1), _one_axis("diagonal", self.ndim, dim2)
        if a == b:
            raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {a} (shape {self.shape})")
        rest = [i for i in range(self.ndim) if i not in (a, b)]
        moved = self.permute(*rest, a, b)
        n1, n2 = self.shape[a], self.shape[b]
        offset = int(offset)
        k = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
        i = np.arange(k) + max(0, -offset)
        return moved[..., i, i + offset]

    def outer(self, other: Any) -> Any:
        """The outer product of two 1-D Values: out[i, j] = x[i] y[j]."""
        other = self._other(other)
        if self.ndim != 1 or other.ndim != 1:
            raise ValueError(f"outer: needs two 1-D inputs, got shapes {self.shape} and {other.shape}")
        return self.reshape(-1, 1) * other.reshape(1, -1)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        """torch's Tensor.index_put (out of place): see tinygrad_edu.index_put."""
        index = tuple(indices) if isinstance(indices, list) else indices
        return _f().index_put(self, index, values, accumulate=accumulate)

    @property
    def at(self) -> _At:
        """`x.at[idx].set(v)` / `.add(v)`: a new Value with x[idx] replaced / increased (graph-safe
        item assignment; `x[idx] = v` on a Value that requires grad raises)."""
        return _At(self)


def _safe_root(s: Any, p: float) -> Any:
    """s^(1/p) with the gradient 0 (not inf * 0 = NaN) where s = 0."""
    zero = np.asarray(s._data) == 0
    if not np.any(zero):
        return s ** (1.0 / p)
    from .functional import where

    return where(zero, np.zeros((), dtype=s.dtype), where(zero, np.ones((), dtype=s.dtype), s) ** (1.0 / p))
