"""Step through backpropagation in the browser: one self-contained HTML page, one frame per node.

    >>> from tinygrad_edu import Value
    >>> from viz import animate_backward
    >>> x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    >>> o = (x1 * w1 + b).tanh(); o.label = "o"
    >>> animate_backward(o, "backprop.html")   # open it in any browser, no internet needed

Frame 0 is the finished forward pass with dL/dL = 1 at the output. Frame k highlights the k-th
node that backward visits (outputs first) and writes out the chain rule for each of its inputs,
with numbers: `dL/dx = dL/dy * dy/dx = ...`. The last frame lists every leaf's gradient, which
equals its `.grad` after the call.

The steps are the engine's own (`tinygrad_edu.backward_steps`, the walk `backward` is built on).
The graph is laid out ONCE by Graphviz: every node's grad rows are padded to the same width in
every frame, so one drawing fits all frames, and each frame is a small record (fills, grad
texts, the highlighted node) that the page's script applies to that one SVG. A 200-op page is
therefore one drawing plus a few kilobytes per frame. The page's markup, style and script are
the files in viz/templates/ (animate.html, animate.css, animate.js, panzoom.js), inlined.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from tinygrad_edu import Value, backward_steps, topological_order

from .graph import OP_SYMBOLS, check_dot, dot_escape, dot_quote, fmt, summarize, value_names

__all__ = ["animate_backward", "backward_page", "replay"]

MAX_STEPS = 200  # an animation of more ops than this is unreadable (and slow to render)

_CURRENT = "#d62728"  # the node pushing its gradient
_INPUT = "#ff7f0e"  # the inputs receiving it
_KNOWN_FILL = "#e6f4ea"  # grad known (final)
_PARTIAL_FILL = "#fff7d6"  # grad received from some but not all uses yet
_PALETTE = ["#ffffff", _PARTIAL_FILL, _KNOWN_FILL, "#fafafa"]  # unknown, partial, final, constant
_MONO = "Courier"


@dataclass
class Contribution:
    """What one input x receives from one node y: dL/dx += dL/dy * dy/dx."""

    x: Value
    upstream: Any  # dL/dy
    local: Any  # dy/dx (scalars only, else None)
    amount: Any  # the contribution added to dL/dx
    total: Any  # dL/dx after adding it
    accumulated: bool  # x already had a contribution before this one


@dataclass
class Step:
    """One backward step: node y pushes dL/dy to its inputs."""

    y: Value
    grad: Any
    op: str = ""
    rule: str = ""
    contributions: list[Contribution] = field(default_factory=list)


def _local(upstream: Any, amount: Any, y: Value, x: Value) -> Any:
    """dy/dx for scalars, read off the contribution: amount = upstream * dy/dx."""
    if y.size != 1 or x.size != 1:
        return None
    u, a = float(np.asarray(upstream).reshape(-1)[0]), float(np.asarray(amount).reshape(-1)[0])
    return a / u if u != 0 and np.isfinite(u) and np.isfinite(a) else None


def replay(root: Value, grad: Any = None) -> tuple[list[Step], dict[Value, Any]]:
    """Replay one backward pass without touching `.grad`: the steps and the final gradients.

    Each engine step (node y with dL/dy, and each input's contribution dL/dy * dy/dx) becomes a
    `Step` with running totals: dL/dx after each contribution and whether it added to an earlier one.
    """
    totals: dict[Value, Any] = {}
    steps: list[Step] = []
    for rec in backward_steps(root, grad):
        step = Step(rec.node, rec.grad, rec.op or rec.node.op, rec.rule or "")
        for x, gx in rec.contributions:
            before = totals.get(x)
            totals[x] = gx if before is None else before + gx
            step.contributions.append(Contribution(x, rec.grad, _local(rec.grad, gx, rec.node, x), gx,
                                                   totals[x], before is not None))
        steps.append(step)
    totals.setdefault(root, _seed(root, grad))
    return steps, totals


def _template(name: str) -> str:
    return resources.files("viz").joinpath("templates", name).read_text(encoding="utf-8")


def _first_rule(step: Step) -> str:
    """The op's rule ('z = x * y;   dz/dx = y, dz/dy = x'), one line."""
    return " ".join((step.rule or "").strip().split("\n\n")[0].split())


def _grad_text(v: Value, g: Any) -> list[str]:
    """Grad row(s) of a box: the number for a scalar; norm and mean for a tensor."""
    if g is None:
        return ["grad ?"]
    a = np.asarray(g)
    if a.size == 1 and v.ndim == 0:
        return [f"grad {fmt(a.reshape(()))}"]
    return [f"grad norm {fmt(np.linalg.norm(a))}"]


def _describe(v: Value, name: str, g: Any) -> str:
    """The number for a scalar; the numbers of a tiny tensor; shape and norm of a bigger one."""
    a = np.asarray(g)
    if a.size == 1 and np.ndim(a) == 0:
        return fmt(a)
    if a.size <= 6:
        return np.array2string(a.astype(np.float64), precision=4, separator=", ", floatmode="fixed")
    return f"[shape {a.shape}, norm {fmt(np.linalg.norm(a))}]"


def _d(name: str) -> str:
    """The name as it goes after a 'd' in dL/dx: bracketed when it is an expression like x1*w1,
    so dL/d(x1*w1 + x2*w2) cannot be misread."""
    return name if re.fullmatch(r"[A-Za-z_][\w.]*( \(\d+\))?", name) else f"({name})"


def _caption(k: int, n: int, step: Step, names: dict[Value, str], root_name: str) -> str:
    """The chain-rule text of frame k (HTML)."""
    y, yname = step.y, names[step.y]
    ins = ", ".join(names[p] for p in y.parents)
    lines = [f"<p class='title'>Step {k} of {n}: <b>{html.escape(yname)}</b> = "
             f"{html.escape(y.op)}({html.escape(ins)}) pushes its gradient "
             f"dL/d{html.escape(_d(yname))} = {html.escape(_describe(y, yname, step.grad))} to its inputs.</p>",
             f"<p class='rule'>Local rule of <code>{html.escape(y.op)}</code>: "
             f"{html.escape(_first_rule(step))}</p>", "<ul class='chain'>"]
    for c in step.contributions:
        xn = html.escape(_d(names[c.x]))
        yn = html.escape(_d(yname))
        op = "+=" if c.accumulated else "="
        if c.local is not None:
            eq = (f"dL/d{xn} {op} dL/d{yn} &middot; d{yn}/d{xn} = {fmt(c.upstream)} &times; {fmt(c.local)} "
                  f"= <b>{fmt(c.amount)}</b>")
        else:
            eq = (f"dL/d{xn} {op} dL/d{yn} &middot; d{yn}/d{xn}: {html.escape(_describe(y, yname, c.upstream))} "
                  f"through {html.escape(y.op)} gives <b>{html.escape(_describe(c.x, xn, c.amount))}</b>")
        if c.accumulated:
            eq += (f" <span class='acc'>({html.escape(names[c.x])} is used more than once: its contributions add up, "
                   f"total so far {html.escape(_describe(c.x, xn, c.total))})</span>")
        lines.append(f"<li>{eq}</li>")
    if not step.contributions:
        lines.append("<li>(no input needs a gradient)</li>")
    lines.append("</ul>")
    return "".join(lines)


def _dot_source(nodes: list[Value], names: dict[Value, str], texts: dict[Value, list[str]],
                fills: dict[Value, str], rankdir: str) -> tuple[str, dict[Value, str]]:
    """DOT text of the one drawing all frames share, and the node ids used in it. Grad rows are
    the widest text each row ever shows (monospace, padded), so every frame fits the layout."""
    ids = {v: f"v{i}" for i, v in enumerate(nodes)}
    out = ["digraph backprop {", f"\trankdir={rankdir} nodesep=0.25 ranksep=0.35 bgcolor=transparent",
           "\tnode [fontname=Helvetica fontsize=11]", '\tedge [color="#777777" arrowsize=0.7]']
    for v in nodes:
        rows = [f"<TR><TD><B>{dot_escape(names[v])}</B></TD></TR>"]
        data = [f"data {fmt(v.data)}"] if v.ndim == 0 else _tensor_rows(v.data)
        rows += [f'<TR><TD><FONT FACE="{_MONO}">{dot_escape(t)}</FONT></TD></TR>' for t in data]
        if v.requires_grad:
            rows += [f'<TR><TD><FONT FACE="{_MONO}">{dot_escape(t)}</FONT></TD></TR>' for t in texts[v]]
        else:
            rows.append('<TR><TD><FONT COLOR="#777777">constant</FONT></TD></TR>')
        label = '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
        style = "rounded,filled" + (",dashed" if not v.requires_grad else "")
        out.append(f"\t{ids[v]} [label={label} shape=box style={dot_quote(style)} fillcolor={dot_quote(fills[v])} "
                   f'color="#333333" id={dot_quote(ids[v])}]')
        if v.is_leaf:
            continue
        oid = ids[v] + "_op"
        out.append(f"\t{oid} [label={dot_quote(OP_SYMBOLS.get(v.op, v.op))} shape=circle width=0.35 margin=0.02 "
                   f'style=filled fillcolor="#fff2cc" color="#b8860b" id={dot_quote(oid)}]')
        out.append(f"\t{oid} -> {ids[v]} [id={dot_quote(ids[v] + '_out')}]")
        for j, p in enumerate(dict.fromkeys(v.parents)):
            out.append(f"\t{ids[p]} -> {oid} [id={dot_quote(f'{ids[v]}_in{j}')}]")
    out.append("}")
    return "\n".join(out), ids


def _tensor_rows(data: Any) -> list[str]:
    """Shape, then min / mean / max on rows of their own: narrow boxes keep the frame readable."""
    a = np.asarray(data, dtype=np.float64)
    if a.size == 0:
        return [f"shape {a.shape}"]
    return [f"shape {a.shape}", f"min  {fmt(a.min())}", f"mean {fmt(a.mean())}", f"max  {fmt(a.max())}"]


def _pad(texts_per_frame: list[dict[Value, list[str]]], nodes: list[Value]) -> None:
    """Pad every node's grad rows to the same number of rows and characters in every frame
    (monospace font + no-break spaces), so node sizes, hence the layout, never change."""
    nbsp = "\u00a0"
    for v in nodes:
        rows = max(len(t[v]) for t in texts_per_frame)
        widths = [max(len(t[v][i]) if i < len(t[v]) else 0 for t in texts_per_frame) for i in range(rows)]
        for t in texts_per_frame:
            lines = t[v] + [""] * (rows - len(t[v]))
            t[v] = [s + nbsp * (w - len(s)) for s, w in zip(lines, widths)]


def _strip_svg(svg: str) -> str:
    """Inline-able SVG: drop the XML prolog, doctype and the comment Graphviz writes first."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _seed(root: Value, grad: Any) -> np.ndarray:
    """dL/dL: ones for a scalar output, else the given upstream gradient (checked by backward)."""
    if grad is None:
        return np.ones(root.shape, dtype=root.dtype)
    return np.asarray(grad.data if isinstance(grad, Value) else grad, dtype=root.dtype)


def backward_page(root: Value, grad: Any = None, rankdir: str = "LR",
                  render: Callable[[str], str] | None = None) -> str:
    """The step-through page for `root`'s backward pass, as HTML text (see `animate_backward`).

    `render(dot_text) -> svg_text` lays the drawing out; by default `viz.render.render_svg_bounded`
    (one `dot` run, killed after 60 s). Does not touch any `.grad`.
    """
    if not isinstance(root, Value):
        raise TypeError(f"animate_backward: expected a Value, got {type(root).__name__}")
    nodes = topological_order(root)
    n_ops = sum(not v.is_leaf for v in nodes)
    if n_ops > MAX_STEPS:
        raise ValueError(f"animate_backward: the graph has {n_ops} ops; an animation is readable up to "
                         f"{MAX_STEPS}. Draw big graphs with draw_graph(root) instead")
    if render is None:
        from .render import render_svg_bounded

        check_dot()
        render = lambda source: render_svg_bounded(source, timeout=60.0)  # noqa: E731
    steps, final = replay(root, grad)
    seed = final[root]

    names = value_names(nodes)
    if not root.label:
        names[root] = "L"  # the output is what we differentiate: call it L, as the captions do
    rname = names[root]

    # Gradient known for each node after each frame (frame 0: only the output's).
    known: dict[Value, Any] = {root: seed}
    uses = {v: 0 for v in nodes}  # how many contributions each node will receive in total
    for s in steps:
        for c in s.contributions:
            uses[c.x] += 1
    received = {v: 0 for v in nodes}
    texts: list[dict[Value, list[str]]] = []
    fills: list[list[int]] = []
    current: list[Value | None] = []
    inputs: list[list[Value]] = []

    def snapshot(cur: Value | None, ins: list[Value]) -> None:
        texts.append({v: _grad_text(v, known.get(v)) for v in nodes})
        fills.append([3 if not v.requires_grad else
                      2 if v in known and (v is root or received[v] == uses[v]) else
                      1 if v in known else 0 for v in nodes])
        current.append(cur)
        inputs.append(list(dict.fromkeys(ins)))

    snapshot(root, [])
    for s in steps:
        for c in s.contributions:
            known[c.x] = c.total
            received[c.x] += 1
        snapshot(s.y, [c.x for c in s.contributions])
    snapshot(None, [])  # the summary frame: every gradient final
    _pad(texts, nodes)

    widest = {v: texts[-1][v] for v in nodes}  # padded: every frame's rows have these widths
    source, ids = _dot_source(nodes, names, widest, {v: _PALETTE[fills[0][i]] for i, v in enumerate(nodes)},
                              rankdir)
    svg = _strip_svg(render(source))
    index = {v: i for i, v in enumerate(nodes)}
    changes: list[list] = []
    for f, t in enumerate(texts):
        changes.append([[index[v], t[v]] for v in nodes
                        if v.requires_grad and (f == 0 or t[v] != texts[f - 1][v])])
    data = {
        "nodes": [ids[v] for v in nodes],
        "gradRows": [len(widest[v]) if v.requires_grad else 0 for v in nodes],
        "palette": _PALETTE, "fills": fills, "texts": changes,
        "current": [index[c] if c is not None else -1 for c in current],
        "inputs": [[index[x] for x in ins] for ins in inputs],
        "ops": ["" if v.is_leaf else ids[v] + "_op" for v in nodes],
        "edges": [[] if v.is_leaf else [ids[v] + "_out"] + [f"{ids[v]}_in{j}" for j in
                                                              range(len(dict.fromkeys(v.parents)))] for v in nodes],
        "base": ["#333333" for _ in nodes],
        "colors": {"current": _CURRENT, "input": _INPUT},
    }
    captions = [_intro(rname, len(steps))]
    captions += [_caption(k + 1, len(steps), s, names, rname) for k, s in enumerate(steps)]
    captions.append(_summary(nodes, names, final))
    return _page(svg, captions, rname, data)


class AnimationPage(str):
    """The path of the written page (a str), which Jupyter displays as the page itself: the
    step-through runs inline in an iframe (self-contained, so no server is needed)."""

    def _repr_html_(self) -> str:
        import html

        with open(self, encoding="utf-8") as f:
            page = f.read()
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:640px;'
                f'border:1px solid #ddd" title="backward pass step-through"></iframe>')


def animate_backward(root: Value, path: Any, grad: Any = None, rankdir: str = "LR") -> str:
    """Write an HTML page stepping through `root.backward()` one node at a time; return its path.

    Runs `root.backward(grad)` itself unless this graph's backward has already run (the output's
    gradient is already set), so afterwards every `.grad` is what one backward pass gives, exactly
    as if you had called it. Works for scalar graphs and small tensor graphs (tensors show shape,
    norm and mean instead of numbers); graphs of more than 200 ops are refused. Needs Graphviz's
    `dot` (raises `GraphvizNotFound` otherwise). In Jupyter the returned path displays as the
    step-through itself.
    """
    if not isinstance(root, Value):
        raise TypeError(f"animate_backward: expected a Value, got {type(root).__name__}")
    check_dot()
    if not (root.has_grad and np.array_equal(root.grad, _seed(root, grad))):
        root.backward(grad)  # the user has not run this pass yet: leave .grad as backward would
    page = backward_page(root, grad, rankdir)  # its summary shows the leaves' .grad
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return AnimationPage(path)


def _intro(rname: str, n: int) -> str:
    r = html.escape(rname)
    return (f"<p class='title'>Start: the forward pass has computed every <code>data</code>. Backward starts "
            f"at the output {r} with dL/d{r} = 1 (L stands for {r}).</p>"
            f"<p>Next, {n} steps visit the ops from the output back to the inputs. At each step the "
            "highlighted node y multiplies its gradient dL/dy by the local derivative dy/dx of its op "
            "(the chain rule) and <i>adds</i> the result to each input's gradient dL/dx.</p>")


def _summary(nodes: list[Value], names: dict[Value, str], final: dict[Value, Any]) -> str:
    """The last frame's text: every leaf's gradient, equal to its .grad now."""
    rows = []
    note = ""
    for v in nodes:
        if not v.is_leaf or not v.requires_grad:
            continue
        g = np.asarray(v.grad)
        if v.ndim == 0:
            shown = fmt(g)
        elif g.size <= 12:
            shown = np.array2string(g, precision=4, suppress_small=False, separator=", ")
        else:
            shown = " ".join(summarize(g))
        if v in final and not np.allclose(np.asarray(final[v]), g):
            note = ("<p class='acc'>Some .grad values differ from this pass: leaf gradients add up over "
                    "backward calls until you zero them (zero_grad()).</p>")
        rows.append(f"<tr class='leaf' data-leaf='{html.escape(names[v], quote=True)}' "
                    f"data-grad='{html.escape(json.dumps(g.tolist()), quote=True)}'>"
                    f"<td>{html.escape(names[v])}</td><td>{html.escape(_describe(v, names[v], v.data))}</td>"
                    f"<td class='grad'>{html.escape(shown)}</td></tr>")
    return ("<p class='title'>Done: every gradient is known. The leaves' gradients, now in their "
            "<code>.grad</code>:</p><table class='leaves'><tr><th>leaf</th><th>data</th><th>.grad</th></tr>"
            + "".join(rows) + "</table>" + note)


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside <script>: no '</' can close the tag."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def _page(svg: str, captions: list[str], rname: str, data: dict) -> str:
    last = len(captions) - 1
    frames = "\n".join(
        f"<section class='frame' data-step='{k}'{'' if k == 0 else ' hidden'}>"
        f"<div class='caption'>{cap}</div></section>" for k, cap in enumerate(captions))
    legend = (f"<div class='legend'><span style='border:3px solid {_CURRENT}'>pushing its gradient</span>"
              f"<span style='border:3px solid {_INPUT}'>receiving</span>"
              f"<span style='background:{_KNOWN_FILL}'>gradient final</span>"
              f"<span style='background:{_PARTIAL_FILL}'>partial (more uses to come)</span>"
              "<span style='border:1px solid #333'>grad ? = not reached yet</span></div>")
    parts = {"title": html.escape(rname), "css": _template("animate.css"), "last": str(last), "legend": legend,
             "frames": frames, "svg": svg, "data": _json_for_script(data), "panzoom": _template("panzoom.js"),
             "js": _template("animate.js")}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _template("animate.html"))
