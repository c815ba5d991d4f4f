"""The graph lab: an expression and its variables' values in, the drawn graph with gradients out.

The expression is parsed by the engine's whitelist parser (`tinygrad_edu.expr.parse_expression`:
Python's `ast`, never `eval`), which bounds the text length, the number of terms and constant
exponents. On top of that the web side bounds the number of variables, their values and the size
of the built graph, and every drawing goes through a `render(dot_text) -> svg` callable that the
app bounds in time and concurrency (`viz.render`).

Every node has one name in every view: its expression text (`naming.label_nodes`), the output
is L. Variables are listed in the order the request gives them (the order they appear in the text).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .naming import label_nodes
from .nonfinite import explain_nonfinite
from .validate import ApiError, finite, get_bool, get_choice, get_str

__all__ = ["parse_request", "build", "graph_answer", "check_answer", "steps_page", "parse_query", "LIMITS"]

Render = Callable[[str], str]

LIMITS = {
    "expr_length": 300,   # characters (the parser itself allows 500; a page needs less)
    "variables": 12,
    "value": 1e6,         # |variable value|
    "graph_nodes": 300,   # Values in the built graph
    "steps_ops": 120,     # ops in a step-through page
}


def parse_request(d: dict) -> tuple[str, dict[str, float]]:
    """The expression text and {name: value} from a request, checked."""
    expr = get_str(d, "expr", LIMITS["expr_length"]).strip()
    if not expr:
        raise ApiError("'expr' is empty: type an expression such as tanh(x*w + b)")
    values = d.get("values", {})
    if not isinstance(values, dict):
        raise ApiError("'values' must be an object mapping names to numbers, e.g. {\"x\": 2}")
    if len(values) > LIMITS["variables"]:
        raise ApiError(f"too many variables: {len(values)} (at most {LIMITS['variables']})")
    out: dict[str, float] = {}
    for name, v in values.items():
        if not name.isidentifier() or name.startswith("_") or len(name) > 20:
            raise ApiError(f"bad variable name {name[:30]!r}: letters, digits and _, not starting with _")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise ApiError(f"the value of {name!r} must be a finite number, got {str(v)[:40]!r}")
        if abs(float(v)) > LIMITS["value"]:
            raise ApiError(f"the value of {name!r} is too large (at most {LIMITS['value']:g} in absolute value)")
        out[name] = float(v)
    return expr, out


def build(expr: str, values: dict[str, Any]) -> Any:
    """The expression's output Value (its graph attached); ApiError for anything refused."""
    from tinygrad_edu import topological_order
    from tinygrad_edu.expr import ExpressionError, parse_expression

    try:
        with np.errstate(all="ignore"):
            root = parse_expression(expr, values)
    except ExpressionError as e:
        raise ApiError(str(e)) from None
    except (ValueError, TypeError, ArithmeticError) as e:  # e.g. an op refusing its input
        raise ApiError(f"cannot compute this expression: {e}"[:300]) from None
    n = len(topological_order(root))
    if n > LIMITS["graph_nodes"]:
        raise ApiError(f"the graph has {n} values; the playground draws at most {LIMITS['graph_nodes']}")
    return root


def _used_leaves(root: Any, values: dict[str, Any]) -> dict[str, Any]:
    """{name: leaf Value} for the variables the graph really uses, in the request's order."""
    from tinygrad_edu import topological_order

    found = {v.label: v for v in topological_order(root) if v.is_leaf and v.requires_grad and v.label}
    return {name: found[name] for name in values if name in found}


def _forward_backward(expr: str, values: dict[str, float]) -> tuple[Any, dict[str, Any]]:
    """Build, name every node, run backward; (root, used leaves)."""
    root = build(expr, values)
    if not root.label:
        root.label = "L"  # what we differentiate, as in dL/dx
    label_nodes(root)
    if root.requires_grad:
        with np.errstate(all="ignore"):
            root.backward()
    return root, _used_leaves(root, values)


