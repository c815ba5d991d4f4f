"""The graph lab: an expression and its variables' values in, the drawn graph with gradients out.

The expression is parsed by the same whitelist parser as `tinygrad-edu graph`
(`tinygrad_edu.expr.parse_expression`: Python's `ast`, never `eval`), which already bounds the
text length, the number of terms and constant exponents. On top of that the web side bounds the
number of variables, their values and the size of the built graph.
"""

from __future__ import annotations

import functools
import math
import os
import tempfile
from typing import Any

import numpy as np

from .validate import ApiError, finite, get_bool, get_choice, get_str

__all__ = ["parse_request", "build", "graph_answer", "check_answer", "steps_page", "LIMITS"]

LIMITS = {
    "expr_length": 300,   # characters (the parser itself allows 500; a page needs less)
    "variables": 12,
    "value": 1e6,         # |variable value|
    "graph_nodes": 300,   # Values in the built graph
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
        root = parse_expression(expr, values)
    except ExpressionError as e:
        raise ApiError(str(e)) from None
    except (ValueError, TypeError, ArithmeticError) as e:  # e.g. an op refusing its input
        raise ApiError(f"cannot compute this expression: {e}"[:300]) from None
    n = len(topological_order(root))
    if n > LIMITS["graph_nodes"]:
        raise ApiError(f"the graph has {n} values; the playground draws at most {LIMITS['graph_nodes']}")
    return root


def _used_leaves(root: Any) -> dict[str, Any]:
    """{name: leaf Value} for the variables the graph really uses, in order of appearance."""
    from tinygrad_edu import topological_order

    return {v.label: v for v in topological_order(root) if v.requires_grad and v._ctx is None and v.label}


def graph_answer(d: dict) -> dict:
    """POST /api/graph: forward, backward, the SVG and every variable's gradient."""
    from viz.graph import GraphvizNotFound, draw_graph, render_svg

    expr, values = parse_request(d)
    rankdir = get_choice(d, "rankdir", ("LR", "TB"), "LR")
    color = get_bool(d, "color_by_grad", False)
    with np.errstate(all="ignore"):
        root = build(expr, values)
        if not root.label:
            root.label = "L"  # as in the step-through page and the usual dL/dx notation
        if root.requires_grad:
            root.backward()
    leaves = _used_leaves(root)
    try:
        svg = render_svg(draw_graph(root, rankdir=rankdir, color_by="grad" if color else None))
    except GraphvizNotFound as e:
        raise ApiError(str(e), status=503) from None
    svg = svg[svg.find("<svg"):]  # inline-able: no XML prolog or doctype
    return {"expr": expr, "output": {"name": root.label, "data": finite(root.item())},
            "grads": {name: finite(v.grad.item()) for name, v in leaves.items()},
            "missing": sorted(set(values) - set(leaves)), "svg": svg}


def check_answer(d: dict) -> dict:
    """POST /api/graph/check: analytic gradient vs central differences for every variable."""
    from tinygrad_edu import Value, numerical_grad
    from tinygrad_edu.expr import parse_expression

    expr, values = parse_request(d)
    with np.errstate(all="ignore"):
        root = build(expr, values)
        leaves = _used_leaves(root)
        if not leaves:
            raise ApiError("the expression uses no variable: nothing to differentiate")
        root.backward()
        names = list(leaves)
        inputs = [Value(values[n], label=n) for n in names]
        numeric = numerical_grad(lambda *vs: parse_expression(expr, {**values, **dict(zip(names, vs))}), *inputs)
    rows = []
    for name, num in zip(names, numeric):
        a, n = float(leaves[name].grad.item()), float(np.asarray(num).item())
        err = abs(a - n)
        ok = bool(err <= 1e-5 + 1e-3 * abs(n))  # gradcheck's rule (PyTorch's atol, rtol)
        rows.append({"name": name, "value": values[name], "analytic": finite(a), "numeric": finite(n),
                     "abs_error": finite(err), "ok": ok})
    return {"expr": expr, "rows": rows, "ok": all(r["ok"] for r in rows), "eps": 1e-6,
            "rule": "|analytic - numeric| <= 1e-5 + 1e-3 * |numeric|"}


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


def steps_page(d: dict) -> str:
    """The `animate_backward` page (self-contained HTML) for the expression."""
    expr, values = parse_request(d)
    return _steps_html(expr, tuple(values.items()))


@functools.lru_cache(maxsize=16)  # the page first fetches to show errors, then loads it in an iframe
def _steps_html(expr: str, items: tuple) -> str:
    from viz.animate import animate_backward
    from viz.graph import GraphvizNotFound

    values = dict(items)
    with np.errstate(all="ignore"):
        root = build(expr, values)
        if not root.requires_grad:
            raise ApiError("the expression uses no variable: there is no backward pass to show")
        # animate_backward writes a file; a private temporary one, never a path from the request
        fd, path = tempfile.mkstemp(suffix=".html", prefix="tinygrad_edu_steps_")
        os.close(fd)
        try:
            animate_backward(root, path)
            with open(path, encoding="utf-8") as f:
                return f.read()
        except GraphvizNotFound as e:
            raise ApiError(str(e), status=503) from None
        except ValueError as e:  # too many ops to animate
            raise ApiError(str(e)) from None
        finally:
            os.unlink(path)
