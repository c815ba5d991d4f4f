"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (in place on `.grad`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tinygrad_edu import Value


def _grads(params: Value | Iterable[Value]) -> list[np.ndarray]:
    if isinstance(params, Value):
        params = [params]
    grads = []
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"clipping expects Values, got {type(p).__name__}")
        if p.grad is None:
            continue
        if not (isinstance(p.grad, np.ndarray) and p.grad.flags.writeable):
            p.grad = np.array(p.grad)  # make it an array we can scale in place
        grads.append(p.grad)
    return grads


def clip_grad_norm_(params: Value | Iterable[Value], max_norm: float, norm_type: float = 2.0) -> float:
    """Rescale all gradients together so that their joint norm is at most `max_norm`.

    The total norm treats every gradient as one long vector::

        total = (sum over params of ||g||**norm_type) ** (1 / norm_type)   # max |g| for norm_type=inf
        g = g * min(1, max_norm / (total + 1e-6))

    Returns the total norm *before* clipping (as torch), handy for logging exploding gradients.
    """
    grads = _grads(params)
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == np.inf:
        norms = [np.max(np.abs(g)) if g.size else 0.0 for g in grads]
        total = float(max(norms))
    else:
        norms = np.array([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads])
        total = float(np.linalg.norm(norms, ord=norm_type))
    clip_coef = float(max_norm) / (total + 1e-6)
    if clip_coef < 1.0:  # torch multiplies by the coefficient clamped to 1; by 1 changes nothing
        for g in grads:
            g *= clip_coef
    return total


def clip_grad_value_(params: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(params):
        np.clip(g, -clip_value, clip_value, out=g)
