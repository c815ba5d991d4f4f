"""Why a result is inf or nan, in one sentence a student can act on.

`explain_nonfinite(root)` looks for the FIRST node (inputs first) whose value is inf/nan although
its operands are finite: that op is where the problem starts, e.g.

    log(x) with x = -2   ->  "log of a negative number: log(x) is defined only for x > 0 ..."
    1/x   with x = 0     ->  "division by zero: x**-1 with x = 0 is infinite ..."

If every value is finite but a gradient is not, it names the first op (output side first) whose
local derivative is infinite there, e.g. sqrt at 0. Returns None when everything is finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["explain_nonfinite"]

_MAX = "1.8e308, the largest float"


def _num(v: Any) -> str:
    a = np.asarray(v.data, dtype=np.float64)
    return f"{float(a.reshape(-1)[0]):g}" if a.size == 1 else f"[shape {a.shape}]"


def _name(v: Any) -> str:
    return v.label or _num(v)


def _finite(v: Any) -> bool:
    return bool(np.all(np.isfinite(np.asarray(v.data, dtype=np.float64))))


def _value_sentence(v: Any) -> str:
    ps = v.parents
    out = np.asarray(v.data, dtype=np.float64)
    what = "nan (not a number)" if np.any(np.isnan(out)) else "infinite"
    pd = [np.asarray(p.data, dtype=np.float64) for p in ps]
    x = ps[0] if ps else None
    if v.op == "log" and x is not None:
        if np.any(pd[0] < 0):
            return (f"log of a negative number: log(x) is defined only for x > 0, and here {_name(x)} = "
                    f"{_num(x)}, so {v.label} is nan.")
        return f"log(0) = -inf: {_name(x)} = 0 here, and the logarithm falls without bound towards 0."
    if v.op == "pow" and len(ps) == 2:
        base, exp = pd
        if np.any((base == 0) & (exp < 0)):
            return (f"division by zero: {v.label} divides by {_name(ps[0])}, which is 0 here "
                    f"({_name(ps[0])}**{_num(ps[1])} is infinite).")
        if np.any((base < 0) & (exp != np.round(exp))):
            return (f"a negative number to a fractional power (such as the square root of a negative number) is "
                    f"not a real number: {_name(ps[0])} = {_num(ps[0])} here, so {v.label} is nan.")
        return f"overflow: {v.label} is larger than {_MAX}, so it is stored as inf."
    if v.op == "exp" and x is not None:
        return f"overflow: exp({_name(x)}) with {_name(x)} = {_num(x)} is larger than {_MAX}, so it is inf."
    if v.op == "mul" and len(ps) == 2 and what.startswith("nan"):
        return f"0 times infinity is undefined: {v.label} is nan."
    if np.any(np.isinf(out)):
        return f"overflow: {v.label} is larger than {_MAX}, so it is stored as inf."
    return f"{v.label} ({v.op} of {', '.join(_name(p) + ' = ' + _num(p) for p in ps)}) is {what}."


def explain_nonfinite(root: Any) -> str | None:
    """One sentence on where the first inf/nan comes from, or None if all values and grads are finite."""
    from tinygrad_edu import topological_order

    order = topological_order(root)
    for v in order:
        if not v.is_leaf and not _finite(v) and all(_finite(p) for p in v.parents):
            return _value_sentence(v)
    if not root.requires_grad:
        return None
    grads = {v: np.asarray(v.grad, dtype=np.float64) for v in order if v.requires_grad}
    for v in reversed(order):  # the way backward walks: the first op that produces a non-finite grad
        if v.is_leaf or not np.all(np.isfinite(grads[v])):
            continue
        for p in v.parents:
            if p.requires_grad and not np.all(np.isfinite(grads[p])):
                slope = "infinite" if np.any(np.isinf(grads[p])) else "undefined (nan)"
                return (f"the gradient is {slope}: the derivative of {v.label or v.op} with respect to "
                        f"{_name(p)} at {_name(p)} = {_num(p)} is {slope} (for example sqrt and x**0.5 are "
                        "vertical at 0), so everything before it gets a non-finite gradient.")
    return None
