"""Function transforms, as in HIPS autograd and JAX: functions in, derivative functions out.

    >>> from tinygrad_edu import func
    >>> f = lambda x: x ** 3
    >>> float(func.grad(f)(2.0)), float(func.grad(func.grad(f))(2.0))   # 3x^2, 6x
    (12.0, 12.0)

`f` takes Values (numbers and arrays are wrapped as fresh leaves) and returns a Value. Results
are numpy arrays, unless an argument is a Value that an outer transform is differentiating:
then the result is a Value in that graph (create_graph), which is how `grad(grad(f))` and
`jacobian(grad(f))` (the Hessian) compose to any order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as _grad
from .mode import MODE, enable_grad
from .value import Value

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp"]


def _wrap(args: Sequence[Any], argnums: tuple[int, ...]) -> tuple[list[Any], bool]:
    """Leaves for the differentiated arguments; nested=True when one of them is already in a
    graph being differentiated (then the results must stay in the graph)."""
    # Any argument in a graph being recorded means an outer transform is differentiating us.
    nested = MODE.grad_enabled and any(isinstance(x, Value) and x.requires_grad for x in args)
    out = list(args)
    for i in argnums:
        x = args[i]
        if isinstance(x, Value) and x.requires_grad and nested:
            pass  # keep it: the outer transform differentiates through this very Value
        elif isinstance(x, Value):
            out[i] = Value(x._data, label=x.label)
        else:
            out[i] = Value(x)
    return out, nested


def _argnums(argnums: int | Sequence[int], n: int) -> tuple[tuple[int, ...], bool]:
    many = not isinstance(argnums, int)
    nums = tuple(argnums) if many else (argnums,)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"argnums {a} is out of range for a function called with {n} arguments")
    return tuple(a % n for a in nums), many


def _out(v: Value, nested: bool) -> Any:
    return v if nested else np.asarray(v._data)


def _call(f: Callable[..., Any], args: Sequence[Any]) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"{getattr(f, '__name__', 'f')} must return a Value, got {type(out).__name__}")
    return out


def value_and_grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable[..., tuple]:
    """A function returning (f(*args), df/d(args[argnums])); f must return one number."""

    def vg(*args: Any) -> tuple:
        nums, many = _argnums(argnums, len(args))
        xs, nested = _wrap(args, nums)
        with enable_grad():
            out = _call(f, xs)
            if out.size != 1:
                raise ValueError(f"grad: f must return a single number, got shape {out.shape} (use jacobian or vjp)")
            gs = _grad(out, [xs[i] for i in nums], create_graph=nested, allow_unused=True)
        gs = tuple(_out(g, nested) for g in gs)
        return _out(out, nested), (gs if many else gs[0])

    return vg


def grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """df/dx as a function: grad(f)(x) = the gradient of the scalar f at x (a tuple of them when
    argnums is a tuple). grad(grad(f)) is the second derivative, and so on."""
    vg = value_and_grad(f, argnums)
    return lambda *args: vg(*args)[1]


def vjp(f: Callable[..., Value], *primals: Any) -> tuple[Any, Callable[[Any], Any]]:
    """(f(*primals), vjp_fn) with vjp_fn(v) = v^T J: the reverse-mode product, one per primal
    (a tuple when there are several primals)."""
    xs, nested = _wrap(primals, tuple(range(len(primals))))
    with enable_grad():
        out = _call(f, xs)

    def vjp_fn(v: Any) -> Any:
        v = v if isinstance(v, Value) else np.asarray(v, dtype=out.dtype)
        with enable_grad():
            gs = _grad(out, xs, grad_outputs=[v], create_graph=nested or isinstance(v, Value), allow_unused=True)
        res = tuple(_out(g, nested) for g in gs)
        return res if len(res) > 1 else res[0]

    return _out(out, nested), vjp_fn


def jvp(f: Callable[..., Value], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J t): the forward-mode product, by the double-vjp trick. g(u) = u^T J is
    linear in u, so its own vjp with the tangent t is (J t)^T: two reverse passes, no new rules."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    xs, nested = _wrap(primals, tuple(range(len(primals))))
    with enable_grad():
        out = _call(f, xs)
        u = Value(np.zeros(out.shape, dtype=out.dtype))  # any value works: g(u) is linear in u
        gs = _grad(out, xs, grad_outputs=[u], create_graph=True, allow_unused=True)
        live = [(g, t) for g, t in zip(gs, tangents) if g.requires_grad]
        if not live:
            tangent_out = Value(np.zeros(out.shape, dtype=out.dtype), requires_grad=False)
        else:
            (tangent_out,) = _grad([g for g, _ in live], u,
                                   grad_outputs=[np.asarray(t._data if isinstance(t, Value) else t, dtype=g.dtype)
                                                 for g, t in live],
                                   create_graph=nested, allow_unused=True)
    return _out(out, nested), _out(tangent_out, nested)


def jacobian(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """J[i..., j...] = d f(x)[i...] / d x[j...], shape out.shape + x.shape: one vjp per output
    element (the rows of J)."""

    def jac(*args: Any) -> Any:
        nums, many = _argnums(argnums, len(args))
        xs, nested = _wrap(args, nums)
        with enable_grad():
            out = _call(f, xs)
            rows: list[list[Any]] = [[] for _ in nums]
            for k in range(out.size):
                e = np.zeros(out.size, dtype=out.dtype)
                e[k] = 1
                gs = _grad(out, [xs[i] for i in nums], grad_outputs=[e.reshape(out.shape)],
                           create_graph=nested, allow_unused=True)
                for r, g in zip(rows, gs):
                    r.append(g)
        results = []
        for i, r in zip(nums, rows):
            shape = out.shape + xs[i].shape
            if nested:
                from .functional import stack

                results.append(stack(r, axis=0).reshape(*shape) if r else Value(np.zeros(shape)))
            else:
                results.append(np.stack([np.asarray(g._data) for g in r]).reshape(shape) if r else np.zeros(shape))
        return tuple(results) if many else results[0]

    return jac


def hessian(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """H[i, j] = d^2 f / dx_i dx_j: the Jacobian of the gradient, shape x.shape + x.shape."""
    if not isinstance(argnums, int):
        raise ValueError("hessian: argnums must be one int here")
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Value], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), H v): the Hessian times a vector without forming H, as the gradient of
    <grad f(x), v> (one reverse pass over the gradient's graph)."""
    primals, tangents = tuple(primals), tuple(tangents)
    xs, nested = _wrap(primals, tuple(range(len(primals))))
    with enable_grad():
        out = _call(f, xs)
        gs = _grad(out, xs, create_graph=True, allow_unused=True)
        dot = None
        for g, t in zip(gs, tangents):
            term = (g * np.asarray(t._data if isinstance(t, Value) else t, dtype=g.dtype)).sum()
            dot = term if dot is None else dot + term
        if dot is None or not dot.requires_grad:
            hv = tuple(Value(np.zeros(x.shape), requires_grad=False) for x in xs)
        else:
            hv = _grad(dot, xs, create_graph=nested, allow_unused=True)
    res = tuple(_out(h, nested) for h in hv)
    return _out(out, nested), (res if len(res) > 1 else res[0])
