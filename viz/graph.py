"""Draw a computation graph with Graphviz: one box per Value, one small circle per op.

    >>> from tinygrad_edu import Value
    >>> from viz import draw_graph
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> L = (a * b + a).tanh(); L.label = "L"
    >>> L.backward()
    >>> dot = draw_graph(L, color_by="grad")   # a graphviz.Digraph; no `dot` binary needed yet
    >>> dot.render("graph", format="svg")      # rendering needs Graphviz's `dot`

Each Value box shows its name (its `label`, or a short generated one such as `n3`), its data
(the number for a scalar; shape, dtype and min/mean/max for a tensor, or, with
`tensor_values=N`, the entries themselves for tensors of at most N entries) and its gradient.
`color_by="grad"` shades every box by |grad| on a log scale, so a vanishing gradient shows up
as a fading colour from the loss back to the inputs.
"""

from __future__ import annotations

import math
import shutil
from typing import Any

import numpy as np

from tinygrad_edu import Value

from .drawing import INSTALL_HINT, Drawing, GraphvizNotFound, check_dot, render_svg, save_svg

__all__ = ["draw_graph", "GraphvizNotFound", "render_svg", "save_svg", "check_dot", "value_names", "Drawing",
           "INSTALL_HINT", "matrix_lines"]

# Symbols read better than op names in a small circle; unknown ops show their name.
OP_SYMBOLS = {"add": "+", "mul": "×", "neg": "−x", "pow": "**", "matmul": "@"}

# Colours for |grad| from tiny to large (a light-to-dark sequential scale, readable in print).
_SCALE = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"]
_ZERO_FILL = "#eeeeee"


def fmt(x: float) -> str:
    """A number the way the graph shows it: 4 decimals, or scientific when tiny or huge.

    Scientific for |x| < 1e-3 matters: a vanishing gradient of 1e-12 must not read "0.0000".
    """
    x = float(x)
    if x == 0 or (1e-3 <= abs(x) < 1e5):
        return f"{x:.4f}"
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3e}"


def value_names(nodes: list[Value]) -> dict[Value, str]:
    """A display name per Value: its label, else `n1`, `n2`, ... in the given order.

    Constants (numbers folded into an expression) are named by their value, e.g. `2.0000`.
    """
    names: dict[Value, str] = {}
    seen: dict[str, int] = {}
    k = 0
    for v in nodes:
        if v.label:
            # Two layers' "weight"s must not look like one Value: the second is "weight (2)".
            seen[v.label] = seen.get(v.label, 0) + 1
            names[v] = str(v.label) + (f" ({seen[v.label]})" if seen[v.label] > 1 else "")
        elif not v.requires_grad and v.is_leaf and v.size == 1:
            names[v] = fmt(np.asarray(v.data).reshape(()))
        else:
            k += 1
            names[v] = f"n{k}"
    return names


def grad_magnitude(v: Value) -> float | None:
    """|grad| for a scalar, mean |grad| for a tensor; None when the node has no gradient."""
    if not v.has_grad or not v.requires_grad:
        return None
    g = v.grad
    g = np.asarray(g, dtype=np.float64)
    return float(np.abs(g).reshape(())) if g.size == 1 else float(np.mean(np.abs(g)))


def summarize(arr: Any, show_dtype: bool = True) -> list[str]:
    """Lines describing a tensor: shape (and dtype), then min / mean / max."""
    a = np.asarray(arr)
    head = f"shape {a.shape}" + (f" {a.dtype}" if show_dtype else "")
    if a.size == 0:
        return [head]
    a64 = a.astype(np.float64, copy=False)
    return [head, f"min {fmt(a64.min())}  mean {fmt(a64.mean())}  max {fmt(a64.max())}"]


def matrix_lines(arr: Any) -> list[str]:
    """The entries of a small vector or matrix, one text line per row, columns right-aligned:
    ['[ 0.5000  -1.0000]', '[ 2.0000   0.3000]']. A vector is one row."""
    a = np.asarray(arr, dtype=np.float64)
    a = a.reshape(1, -1) if a.ndim < 2 else a.reshape(-1, a.shape[-1])
    cells = [[fmt(x) for x in row] for row in a]
    width = max((len(c) for row in cells for c in row), default=0)
    return ["[" + "  ".join(c.rjust(width) for c in row) + "]" for row in cells]


_MONO = "Courier"  # matrix rows line up in a fixed-width font


def _mono_rows(lines: list[str]) -> list[str]:
    return [f'<TR><TD><FONT FACE="{_MONO}">{dot_escape(line)}</FONT></TD></TR>' for line in lines]


