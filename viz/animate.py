"""Step through backpropagation in the browser: one self-contained HTML page, one frame per node.

    >>> from tinygrad_edu import Value
    >>> from viz import animate_backward
    >>> x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    >>> o = (x1 * w1 + b).tanh(); o.label = "o"
    >>> animate_backward(o, "backprop.html")   # open it in any browser, no internet needed

Frame 0 is the finished forward pass with dL/dL = 1 at the output. Frame k highlights the k-th
node that backward visits (outputs first) and writes out the chain rule for each of its inputs,
with numbers: `dL/dx = dL/dy * dy/dx = ...`. The last frame lists every leaf's gradient, which
equals its `.grad` after the call. Frames are SVG drawn by Graphviz's `dot`, inlined in the page
with a few lines of JavaScript for the Previous / Next / Play buttons and the slider.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import Value, topological_order

from .graph import OP_SYMBOLS, _esc, _q, check_dot, fmt, render_svg, summarize, value_names

__all__ = ["animate_backward", "backward_steps"]

MAX_STEPS = 200  # an animation of more ops than this is unreadable (and slow to render)

_CURRENT = "#d62728"  # the node pushing its gradient
_INPUT = "#ff7f0e"  # the inputs receiving it
_KNOWN_FILL = "#e6f4ea"  # grad known (final)
_PARTIAL_FILL = "#fff7d6"  # grad received from some but not all uses yet
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
    contributions: list[Contribution] = field(default_factory=list)


def backward_steps(root: Value, grad: Any = None) -> tuple[list[Step], dict[Value, Any]]:
    """Replay one backward pass without touching `.grad`: the steps and the final gradients.

    The same walk as `Value.backward` (reverse topological order, each op's `backward` gives its
    inputs' contributions, contributions add up), recorded step by step for display.
    """
    order = topological_order(root)
    seed = root._seed(grad)
    grads: dict[Value, Any] = {root: seed}
    steps: list[Step] = []
    for y in reversed(order):
        ctx = y._ctx
        if ctx is None or y not in grads:
            continue
        g = grads[y]
        step = Step(y, g)
        outs = ctx.backward(g)
        outs = outs if isinstance(outs, tuple) else (outs,)
        local = None
        for i, (x, gx) in enumerate(zip(ctx.parents, outs)):
            if gx is None or not x.requires_grad:
                continue
            if y.size == 1 and x.size == 1:
                if local is None:  # dy/dx for every input at once: backward with dL/dy = 1
                    ones = ctx.backward(np.ones_like(np.asarray(g)))
                    local = ones if isinstance(ones, tuple) else (ones,)
                d = local[i]
            else:
                d = None
            before = grads.get(x)
            grads[x] = gx if before is None else before + gx
            step.contributions.append(Contribution(x, g, d, gx, grads[x], before is not None))
        steps.append(step)
    return steps, grads


def _first_rule(y: Value) -> str:
    """The op's rule from its docstring ('z = x * y;   dz/dx = y, dz/dy = x'), one line."""
    doc = (type(y._ctx).__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split())


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
             f"{html.escape(_first_rule(y))}</p>", "<ul class='chain'>"]
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


