"""Small example inputs for every op, so each op can check its own gradient (`tinygrad-edu gradcheck`).

`examples_for(cls, rng)` gives the examples of one `Function` subclass, looked up in this order:

1. the op's own `examples` attribute, a function `examples(rng) -> list[Example]` (or of
   `(label, fn, inputs)` tuples) defined on the class: the one place to put them for a new op;
2. the table `EXAMPLES`, keyed by op name, for the ops written before that attribute existed
   (the engine's below; `nn.op_examples` registers nn's);
3. generic inputs: as many arrays of shape (3, 4) as `forward` takes positional inputs, with
   entries in [0.5, 1.5] (positive and away from 0: log, sqrt and kinks at 0 are safe), or in the
   next of GENERIC_RANGES where that gives a NaN (asin, acosh).

An op with none of these (its forward needs options, like einsum's equation) is listed as
"no example": it is not a failure, but the op should get an `examples` attribute.

An example is `Example(label, fn, inputs)`: `fn(*Values) -> Value` must use the op (`check_op`
verifies that it appears in the graph), `inputs` are the float64 arrays to differentiate.
Non-differentiable arguments (labels, indices, options) live inside `fn`. `COMPOSITES` lists
Value methods built from several ops (mean, var, softmax, ...), checked the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .function import Function
from .gradcheck import gradcheck_report
from .value import Value, topological_order

__all__ = ["Example", "EXAMPLES", "COMPOSITES", "examples_for", "generic_examples", "check_op", "check_example",
           "covering_subclasses", "register_examples", "normal", "positive", "away", "GENERIC_RANGES"]


@dataclass(frozen=True)
class Example:
    """One gradient check: `fn(*Values(inputs))` differentiated against central differences."""

    label: str
    fn: Callable[..., Value]
    inputs: tuple[np.ndarray, ...]


Maker = Callable[[np.random.Generator], list]


def normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Standard normal values of `shape`."""
    return rng.standard_normal(shape)


