"""The graph lab: an expression and its variables' values in, the drawn graph with gradients out.

Variables are numbers or small vectors/matrices (`{"W": [[1, 2], [3, 4]], "x": [0.5, -1]}`), and
the expression may use @, .T, sum(...), mean(...) and broadcasting (see `tinygrad_edu.expr`).
A tensor's value and gradient travel as nested lists; small tensors are drawn entry by entry.
A non-scalar output is differentiated as sum(L) (backward seeded with ones), and the answer says so.

The derivative's graph (`derivative_answer`): dL/dx computed with create_graph=True is itself a
graph of Values; it is drawn, and for a scalar dL/dx backward through it gives the second
derivatives d2L/dx2 and d2L/dx dy of every scalar variable (a row of the Hessian).

The expression is parsed by the engine's whitelist parser (`tinygrad_edu.expr.parse_expression`:
Python's `ast`, never `eval`), which bounds the text length, the number of terms and constant
exponents. On top of that the web side bounds the number of variables, their values and the size
of the built graph, and every drawing goes through a `render(dot_text) -> svg` callable that the
app bounds in time and concurrency (`viz.render`).

Every node has one name in every view: its expression text (`naming.label_nodes`), the output
is L. Variables are listed in the order the request gives them (the order they appear in the text).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .naming import label_nodes
from .nonfinite import explain_nonfinite
from .validate import ApiError, finite, get_bool, get_choice, get_str, parse_json

__all__ = ["parse_request", "build", "graph_answer", "check_answer", "derivative_answer", "steps_page",
           "parse_query", "numbers", "LIMITS"]

Render = Callable[[str], str]

LIMITS = {
    "expr_length": 300,   # characters (the parser itself allows 500; a page needs less)
    "variables": 12,
    "value": 1e6,         # |variable value| (every entry of a matrix)
    "elements": 64,       # entries of all variables together (the numeric check costs 2 runs per entry)
    "graph_nodes": 300,   # Values in the built graph (and in the derivative's graph)
    "steps_ops": 120,     # ops in a step-through page
    "shown_entries": 16,  # tensors up to this many entries are drawn entry by entry
}


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ApiError(f"the value of {name!r} must be a finite number, got {str(v)[:40]!r}")
    if abs(float(v)) > LIMITS["value"]:
        raise ApiError(f"the value of {name!r} is too large (at most {LIMITS['value']:g} in absolute value)")
    return float(v)


def _matrix(name: str, v: list) -> np.ndarray:
    """A vector [1, 2] or a matrix [[1, 2], [3, 4]] of finite numbers, checked."""
    rows = [isinstance(r, list) for r in v]
    if not v or (all(rows) and not all(v)):
        raise ApiError(f"the value of {name!r} is empty: give numbers, e.g. [1, 2] or [[1, 2], [3, 4]]")
    if any(rows) and not all(rows):
        raise ApiError(f"the value of {name!r} mixes numbers and rows: a vector is [1, 2], a matrix [[1, 2], [3, 4]]")
    if all(rows):
        if any(isinstance(x, list) for r in v for x in r):
            raise ApiError(f"the value of {name!r} has more than 2 levels of brackets: vectors and matrices only")
        lengths = list(dict.fromkeys(len(r) for r in v))
        if len(lengths) > 1:
            raise ApiError(f"the rows of {name!r} have different lengths ({lengths[0]} and {lengths[1]})")
        return np.array([[_number(name, x) for x in r] for r in v])
    return np.array([_number(name, x) for x in v])


def parse_request(d: dict) -> tuple[str, dict[str, Any]]:
    """The expression text and {name: number or array} from a request, checked."""
    expr = get_str(d, "expr", LIMITS["expr_length"]).strip()
    if not expr:
        raise ApiError("'expr' is empty: type an expression such as tanh(x*w + b)")
    values = d.get("values", {})
    if not isinstance(values, dict):
        raise ApiError("'values' must be an object mapping names to numbers, e.g. {\"x\": 2}")
    if len(values) > LIMITS["variables"]:
        raise ApiError(f"too many variables: {len(values)} (at most {LIMITS['variables']})")
    out: dict[str, Any] = {}
    entries = 0
    for name, v in values.items():
        if not name.isidentifier() or name.startswith("_") or len(name) > 20:
            raise ApiError(f"bad variable name {name[:30]!r}: letters, digits and _, not starting with _")
        out[name] = _matrix(name, v) if isinstance(v, list) else _number(name, v)
        entries += np.size(out[name])
        if entries > LIMITS["elements"]:
            raise ApiError(f"the variables have more than {LIMITS['elements']} entries in all (the graph lab "
                           "is for small matrices)")
    return expr, out


def numbers(a: Any) -> float | str | list:
    """A number or a tensor for JSON: a float (or 'nan'/'inf') for a scalar, nested lists for a
    vector or a matrix."""
    a = np.asarray(a, dtype=np.float64)
    return finite(a) if a.ndim == 0 else [numbers(row) for row in a]


def _is_scalar(v: Any) -> bool:
    return v.ndim == 0


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


def _seed(root: Any) -> Any:
    """dL/dL for backward: None (1) for a number, ones for a tensor output (the gradient of sum(L))."""
    return None if _is_scalar(root) else np.ones(root.shape)


def _seed_note(root: Any) -> str | None:
    if _is_scalar(root):
        return None
    return (f"The output {root.label} is a tensor of shape {tuple(root.shape)}: the gradients shown are those of "
            f"sum({root.label}), i.e. backward starts from ones (as {root.label}.backward(ones)).")


def _notes(*notes: str | None) -> str | None:
    return " ".join(n for n in notes if n) or None


def _named(expr: str, values: dict[str, Any]) -> Any:
    """The built graph with every node named (the output L)."""
    root = build(expr, values)
    if not root.label:
        root.label = "L"  # what we differentiate, as in dL/dx
    label_nodes(root)
    return root


def _forward_backward(expr: str, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Build, name every node, run backward; (root, used leaves)."""
    root = _named(expr, values)
    if root.requires_grad:
        with np.errstate(all="ignore"):
            root.backward(_seed(root))
    return root, _used_leaves(root, values)