def _frame_source(nodes: list[Value], names: dict[Value, str], texts: dict[Value, list[str]],
                  fills: dict[Value, str], current: Value | None, inputs: set, rankdir: str) -> str:
    """DOT text for one frame. Every frame has the same nodes with labels of the same size, so
    Graphviz lays each frame out identically and only colours change from frame to frame."""
    ids = {v: f"v{i}" for i, v in enumerate(nodes)}
    out = ["digraph backprop {", f"\trankdir={rankdir} nodesep=0.25 ranksep=0.35 bgcolor=transparent",
           '\tnode [fontname=Helvetica fontsize=11]', '\tedge [color="#777777" arrowsize=0.7]']
    for v in nodes:
        rows = [f"<TR><TD><B>{_esc(names[v])}</B></TD></TR>"]
        data = [f"data {fmt(v.data)}"] if v.ndim == 0 else _tensor_rows(v.data)
        rows += [f'<TR><TD><FONT FACE="{_MONO}">{_esc(t)}</FONT></TD></TR>' for t in data]
        if v.requires_grad:
            rows += [f'<TR><TD><FONT FACE="{_MONO}">{_esc(t)}</FONT></TD></TR>' for t in texts[v]]
        else:
            rows.append('<TR><TD><FONT COLOR="#777777">constant</FONT></TD></TR>')
        label = '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
        color, pen = ("#333333", "1")
        if v is current:
            color, pen = _CURRENT, "3"
        elif v in inputs:
            color, pen = _INPUT, "3"
        style = "rounded,filled" + (",dashed" if not v.requires_grad else "")
        out.append(f"\t{ids[v]} [label={label} shape=box style={_q(style)} fillcolor={_q(fills[v])} "
                   f"color={_q(color)} penwidth={pen} id={_q('node-' + ids[v])}]")
        if v._ctx is None:
            continue
        oid = ids[v] + "_op"
        hot = v is current
        out.append(f"\t{oid} [label={_q(OP_SYMBOLS.get(v.op, v.op))} shape=circle width=0.35 margin=0.02 "
                   f"style=filled fillcolor={_q('#ffd6d6' if hot else '#fff2cc')} "
                   f"color={_q(_CURRENT if hot else '#b8860b')} penwidth={'2' if hot else '1'}]")
        out.append(f"\t{oid} -> {ids[v]}" + (f" [color={_q(_CURRENT)} penwidth=2]" if hot else ""))
        for p in dict.fromkeys(v.parents):
            out.append(f"\t{ids[p]} -> {oid}" + (f" [color={_q(_CURRENT)} penwidth=2 dir=back "
                                                   "arrowtail=normal]" if hot else ""))
    out.append("}")
    return "\n".join(out)


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


def animate_backward(root: Value, path: Any, grad: Any = None, rankdir: str = "LR") -> str:
    """Write an HTML page stepping through `root.backward()` one node at a time; return its path.

    Runs `root.backward(grad)` itself unless this graph's backward has already run (the output's
    gradient is already set), so afterwards every `.grad` is what one backward pass gives, exactly
    as if you had called it. Works for scalar graphs and small tensor graphs (tensors show shape,
    norm and mean instead of numbers); graphs of more than 200 ops are refused. Needs Graphviz's
    `dot` (raises `GraphvizNotFound` otherwise).
    """
    if not isinstance(root, Value):
        raise TypeError(f"animate_backward: expected a Value, got {type(root).__name__}")
    check_dot()
    nodes = topological_order(root)
    n_ops = sum(v._ctx is not None for v in nodes)
    if n_ops > MAX_STEPS:
        raise ValueError(f"animate_backward: the graph has {n_ops} ops; an animation is readable up to "
                         f"{MAX_STEPS}. Draw big graphs with draw_graph(root) instead")
    steps, final = backward_steps(root, grad)
    seed = root._seed(grad)
    if root._grad is None or not np.array_equal(root._grad, seed):
        root.backward(grad)  # the user has not run this pass yet: leave .grad as backward would

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
    texts, fills, frames = [], [], []

    def snapshot(current: Value | None, inputs: set) -> None:
        texts.append({v: _grad_text(v, known.get(v)) for v in nodes})
        fills.append({v: ("#fafafa" if not v.requires_grad else
                          _KNOWN_FILL if v in known and (v is root or received[v] == uses[v]) else
                          _PARTIAL_FILL if v in known else "#ffffff") for v in nodes})
        frames.append((current, inputs))

    snapshot(root, set())
    for s in steps:
        for c in s.contributions:
            known[c.x] = c.total
            received[c.x] += 1
        snapshot(s.y, {c.x for c in s.contributions})
    snapshot(None, set())  # the summary frame: every gradient final
    _pad(texts, nodes)

    svgs = [_strip_svg(render_svg_source(_frame_source(nodes, names, t, f, cur, ins, rankdir)))
            for t, f, (cur, ins) in zip(texts, fills, frames)]
    captions = [_intro(rname, len(steps))]
    captions += [_caption(k + 1, len(steps), s, names, rname) for k, s in enumerate(steps)]
    captions.append(_summary(nodes, names, final))
    page = _page(svgs, captions, rname)
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path