def positive(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Uniform values in [0.5, 2] (log, sqrt, division)."""
    return rng.uniform(0.5, 2.0, shape)


def away(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Normal values pushed at least 0.2 away from 0: kinks (relu, abs, clip) out of eps's reach."""
    x = rng.standard_normal(shape)
    return x + np.sign(x) * 0.2


def _engine() -> dict[str, Maker]:
    from .functional import concat, maximum, minimum, stack, where

    idx = np.array([0, 2, 2, 1])
    return {
        "add": lambda g: [("add (broadcast)", lambda a, b: a + b, [normal(g, 3, 4), normal(g, 4)]),
                          ("sub", lambda a, b: a - b, [normal(g, 3, 1), normal(g, 1, 4)])],
        "neg": lambda g: [("neg", lambda a: -a, [normal(g, 5)])],
        "mul": lambda g: [("mul (broadcast)", lambda a, b: a * b, [normal(g, 2, 3, 4), normal(g, 3, 1)]),
                          ("div", lambda a, b: a / b, [normal(g, 3, 4), positive(g, 3, 4)])],
        "pow": lambda g: [("pow (const exp)", lambda a: a**3, [normal(g, 3, 4)]),
                          ("pow (value exp)", lambda a, b: a**b, [positive(g, 3, 4), normal(g, 3, 4)]),
                          ("sqrt", lambda a: a.sqrt(), [positive(g, 3, 4)])],
        "matmul": lambda g: [("matmul 2-D", lambda a, b: a @ b, [normal(g, 3, 4), normal(g, 4, 5)]),
                             ("matmul 1-D @ 2-D", lambda a, b: a @ b, [normal(g, 4), normal(g, 4, 5)]),
                             ("matmul batched", lambda a, b: a @ b, [normal(g, 2, 3, 4), normal(g, 4, 5)])],
        "exp": lambda g: [("exp", lambda a: a.exp(), [normal(g, 3, 4)])],
        "log": lambda g: [("log", lambda a: a.log(), [positive(g, 3, 4)])],
        "abs": lambda g: [("abs", lambda a: a.abs(), [away(g, 3, 4)])],
        "sin": lambda g: [("sin", lambda a: a.sin(), [normal(g, 3, 4)])],
        "cos": lambda g: [("cos", lambda a: a.cos(), [normal(g, 3, 4)])],
        "tanh": lambda g: [("tanh", lambda a: a.tanh(), [normal(g, 3, 4)])],
        "sigmoid": lambda g: [("sigmoid", lambda a: a.sigmoid(), [normal(g, 3, 4)])],
        "relu": lambda g: [("relu", lambda a: a.relu(), [away(g, 3, 4)])],
        "leakyrelu": lambda g: [("leaky_relu", lambda a: a.leaky_relu(0.1), [away(g, 3, 4)])],
        "elu": lambda g: [("elu", lambda a: a.elu(1.0), [away(g, 3, 4)])],
        "softplus": lambda g: [("softplus", lambda a: a.softplus(), [normal(g, 3, 4)])],
        "gelu": lambda g: [("gelu", lambda a: a.gelu(), [normal(g, 3, 4)])],
        "erf": lambda g: [("erf", lambda a: _op("erf").apply(a), [normal(g, 3, 4)])],
        "clip": lambda g: [("clip", lambda a: a.clip(-0.5, 0.5), [away(g, 3, 4) * 2])],
        "where": lambda g: [("where", lambda a, b: where(a.data > 0, a, b), [normal(g, 3, 4), normal(g, 3, 4)]),
                            ("maximum", lambda a, b: maximum(a, b), [normal(g, 3, 4), normal(g, 3, 4)]),
                            ("minimum", lambda a, b: minimum(a, b), [normal(g, 3, 4), normal(g, 3, 4)])],
        "sum": lambda g: [("sum axis=1", lambda a: a.sum(axis=1), [normal(g, 3, 4)])],
        "max": lambda g: [("max axis=-1", lambda a: a.max(axis=-1), [normal(g, 3, 4)]),
                          ("min", lambda a: a.min(), [normal(g, 3, 4)])],
        "reshape": lambda g: [("reshape", lambda a: a.reshape(4, 3), [normal(g, 3, 4)]),
                              ("flatten", lambda a: a.flatten(), [normal(g, 2, 3)])],
        "transpose": lambda g: [("transpose", lambda a: a.transpose(2, 0, 1), [normal(g, 2, 3, 4)])],
        "broadcast_to": lambda g: [("broadcast_to", lambda a: _op("broadcast_to").apply(a, shape=(2, 3, 4)),
                                    [normal(g, 3, 1)])],
        "getitem": lambda g: [("getitem slice", lambda a: a[1:, ::2], [normal(g, 3, 4)]),
                              ("getitem repeated idx", lambda a: a[idx], [normal(g, 3, 4)])],
        "index_put": lambda g: [("index_put accumulate", lambda a, v: _index_put(a, (idx,), v, True),
                                 [normal(g, 3, 4), normal(g, 4, 4)])],
        "einsum": lambda g: [("einsum ij,jk->ik", lambda a, b: _op("einsum").apply(a, b, equation="ij,jk->ik"),
                              [normal(g, 3, 4), normal(g, 4, 2)])],
        "concat": lambda g: [("concat", lambda a, b: concat([a, b], axis=1), [normal(g, 3, 2), normal(g, 3, 4)]),
                             ("stack", lambda a, b: stack([a, b], axis=0), [normal(g, 3, 4), normal(g, 3, 4)])],
    }


def _op(name: str) -> type[Function]:
    return Function.registry[name]


def _index_put(a: Value, index: tuple, values: Value, accumulate: bool) -> Value:
    from . import index_put

    return index_put(a, index, values, accumulate=accumulate)


EXAMPLES: dict[str, Maker] = {}
"""{op name: maker(rng) -> examples} for the ops that have no `examples` of their own: the
engine's below, `nn`'s added by `nn.op_examples` (the engine never imports nn)."""


def register_examples(table: dict[str, Maker]) -> None:
    """Add {op name: maker(rng)} entries to `EXAMPLES` (how `nn.op_examples` adds nn's ops)."""
    _table().update(table)


def _table() -> dict[str, Maker]:
    if not EXAMPLES:
        EXAMPLES.update(_engine())
    return EXAMPLES


COMPOSITES: dict[str, Maker] = {
    "mean keepdims": lambda g: [("mean keepdims", lambda a: a.mean(axis=0, keepdims=True), [normal(g, 3, 4)])],
    "var axis=0": lambda g: [("var axis=0", lambda a: a.var(axis=0), [normal(g, 3, 4)])],
    "logsumexp": lambda g: [("logsumexp", lambda a: a.logsumexp(axis=1), [normal(g, 3, 4)])],
    "softmax": lambda g: [("softmax", lambda a: a.softmax(axis=-1), [normal(g, 3, 4)])],
    "log_softmax": lambda g: [("log_softmax", lambda a: a.log_softmax(axis=0), [normal(g, 3, 4)])],
}


def as_examples(items: list) -> list[Example]:
    out = []
    for item in items:
        if isinstance(item, Example):
            out.append(item)
        else:
            label, fn, inputs = item
            out.append(Example(str(label), fn, tuple(np.asarray(x, dtype=np.float64) for x in inputs)))
    return out


def _arity(cls: type[Function]) -> int:
    """How many positional inputs `forward` takes (2 for *inputs)."""
    params = list(inspect.signature(cls.forward).parameters.values())[1:]
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)