def graph_answer(d: dict, render: Render) -> dict:
    """POST /api/graph: forward, backward, the SVG and every variable's gradient."""
    from viz.graph import draw_graph

    expr, values = parse_request(d)
    rankdir = get_choice(d, "rankdir", ("LR", "TB"), "LR")
    color = get_bool(d, "color_by_grad", False)
    root, leaves = _forward_backward(expr, values)
    svg = render(draw_graph(root, rankdir=rankdir, color_by="grad" if color else None,
                            tensor_values=LIMITS["shown_entries"]).source)
    return {"expr": expr, "output": {"name": root.label, "data": numbers(root.data), "shape": list(root.shape)},
            "grads": {name: numbers(v.grad) for name, v in leaves.items()},
            "shapes": {name: list(v.shape) for name, v in leaves.items()},
            "order": list(leaves), "missing": [n for n in values if n not in leaves],
            "note": _notes(_seed_note(root), explain_nonfinite(root)), "svg": _inline(svg)}


def _inline(svg: str) -> str:
    return svg[svg.find("<svg"):]  # inline-able: no XML prolog or doctype


def _report(expr: str, values: dict[str, Any], names: list[str], summed: bool) -> list:
    """The engine's per-input gradcheck report for the expression as a function of `names`
    (of sum(expression) when `summed`, the function whose gradients the graph shows)."""
    from tinygrad_edu import Value, gradcheck_report
    from tinygrad_edu.expr import parse_expression

    def f(*vs: Any) -> Any:
        out = parse_expression(expr, {**values, **dict(zip(names, vs))})
        return out.sum() if summed else out

    inputs = [Value(values[n], label=n) for n in names]
    with np.errstate(all="ignore"):
        return gradcheck_report(f, *inputs)


def check_answer(d: dict) -> dict:
    """POST /api/graph/check: analytic gradient vs central differences for every variable, judged
    by the engine's gradcheck report (PyTorch's rule |analytic - numeric| <= atol + rtol |numeric|)."""
    expr, values = parse_request(d)
    root, leaves = _forward_backward(expr, values)
    if not leaves:
        raise ApiError("the expression uses no variable: nothing to differentiate")
    names = list(leaves)
    rows = []
    for name, r in zip(names, _report(expr, values, names, summed=not _is_scalar(root))):
        rows.append({"name": name, "shape": list(np.shape(values[name])), "value": numbers(values[name]),
                     "analytic": numbers(r.analytic), "numeric": numbers(r.numeric),
                     "abs_error": finite(np.max(r.abs_err)), "ok": bool(r.passed)})
    return {"expr": expr, "rows": rows, "ok": all(r["ok"] for r in rows), "eps": 1e-6,
            "rule": "|analytic - numeric| <= 1e-5 + 1e-3 * |numeric| for every entry",
            "note": _notes(_seed_note(root), explain_nonfinite(root))}


