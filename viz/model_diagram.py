"""Draw a model layer by layer: one box per layer with its output shape and parameter count.

    >>> from nn import MLP
    >>> from viz import draw_model
    >>> dot = draw_model(MLP(4, [16, 8], 3), input_shape=(4,))   # a graphviz.Digraph
    >>> dot.render("model", format="svg")                       # rendering needs Graphviz's `dot`

Shapes come from `Sequential.summary`'s dummy pass (a batch of 2 zeros, eval mode, `no_grad`,
every module's train/eval mode restored afterwards), so the boxes and the summary table always
agree; the batch dimension shows as None. Param # counts trainable parameters plus floating
buffers (BatchNorm's running mean/var), as the summary (and Keras) does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nn import Module, Sequential
from tinygrad_edu import Value

from .drawing import Drawing

__all__ = ["draw_model", "layer_records"]


def dot_escape(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def shape_text(out: Any) -> str:
    """An output's shape as the summary writes it, batch dimension as None: "(None, 16)".

    A tuple or list of outputs (e.g. an RNN's `(output, h)`) gives each shape, comma separated.
    """
    if isinstance(out, (tuple, list)):
        return ", ".join(shape_text(o) for o in out) if out else "()"
    shape = np.shape(out.data if isinstance(out, Value) else out)
    if not shape:
        return "()"
    return "(None" + "".join(f", {n}" for n in shape[1:]) + ("," if len(shape) == 1 else "") + ")"


def _params(module: Module) -> tuple[int, int]:
    """(trainable parameters, floating buffer entries) of `module`, the summary's two counts."""
    frozen = sum(b.size for b in module.buffers() if b.dtype.kind == "f")
    return module.num_parameters(), frozen


def layer_records(model: Module, input_shape: tuple[int, ...] | int) -> list[dict[str, Any]]:
    """One record per direct child of `model`, in the order forward first calls them:
    `name`, `type`, `detail` (its extra_repr), `shape` (last output, summary style), `calls`,
    `trainable`, `frozen`. Children forward never calls come last with `calls == 0`.

    The dummy pass is `Sequential.summary`'s own (a Sequential runs it directly; any other Module
    is run as the single layer of a throwaway Sequential). Forward hooks record the shapes.
    """
    if not isinstance(model, Module):
        raise TypeError(f"draw_model: expected an nn.Module, got {type(model).__name__}")
    if isinstance(input_shape, (bool, np.bool_)) or not isinstance(input_shape, (int, np.integer, tuple, list)):
        raise TypeError(f"draw_model: input_shape must be an int or a tuple of ints (without the batch "
                        f"dimension), got {type(input_shape).__name__}")
    dims = (input_shape,) if isinstance(input_shape, (int, np.integer)) else tuple(input_shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in dims):
        raise ValueError(f"draw_model: input_shape must hold non-negative ints, got {input_shape!r}")

    children = list(model.named_children())
    records = {id(child): {"name": name, "type": type(child).__name__, "detail": child.extra_repr(),
                           "shape": "", "calls": 0, "order": len(children), **dict(zip(
                               ("trainable", "frozen"), _params(child)))}
               for name, child in children}
    calls: list[int] = []

    def hook(module: Module, inputs: tuple, output: Any) -> None:
        rec = records[id(module)]
        if rec["calls"] == 0:
            rec["order"] = len(calls)
            calls.append(id(module))
        rec["calls"] += 1
        rec["shape"] = shape_text(output)

    handles = [child.register_forward_hook(hook) for _, child in children]
    runner = model if isinstance(model, Sequential) else Sequential(model)
    try:
        runner.summary(dims)
    except Exception as e:
        where = "" if not calls else f" after layer {records[calls[-1]]['name']!r}"
        raise ValueError(f"draw_model: {type(model).__name__} cannot run on input_shape {dims} "
                         f"(a dummy batch of shape {(2, *dims)}){where}: {e}") from e
    finally:
        for h in handles:
            h.remove()
    return sorted(records.values(), key=lambda r: r["order"])


def _box(rec: dict[str, Any]) -> str:
    """The HTML-like label of one layer's box."""
    rows = [f'<TR><TD><B>{dot_escape(rec["name"])}: {dot_escape(rec["type"])}</B></TD></TR>']
    if rec["detail"]:
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="#555555">{dot_escape(rec["detail"])}</FONT></TD></TR>')
    rows.append("<HR/>")
    if rec["calls"]:
        times = f"  (called {rec['calls']}×)" if rec["calls"] > 1 else ""
        rows.append(f"<TR><TD>output {dot_escape(rec['shape'])}{times}</TD></TR>")
    else:
        rows.append('<TR><TD><FONT COLOR="#777777">not called by forward</FONT></TD></TR>')
    n = rec["trainable"] + rec["frozen"]
    frozen = f" ({rec['frozen']:,} non-trainable)" if rec["frozen"] else ""
    rows.append(f"<TR><TD>params {n:,}{frozen}</TD></TR>")
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def draw_model(model: Module, input_shape: tuple[int, ...] | int, rankdir: str = "TB") -> Drawing:
    """A layer-level diagram of `model`: an input box, then one box per layer (each direct child,
    in the order forward calls it) with its output shape and parameter count, joined in call
    order, and a note with the totals.

    Args:
        model: an `nn.Module` (a `Sequential`/`MLP` gives exactly the rows of its `summary`).
        input_shape: one sample's shape, without the batch dimension (Keras style), e.g. `(4,)`.
        rankdir: "TB" (input on top, the default) or "LR", "RL", "BT", as Graphviz.

    Returns a `Drawing` (a `graphviz.Digraph`): `.source` needs no Graphviz; `.render()`,
    `.pipe()` and Jupyter's display raise `GraphvizNotFound` with install instructions when `dot`
    is missing. The boxes count parameters as `summary` does (trainable + floating buffers).
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_model: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    records = layer_records(model, input_shape)
    dims = (input_shape,) if isinstance(input_shape, (int, np.integer)) else tuple(input_shape)

    dot = Drawing(name="model")
    dot.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.3", ranksep="0.3")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", color="#555555", arrowsize="0.7")
    dot.node("input", f"input {shape_text(np.zeros((2, *dims)))}", shape="box", style="rounded,filled",
             fillcolor="#e8f0fe", color="#4a6fa5")
    prev = "input"
    called = [r for r in records if r["calls"]]
    for i, rec in enumerate(records):
        nid = f"layer{i}"
        fill = "#fff2cc" if rec["trainable"] else "#ffffff"
        extra = {"penwidth": "2"} if called and rec is called[-1] else {}
        if not rec["calls"]:
            extra = {"style": "rounded,dashed", "color": "#888888"}
        dot.node(nid, _box(rec), shape="box", style=extra.pop("style", "rounded,filled"), fillcolor=fill,
                 tooltip=f"{rec['name']} ({rec['type']})", **extra)
        if rec["calls"]:
            dot.edge(prev, nid)
            prev = nid
    trainable, frozen = _params(model)
    dot.node("totals", f"Total params: {trainable + frozen:,}\\lTrainable params: {trainable:,}\\l"
                       f"Non-trainable params: {frozen:,}\\l", shape="note", fontsize="10",
             style="filled", fillcolor="#f5f5f5", color="#999999")
    return dot