def render_svg_source(source: str) -> str:
    """Render DOT text to SVG with `dot`."""
    import graphviz

    return render_svg(graphviz.Source(source))


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
        if v._ctx is not None or not v.requires_grad:
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


_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 8px 0; }
.controls { display: flex; gap: 8px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
.controls button { font-size: 15px; padding: 4px 12px; }
#slider { width: 320px; }
#counter { font-weight: bold; min-width: 130px; }
.frame .svg { overflow: auto; border: 1px solid #ddd; border-radius: 6px; padding: 6px; }

.caption { font-size: 16px; line-height: 1.45; min-height: 110px; }
.caption .title { font-size: 17px; }
.caption .rule { color: #555; }
.caption ul { margin: 4px 0; }
.caption li { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 15px; margin: 3px 0; }
.acc { color: #8a5a00; font-family: Helvetica, Arial, sans-serif; }
table.leaves { border-collapse: collapse; margin-top: 6px; }
table.leaves td, table.leaves th { border: 1px solid #ccc; padding: 3px 10px; font-family: monospace; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 8px; border-radius: 4px; font-size: 13px; }
"""

_JS = """
(function () {
  var frames = document.querySelectorAll('.frame');
  var slider = document.getElementById('slider');
  var counter = document.getElementById('counter');
  var play = document.getElementById('play');
  var k = 0, timer = null;
  function show(i) {
    k = Math.max(0, Math.min(frames.length - 1, i));
    for (var j = 0; j < frames.length; j++) { frames[j].hidden = (j !== k); }
    slider.value = k;
    counter.textContent = 'Frame ' + k + ' of ' + (frames.length - 1);
    document.body.setAttribute('data-frame', k);
    if (k === frames.length - 1) { stop(); }
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = 'Play'; }
  document.getElementById('prev').onclick = function () { stop(); show(k - 1); };
  document.getElementById('next').onclick = function () { stop(); show(k + 1); };
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (k === frames.length - 1) { show(0); }
    play.textContent = 'Pause';
    timer = setInterval(function () { show(k + 1); }, 1600);
  };
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { stop(); show(k + 1); }
    if (e.key === 'ArrowLeft') { stop(); show(k - 1); }
  });
  show(0);
})();
"""


def _page(svgs: list[str], captions: list[str], rname: str) -> str:
    last = len(svgs) - 1
    frames = "\n".join(
        f"<section class='frame' data-step='{k}'{'' if k == 0 else ' hidden'}>"
        f"<div class='caption'>{cap}</div><div class='svg'>{svg}</div></section>"
        for k, (svg, cap) in enumerate(zip(svgs, captions)))
    legend = (f"<div class='legend'><span style='border:3px solid {_CURRENT}'>pushing its gradient</span>"
              f"<span style='border:3px solid {_INPUT}'>receiving</span>"
              f"<span style='background:{_KNOWN_FILL}'>gradient final</span>"
              f"<span style='background:{_PARTIAL_FILL}'>partial (more uses to come)</span>"
              "<span style='border:1px solid #333'>grad ? = not reached yet</span></div>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Backpropagation of {html.escape(rname)}, step by step</title>
<style>{_CSS}</style></head>
<body>
<h1>Backpropagation of {html.escape(rname)}, step by step</h1>
<div class="controls">
<button id="prev" type="button">&#9664; Previous</button>
<button id="play" type="button">Play</button>
<button id="next" type="button">Next &#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="frame">
<span id="counter">Frame 0 of {last}</span>
<span style="color:#777">(arrow keys work too)</span>
</div>
{legend}
{frames}
<script>{_JS}</script>
</body></html>
"""