def graph_answer(d: dict, render: Render) -> dict:
    """POST /api/graph: forward, backward, the SVG and every variable's gradient."""
    from viz.graph import draw_graph

    expr, values = parse_request(d)
    rankdir = get_choice(d, "rankdir", ("LR", "TB"), "LR")
    color = get_bool(d, "color_by_grad", False)
    root, leaves = _forward_backward(expr, values)
    svg = render(draw_graph(root, rankdir=rankdir, color_by="grad" if color else None).source)
    svg = svg[svg.find("<svg"):]  # inline-able: no XML prolog or doctype
    return {"expr": expr, "output": {"name": root.label, "data": finite(root.item())},
            "grads": {name: finite(v.grad.item()) for name, v in leaves.items()},
            "order": list(leaves), "missing": [n for n in values if n not in leaves],
            "note": explain_nonfinite(root), "svg": svg}


def _report(expr: str, values: dict[str, float], names: list[str]) -> list:
    """The engine's per-input gradcheck report for the expression as a function of `names`."""
    from tinygrad_edu import Value, gradcheck_report
    from tinygrad_edu.expr import parse_expression

    inputs = [Value(values[n], label=n) for n in names]
    with np.errstate(all="ignore"):
        return gradcheck_report(lambda *vs: parse_expression(expr, {**values, **dict(zip(names, vs))}), *inputs)


def check_answer(d: dict) -> dict:
    """POST /api/graph/check: analytic gradient vs central differences for every variable, judged
    by the engine's gradcheck report (PyTorch's rule |analytic - numeric| <= atol + rtol |numeric|)."""
    expr, values = parse_request(d)
    root, leaves = _forward_backward(expr, values)
    if not leaves:
        raise ApiError("the expression uses no variable: nothing to differentiate")
    names = list(leaves)
    rows = []
    for name, r in zip(names, _report(expr, values, names)):
        a, n = float(np.asarray(r.analytic).item()), float(np.asarray(r.numeric).item())
        rows.append({"name": name, "value": values[name], "analytic": finite(a), "numeric": finite(n),
                     "abs_error": finite(float(np.asarray(r.abs_err).item())), "ok": bool(r.passed)})
    return {"expr": expr, "rows": rows, "ok": all(r["ok"] for r in rows), "eps": 1e-6,
            "rule": "|analytic - numeric| <= 1e-5 + 1e-3 * |numeric|", "note": explain_nonfinite(root)}


def parse_query(args: Any) -> dict:
    """The step-through page takes a GET query: expr=...&vars=x=2;w=-3."""
    values: dict[str, Any] = {}
    text = args.get("vars", "")
    if len(text) > 600:
        raise ApiError("'vars' is too long")
    for item in filter(None, (s.strip() for s in text.split(";"))):
        name, sep, num = item.partition("=")
        try:
            values[name.strip()] = float(num) if sep else None
        except ValueError:
            raise ApiError(f"the value of {name.strip()[:20]!r} must be a number") from None
    return {"expr": args.get("expr", ""), "values": values}


def steps_page(d: dict, render: Render, cache: Any = None) -> str:
    """The step-through page (self-contained HTML) for the expression; `cache` (a
    viz.render.ByteCache) keeps recent pages so the page's check-then-load costs one build."""
    from viz.animate import backward_page

    expr, values = parse_request(d)
    key = (expr, tuple(values.items()))
    page = cache.get(key) if cache is not None else None
    if page is not None:
        return page
    root, _ = _forward_backward(expr, values)
    if not root.requires_grad:
        raise ApiError("the expression uses no variable: there is no backward pass to show")
    n_ops = sum(not v.is_leaf for v in _nodes(root))
    if n_ops > LIMITS["steps_ops"]:
        raise ApiError(f"the graph has {n_ops} ops; the step-through shows at most {LIMITS['steps_ops']} "
                       "(the graph card above draws it whole)")
    with np.errstate(all="ignore"):
        page = backward_page(root, render=render)
    if cache is not None:
        cache.put(key, page)
    return page


def _nodes(root: Any) -> list:
    from tinygrad_edu import topological_order

    return topological_order(root)
