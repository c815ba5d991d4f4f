"""One name per node, the same in every view of the graph lab: the node's own expression text.

    tanh(x*w + b)  ->  x*w,  x*w + b,  tanh(x*w + b)

`expression_names(root)` rebuilds each node's text from the graph (op and operands, with the
usual precedence: `+` < `*` `/` `@` < unary `-` < `**` < calls and `.T`; `mean(a)`, which the
engine builds as sum(a) * (1/n), is named as typed, and sum's axis is read off the shapes), so the graph card, the
step-through and the gradient chips all say "x*w" for the same box. Texts longer than
`max_len` characters become n1, n2, ... numbered in topological order (inputs first), which is
again the same in every view. `label_nodes(root)` writes these names into the unlabelled
nodes' `.label`, which is what the drawings show.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["expression_names", "label_nodes"]

_CALLS = {"leakyrelu": "leaky_relu"}
_ATOM, _POW, _NEG, _MUL, _ADD = 5, 4, 3, 2, 1


def _number(x: Any) -> str:
    v = float(np.asarray(x).reshape(-1)[0]) if np.asarray(x).size == 1 else None
    if v is None:
        return "c"
    return f"{v:g}"


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def _text(v: Any, texts: dict[Any, tuple[str, int]]) -> tuple[str, int]:
    """(text, precedence) of node v from its parents' (text, precedence) in `texts`."""
    op = v.op
    parts = [texts[p] for p in v.parents]
    if op == "add" and len(parts) == 2:
        (a, pa), (b, pb) = parts
        if v.parents[1].op == "neg":  # a - b is built as a + (-b)
            text, prec = texts[v.parents[1].parents[0]]
            return f"{a} - {_wrap(text, prec, _MUL)}", _ADD
        return f"{a} + {b}", _ADD
    if op == "mul" and len(parts) == 2 and _is_mean(v):
        text = texts[v.parents[0]][0]  # "sum(a)" or "sum(a, 0)"
        return "mean" + text[len("sum"):], _ATOM
    if op == "matmul" and len(parts) == 2:
        (a, pa), (b, pb) = parts
        return f"{_wrap(a, pa, _MUL)} @ {_wrap(b, pb, _NEG)}", _MUL
    if op == "transpose" and len(parts) == 1:
        return f"{_wrap(parts[0][0], parts[0][1], _ATOM)}.T", _ATOM
    if op == "sum" and len(parts) == 1:
        axis = _sum_axis(v)
        return f"sum({parts[0][0]}{'' if axis is None else ', ' + axis})", _ATOM
    if op == "mul" and len(parts) == 2:
        (a, pa), (b, pb) = parts
        q = v.parents[1]
        if q.op == "pow" and _is_const(q.parents[1], -1.0):  # a / b is built as a * b**-1
            base_text, base_prec = texts[q.parents[0]]
            return f"{_wrap(a, pa, _MUL)}/{_wrap(base_text, base_prec, _NEG)}", _MUL
        return f"{_wrap(a, pa, _MUL)}*{_wrap(b, pb, _NEG)}", _MUL
    if op == "neg" and len(parts) == 1:
        return f"-{_wrap(parts[0][0], parts[0][1], _NEG)}", _NEG
    if op == "pow" and len(parts) == 2:
        (a, pa), (b, pb) = parts
        if _is_const(v.parents[1], 0.5):
            return f"sqrt({a})", _ATOM
        return f"{_wrap(a, pa, _ATOM)}**{_wrap(b, pb, _POW)}", _POW
    if op == "where" and len(v.parents) >= 2:
        a, b = v.parents[-2], v.parents[-1]
        args = [texts[a][0], texts[b][0]]
        is_max = np.array_equal(np.asarray(v.data), np.maximum(np.asarray(a.data), np.asarray(b.data)))
        return f"{'max' if is_max else 'min'}({', '.join(args)})", _ATOM
    name = _CALLS.get(op, op)
    return f"{name}({', '.join(t for t, _ in parts)})", _ATOM


def _is_const(v: Any, value: float) -> bool:
    return v.is_leaf and not v.requires_grad and np.asarray(v.data).size == 1 and float(np.asarray(v.data)) == value


def _sum_axis(v: Any) -> str | None:
    """The axis a sum node reduced, as text: None for a sum of everything, else the axis whose
    removal gives the output's shape (and the output's numbers), '...' if none does."""
    x = v.parents[0]
    if v.ndim == 0:
        return None
    for k in range(x.ndim):
        if x.shape[:k] + x.shape[k + 1:] == v.shape and np.allclose(np.sum(x.data, axis=k), v.data, equal_nan=True):
            return str(k)
    return "..."


def _is_mean(v: Any) -> bool:
    """mean(a) is built as sum(a) * (1/n), n the number of summed entries."""
    s, c = v.parents
    return s.op == "sum" and not s.label and s.parents[0].size > 0 and _is_const(c, 1.0 / (s.parents[0].size / s.size))



def expression_names(root: Any, max_len: int = 24) -> dict[Any, str]:
    """{Value: display name} for every node of `root`'s graph (see the module docstring)."""
    from tinygrad_edu import topological_order

    order = topological_order(root)
    texts: dict[Any, tuple[str, int]] = {}
    for v in order:
        if v.is_leaf:
            texts[v] = (v.label, _ATOM) if v.label else (_number(v.data), _ATOM)
        elif v.label:
            texts[v] = (v.label, _ATOM)
        else:
            texts[v] = _text(v, texts)
    names: dict[Any, str] = {}
    k = 0
    for v in order:
        text = texts[v][0]
        if not v.is_leaf and not v.label and len(text) > max_len:
            k += 1
            text = f"n{k}"
        names[v] = text
    return names


def label_nodes(root: Any, max_len: int = 24) -> dict[Any, str]:
    """Label every unlabelled op node with its expression name; returns the names."""
    names = expression_names(root, max_len)
    for v, name in names.items():
        if not v.is_leaf and not v.label:
            v.label = name
    return names