GENERIC_RANGES = ((0.5, 1.5), (0.2, 0.8), (1.2, 2.0), (-0.8, -0.2))
"""Where generic inputs are drawn from, in order: the first range on which the op's output is
finite is used (so asin gets (0.2, 0.8) and acosh (1.2, 2.0))."""


def generic_examples(cls: type[Function], rng: np.random.Generator) -> list[Example]:
    """One example with `_arity(cls)` inputs of shape (3, 4) and no options, drawn from the first
    of GENERIC_RANGES where the op's output is finite (none: no example)."""
    n = _arity(cls)
    if n == 0:
        return []
    fn = lambda *xs: cls.apply(*xs)  # noqa: E731
    for lo, hi in GENERIC_RANGES:
        inputs = tuple(rng.uniform(lo, hi, (3, 4)) for _ in range(n))
        with np.errstate(all="ignore"):
            out = fn(*[Value(x, requires_grad=False) for x in inputs])
        if np.all(np.isfinite(out.data)):
            return [Example(f"{cls.name} (generic inputs in [{lo:g}, {hi:g}])", fn, inputs)]
    return []


def examples_for(cls: type[Function], rng: np.random.Generator) -> tuple[list[Example], str]:
    """(examples, where they came from: "op", "table" or "generic")."""
    own = cls.__dict__.get("examples")
    if own is not None:
        maker = own.__func__ if isinstance(own, (staticmethod, classmethod)) else own
        return as_examples(maker(cls, rng) if isinstance(own, classmethod) else maker(rng)), "op"
    table = _table()
    if cls.name in table:
        return as_examples(table[cls.name](rng)), "table"
    return generic_examples(cls, rng), "generic"


def covering_subclasses(cls: type[Function]) -> list[str]:
    """Names of the registered ops that subclass `cls` (a base class like ConvNdFn is checked
    through them)."""
    return [c.name for c in Function.registry.values() if c is not cls and issubclass(c, cls)]


def check_example(ex: Example, op: str | None = None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3) -> dict[str, Any]:
    """One row: {"op", "case", "max_abs_err", "max_rel_err", "ok", "status"}. With `op`, the
    example must put that op in its graph, else the row says so and fails."""
    row: dict[str, Any] = {"op": ex.label, "kind": op or "composite", "max_abs_err": float("nan"),
                           "max_rel_err": float("nan"), "ok": False}
    if op is not None:
        out = ex.fn(*[Value(x) for x in ex.inputs])
        if op not in {v.op for v in topological_order(out)}:
            return {**row, "status": f"example does not use {op}"}
    with np.errstate(all="ignore"):
        reports = gradcheck_report(ex.fn, *ex.inputs, eps=eps, atol=atol, rtol=rtol)
    row["max_abs_err"] = max(r.max_abs_err for r in reports)
    row["max_rel_err"] = max(r.max_rel_err for r in reports)
    row["ok"] = all(r.passed for r in reports)
    return {**row, "status": "ok" if row["ok"] else "FAIL"}


def check_op(cls: type[Function], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Rows for one registered op; an op whose examples cannot even run reports "no example"."""
    subs = covering_subclasses(cls)
    if subs and cls.__dict__.get("examples") is None and cls.name not in _table():
        return [_no_example(cls, f"checked through {', '.join(subs)}", ok=True)]
    try:
        examples, source = examples_for(cls, rng)
        rows = [{**check_example(ex, cls.name), "source": source} for ex in examples]
    except Exception as e:  # noqa: BLE001 - generic inputs that do not suit the op, an API that moved
        return [_no_example(cls, f"no example ({type(e).__name__}: {' '.join(str(e).split())[:80]})")]
    return rows or [_no_example(cls, "no example")]


def _no_example(cls: type[Function], status: str, ok: bool = False) -> dict[str, Any]:
    return {"op": cls.name, "kind": cls.name, "max_abs_err": float("nan"), "max_rel_err": float("nan"),
            "ok": ok, "status": status, "source": "none"}