def derivative_answer(d: dict, render: Render) -> dict:
    """POST /api/graph/derivative: the graph of dL/d(wrt), built with create_graph=True, drawn
    with its values; for a scalar dL/d(wrt), backward through that graph gives the second
    derivatives d2L/d(wrt)d(v) of every scalar variable v (shown as each box's grad)."""
    from tinygrad_edu import grad
    from viz.graph import draw_graph

    expr, values = parse_request(d)
    rankdir = get_choice(d, "rankdir", ("LR", "TB"), "LR")
    color = get_bool(d, "color_by_grad", False)
    root = _named(expr, values)
    leaves = _used_leaves(root, values)
    if not leaves:
        raise ApiError("the expression uses no variable: nothing to differentiate")
    wrt = get_str(d, "wrt", 20, next(iter(leaves)))
    if wrt not in leaves:
        raise ApiError(f"'wrt' must be a variable the expression uses ({', '.join(leaves)}), got {wrt!r}")
    x, L = leaves[wrt], root.label
    with np.errstate(all="ignore"):
        (g,) = grad(root, x, grad_outputs=_seed(root), create_graph=True)
    if not g.label:  # a node of the forward graph (d(x + y)/dx can be the seed itself) keeps its name
        g.label = f"d{L}/d{wrt}"
    n = len(_nodes(g))
    if n > LIMITS["graph_nodes"]:
        raise ApiError(f"the derivative's graph has {n} values; the playground draws at most {LIMITS['graph_nodes']}")
    label_nodes(g)
    scalar = _is_scalar(g)
    if scalar and g.requires_grad:
        with np.errstate(all="ignore"):
            g.backward()  # x.grad is now d2L/dx2, y.grad d2L/dxdy (grad() left every .grad at zero)
    second = {name: finite(v.grad.item()) for name, v in leaves.items() if scalar and _is_scalar(v)}
    if not scalar:
        note = (f"d{L}/d{wrt} has shape {tuple(g.shape)}, the shape of {wrt}: its own derivative (the Hessian) has "
                f"{g.size * x.size} entries and is not shown; the graph shows how d{L}/d{wrt} is computed.")
    elif not g.requires_grad:
        note = f"d{L}/d{wrt} is a constant here (it depends on no variable): every second derivative is 0."
    else:
        note = None
    svg = render(draw_graph(g, rankdir=rankdir, show_grad=scalar, color_by="grad" if color and scalar else None,
                            tensor_values=LIMITS["shown_entries"]).source)
    return {"expr": expr, "wrt": wrt, "name": g.label, "output": L,
            "derivative": {"data": numbers(g.data), "shape": list(g.shape)},
            "second": second, "order": list(second), "nodes": n,
            "note": _notes(_seed_note(root), note, explain_nonfinite(g)), "svg": _inline(svg)}


def parse_query(args: Any) -> dict:
    """The step-through page takes a GET query: expr=...&vars=x=2;w=-3;W=[[1,2],[3,4]]."""
    values: dict[str, Any] = {}
    text = args.get("vars", "")
    if len(text) > 1200:
        raise ApiError("'vars' is too long")
    for item in filter(None, (s.strip() for s in text.split(";"))):
        name, sep, num = item.partition("=")
        num = num.strip()
        if sep and num.startswith("["):
            values[name.strip()] = parse_json(num)  # a matrix; checked by parse_request
            continue
        try:
            values[name.strip()] = float(num) if sep else None
        except ValueError:
            raise ApiError(f"the value of {name.strip()[:20]!r} must be a number or a matrix like [[1, 2]]") from None
    return {"expr": args.get("expr", ""), "values": values}


def steps_page(d: dict, render: Render, cache: Any = None) -> str:
    """The step-through page (self-contained HTML) for the expression; `cache` (a
    viz.render.ByteCache) keeps recent pages so the page's check-then-load costs one build."""
    from viz.animate import backward_page

    expr, values = parse_request(d)
    key = (expr, json.dumps({n: numbers(v) for n, v in values.items()}))
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
        page = backward_page(root, grad=_seed(root), render=render)
    if cache is not None:
        cache.put(key, page)
    return page


def _nodes(root: Any) -> list:
    from tinygrad_edu import topological_order

    return topological_order(root)
