"""Gradient utilities shared by `nn` and `optim`: zeroing and clipping the `.grad` of parameters.

One meaning of zero_grad (torch's default, `set_to_none=True`). This engine has no None
gradient: `.grad` reads as zeros before any backward (DESIGN). "Set to none" puts a parameter back
in that state: reading `.grad` gives zeros and the next backward writes a fresh buffer instead of
adding into the old one. `set_to_none=False` fills the existing buffer with zeros in place, so an
array you hold (`g = p.grad`) stays the parameter's gradient. Either way the next backward starts
from zero, and an optimizer sees a zero gradient for a parameter the loss did not reach (so
momentum and weight decay still move it, as in torch with `set_to_none=False`).
`Module.zero_grad` and `Optimizer.zero_grad` both call `zero_grad` below.

Clipping follows torch.nn.utils exactly, NaN included: the total norm is the norm of all
gradients joined into one vector and every gradient is multiplied by min(1, max_norm / (total +
1e-6)); a NaN total makes every gradient NaN and an Inf total zeroes the finite entries (torch's
behaviour: no scaling can repair them, and a NaN you can see beats one hidden in a step). Pass
`error_if_nonfinite=True` to get a RuntimeError instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .value import Value

__all__ = ["zero_grad", "clip_grad_norm_", "clip_grad_value_", "grads_of"]

Params = Value | Iterable[Value]


def _values(params: Params, who: str) -> list[Value]:
    items = [params] if isinstance(params, Value) else list(params)
    for p in items:
        if not isinstance(p, Value):
            raise TypeError(f"{who} expects Values, got {type(p).__name__}")
    return items


def zero_grad(params: Params, set_to_none: bool = True) -> None:
    """Reset the gradient of every parameter (see the module docstring for the two modes)."""
    for p in _values(params, "zero_grad"):
        if set_to_none:
            p.grad = None
        else:
            g = p.grad  # an owned, writable array (zeros if it was never set)
            g.fill(0)


def grads_of(params: Params, who: str = "clipping") -> list[np.ndarray]:
    """The gradient arrays of the parameters that require a gradient (their own buffers, so
    scaling them in place changes the parameters' gradients)."""
    return [p.grad for p in _values(params, who) if p.requires_grad]


def clip_grad_norm_(params: Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Rescale all gradients together so that their joint norm is at most `max_norm`, in place.

        total = (sum over params of ||g||_p ** p) ** (1 / p)     # max |g| for norm_type = inf
        g     = g * min(1, max_norm / (total + 1e-6))

    Returns the total norm before clipping (as torch; handy for logging exploding gradients).
    The 2-norm is summed in float64. A negative or NaN `max_norm` raises ValueError (torch would
    flip the gradients' sign); a non-finite total: see the module docstring.
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    grads = grads_of(params, "clip_grad_norm_")
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = float(np.max([np.max(np.abs(g)) if g.size else 0.0 for g in grads]))  # NaN wins, as torch
    elif norm_type == 2.0:  # scaled by the largest entry, so tiny and huge gradients neither under- nor overflow
        big = float(np.max([np.max(np.abs(g)) if g.size else 0.0 for g in grads]))
        if big > 0 and math.isfinite(big):
            total = big * math.sqrt(sum(float(np.sum(np.square(g / np.float64(big)))) for g in grads))
        else:
            total = big  # 0, inf or nan: the norm is the same
    else:
        per = np.array([np.linalg.norm(g.ravel().astype(np.float64), ord=norm_type) for g in grads])
        total = float(np.linalg.norm(per, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite "
                           f"({total}), so it cannot be clipped; pass error_if_nonfinite=False to scale anyway")
    coef = max_norm / (total + 1e-6)  # 0 for an Inf total, NaN for a NaN one
    if not coef >= 1.0:  # below 1, or NaN (torch's clamp keeps NaN): scale; at 1 nothing changes
        for g in grads:
            with np.errstate(invalid="ignore"):
                g *= g.dtype.type(coef)
    return total


def clip_grad_value_(params: Params, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place (NaN stays NaN, as
    torch's clamp). A negative or NaN `clip_value` raises ValueError."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in grads_of(params, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)