def dot_escape(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def dot_quote(text: str) -> str:
    """Quote a plain Graphviz attribute value."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value_label(v: Value, name: str, show_grad: bool = True, grad_text: str | None = None,
                tensor_values: int = 0) -> str:
    """The HTML-like label of a Value box: name row, data row(s), grad row(s).

    `grad_text` overrides the grad row (the animation uses it to show '?' before a gradient is known).
    Tensors with at most `tensor_values` entries show them (and their gradient's) as aligned rows.
    """
    rows = [f'<TR><TD><B>{dot_escape(name)}</B></TD></TR>', "<HR/>"]
    entries = v.ndim > 0 and 0 < v.size <= tensor_values
    if v.size == 1 and v.ndim == 0:
        rows.append(f"<TR><TD>data {dot_escape(fmt(v.data))}</TD></TR>")
    elif entries:
        rows.append(f"<TR><TD>data, shape {dot_escape(str(tuple(v.shape)))}</TD></TR>")
        rows += _mono_rows(matrix_lines(v.data))
    else:
        rows += [f"<TR><TD>{dot_escape(line)}</TD></TR>" for line in summarize(v.data)]
    if show_grad:
        rows.append("<HR/>")  # a rule between data and grad: "min/mean/max" below it are the grad's
        if grad_text is not None:
            rows += [f"<TR><TD>{dot_escape(line)}</TD></TR>" for line in grad_text.split("\n")]
        elif not v.requires_grad:
            rows.append('<TR><TD><FONT COLOR="#777777">constant (no grad)</FONT></TD></TR>')
        elif entries and np.asarray(v.grad).shape == tuple(v.shape):
            rows.append("<TR><TD>grad</TD></TR>")
            rows += _mono_rows(matrix_lines(v.grad))
        else:
            for line in grad_lines(v):
                rows.append(f"<TR><TD>{dot_escape(line)}</TD></TR>")
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def grad_lines(v: Value, grad: Any = None) -> list[str]:
    """'grad 1.2345' for a scalar; norm and min/mean/max for a tensor."""
    g = v.grad if grad is None else grad
    g = np.asarray(g)
    if g.size == 1 and g.ndim == 0:
        return [f"grad {fmt(g)}"]
    g64 = g.astype(np.float64, copy=False)
    if g.size == 0:
        return ["grad (empty)"]
    return [f"grad norm {fmt(np.linalg.norm(g64))}",
            f"grad min {fmt(g64.min())}  mean {fmt(g64.mean())}  max {fmt(g64.max())}"]


def boxes_of(v: Value) -> int:
    """Boxes a Value brings into the picture: its own, plus the op circle that made it."""
    return 1 if v.is_leaf else 2


def collect(root: Value, max_nodes: int) -> tuple[list[Value], int]:
    """The Values to draw (nearest `root` first, breadth-first; returned inputs first) and how many
    Values are left out, so that the picture has at most `max_nodes` boxes.

    A box is a Value, an op circle, or the single "... N more" marker. With cost(v) = 1 for a leaf
    and 2 for a Value made by an op, the whole graph is drawn when sum(cost) <= max_nodes; otherwise
    the longest breadth-first prefix with sum(cost) <= max_nodes - 1 is kept and the marker takes
    the last box (with a tiny `max_nodes` the prefix can be empty: the marker alone). Iterative: no
    recursion limit, O(graph size).
    """
    order = [root]
    seen = {root}
    i = 0
    while i < len(order):
        for p in order[i].parents:
            if p not in seen:
                seen.add(p)
                order.append(p)
        i += 1
    total = sum(boxes_of(v) for v in order)
    if total <= max_nodes:
        kept = order
    else:
        budget, used, n = max_nodes - 1, 0, 0
        for v in order:
            cost = boxes_of(v)
            if used + cost > budget:
                break
            used += cost
            n += 1
        kept = order[:n]
    more = len(order) - len(kept)
    kept.reverse()  # breadth-first from the output is outputs-first; readers want inputs first
    return kept, more


def grad_colors(nodes: list[Value]) -> tuple[dict[Value, str], float, float]:
    """Fill colour per Value by log10 |grad|, and the (lo, hi) exponents the scale spans."""
    mags = {v: grad_magnitude(v) for v in nodes}
    logs = [math.log10(m) for m in mags.values() if m and math.isfinite(m)]
    if not logs:
        return {v: _ZERO_FILL for v in nodes}, 0.0, 0.0
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    if hi == lo:
        hi = lo + 1
    colors = {}
    for v, m in mags.items():
        if not m or not math.isfinite(m):
            colors[v] = _ZERO_FILL
        else:
            t = (math.log10(m) - lo) / (hi - lo)
            colors[v] = _SCALE[min(len(_SCALE) - 1, int(t * len(_SCALE)))]
    return colors, lo, hi


def _legend(lo: float, hi: float) -> str:
    """An HTML-like table: the colour scale with its exponents, and the 'zero' colour."""
    cells = []
    n = len(_SCALE)
    for i, c in enumerate(_SCALE):
        e = lo + (hi - lo) * i / n
        text = f"1e{e:.0f}" if i % 2 == 0 or (hi - lo) >= n else ""
        font = "#ffffff" if i >= n // 2 else "#000000"
        inner = f'<FONT POINT-SIZE="9" COLOR="{font}">{text}</FONT>' if text else " "  # empty FONT is an error
        cells.append(f'<TD BGCOLOR="{c}" WIDTH="34">{inner}</TD>')
    cells.append(f'<TD BGCOLOR="{_ZERO_FILL}" WIDTH="34"><FONT POINT-SIZE="9">0</FONT></TD>')
    return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            f'<TR><TD COLSPAN="{n + 1}"><B>|grad| (log scale; mean |grad| for tensors)</B></TD></TR>'
            f'<TR>{"".join(cells)}</TR></TABLE>>')


def draw_graph(root: Value, rankdir: str = "LR", show_grad: bool = True, color_by: str | None = None,
               max_nodes: int = 500, tensor_values: int = 0) -> Drawing:
    """Build a Graphviz drawing of everything `root` depends on.

    Args:
        root: the output Value (usually the loss).
        rankdir: "LR" (inputs on the left) or "TB" (inputs on top), as Graphviz.
        show_grad: add each Value's gradient (run `root.backward()` first to see real ones).
        color_by: None, or "grad" to shade Values by |grad| on a log scale, with a legend.
        max_nodes: at most this many boxes in the picture, counting Value boxes, op circles and
            the one "... N more nodes (max_nodes=...)" marker that replaces the part of the graph
            farthest from `root` (N counts the Values left out). The Values nearest `root` are
            kept (breadth-first); see `collect`. With `color_by="grad"` the legend counts as one
            box as well (it is left out when `max_nodes` is 1).
        tensor_values: tensors with at most this many entries show every entry of their data and
            gradient, one row per matrix row (0, the default: shape and min/mean/max only).

    Returns a `Drawing`, which is a `graphviz.Digraph`: `.source` is the DOT text (no Graphviz
    needed); `.render()`, `.pipe()`, `.view()`, `render_svg()` and Jupyter's display need the
    `dot` program and raise `GraphvizNotFound` (with install instructions) when it is missing.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if color_by not in (None, "grad"):
        raise ValueError(f"draw_graph: color_by must be None or 'grad', got {color_by!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)):
        raise TypeError(f"draw_graph: max_nodes must be an int, got {type(max_nodes).__name__}")
    if int(max_nodes) < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes}")
    if isinstance(tensor_values, bool) or not isinstance(tensor_values, (int, np.integer)) or tensor_values < 0:
        raise ValueError(f"draw_graph: tensor_values must be a whole number >= 0, got {tensor_values!r}")

    legend = color_by == "grad" and int(max_nodes) >= 2  # the colour legend is a box too
    nodes, more = collect(root, int(max_nodes) - legend)
    names = value_names(nodes)
    colors, lo, hi = grad_colors(nodes) if color_by == "grad" else ({}, 0.0, 0.0)

    dot = Drawing(name="computation_graph")
    dot.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", color="#555555", arrowsize="0.7")
    body = dot.body  # appending lines directly is ~10x faster than dot.node() for 10,000 nodes
    ids = {v: f"v{i}" for i, v in enumerate(nodes)}
    cut_into: list[str] = []
    for v in nodes:
        vid = ids[v]
        style = 'shape=box style="rounded,filled"'
        fill = colors.get(v, "#ffffff")
        if not v.requires_grad:
            style = 'shape=box style="rounded,filled,dashed" color="#888888"'
            fill = "#fafafa" if not colors else fill
        if fill in _SCALE[-3:]:
            style += ' fontcolor="#ffffff"'  # dark fills need light text to stay readable
        if v is root:
            style += " penwidth=2"
        label = value_label(v, names[v], show_grad, tensor_values=int(tensor_values))
        body.append(f"\t{vid} [label={label} {style} fillcolor={dot_quote(fill)} tooltip={dot_quote(names[v])}]\n")
        if v.is_leaf:
            continue
        oid = vid + "_op"
        sym = OP_SYMBOLS.get(v.op, v.op)
        body.append(f"\t{oid} [label={dot_quote(sym)} shape=circle fixedsize=false width=0.35 margin=0.02 "
                    f"style=filled fillcolor=\"#fff2cc\" color=\"#b8860b\" tooltip={dot_quote('op: ' + v.op)}]\n")
        body.append(f"\t{oid} -> {vid}\n")
        for p in v.parents:
            pid = ids.get(p)
            if pid is None:
                cut_into.append(oid)
            else:
                body.append(f"\t{pid} -> {oid}\n")
    if more:
        body.append(f"\tmore [label={dot_quote(f'... {more:,} more nodes (max_nodes={max_nodes})')} shape=note "
                    'style=filled fillcolor="#ffe0e0" color="#cc0000" fontcolor="#cc0000"]\n')
        for oid in dict.fromkeys(cut_into):
            body.append(f"\tmore -> {oid} [style=dashed color=\"#cc0000\"]\n")
    if legend:
        body.append(f"\tlegend [label={_legend(lo, hi)} shape=plaintext]\n")
    return dot


def repr_mimebundle(value: Value, include: Any = None, exclude: Any = None) -> dict[str, str]:
    """What Jupyter shows for a Value: its graph as SVG when `dot` is present, else the repr.

    Graphs over 100 Values are cut, so displaying a whole network's loss stays quick.
    """
    bundle = {"text/plain": repr(value)}
    if shutil.which("dot") is not None:
        try:
            bundle["image/svg+xml"] = render_svg(draw_graph(value, max_nodes=100))
        except Exception:  # never let a display hook break printing a Value
            pass
    return bundle
