"""Scaled dot-product attention, torch.nn.functional.scaled_dot_product_attention, as a composite.

    scores = Q K^T * scale (+ mask)        (..., L, S),  scale = 1 / sqrt(E) by default
    weights = softmax(scores) along S       each query's distribution over the keys
    out = weights V                         (..., L, Ev)

A boolean `attn_mask` says which keys a query may attend to (True = take part; masked scores
become -inf); a float mask is added to the scores. `is_causal=True` lets query i see keys j <= i
(the lower triangle, aligned top-left as torch). The softmax is the engine's stable one (scores
shifted by their max, so large logits do not overflow); a query whose keys are all masked gets
zero weights and a zero output (torch's rule), with no NaN in the forward or the gradient.
Built from engine ops only, so it differentiates to any order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import Value, get_rng, where

__all__ = ["scaled_dot_product_attention"]


def _val(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def _swap_last(x: Value) -> Value:
    perm = list(range(x.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return x.permute(*perm)


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Value:
    """softmax(Q K^T scale + mask) V for query (..., L, E), key (..., S, E), value (..., S, Ev);
    leading (batch, head) dimensions broadcast. See the module docstring for masks and causality.
    `dropout_p` drops attention weights (scaled by 1 / (1 - p)) with the library's generator;
    `enable_gqa` shares each key/value head among Hq / Hk query heads (dim -3)."""
    q, k, v = _val(query), _val(key), _val(value)
    op = "scaled_dot_product_attention"
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"{op}: query, key and value need at least 2 dimensions (..., L, E), got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{op}: query (..., L, E) {q.shape}, key (..., S, E) {k.shape} and value (..., S, Ev) "
                         f"{v.shape} do not fit: E and S must agree")
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        if q.shape[-3] % k.shape[-3]:
            raise ValueError(f"{op}: {q.shape[-3]} query heads are not a multiple of {k.shape[-3]} key heads")
        group = q.shape[-3] // k.shape[-3]
        k, v = k.repeat_interleave(group, dim=-3), v.repeat_interleave(group, dim=-3)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1), got {dropout_p}")
    n_q, n_k = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ _swap_last(k)) * scale
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give attn_mask or is_causal=True, not both")
        attn_mask = np.tril(np.ones((n_q, n_k), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask._data if isinstance(attn_mask, Value) else np.asarray(attn_mask)
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise ValueError(f"{op}: attn_mask of shape {mask.shape} does not broadcast to the scores' shape "
                             f"{scores.shape} (..., L, S)") from None
        if mask.dtype == bool:
            scores = where(mask, scores, np.asarray(-np.inf, dtype=scores.dtype))
        else:
            scores = scores + (attn_mask if isinstance(attn_mask, Value) else mask.astype(scores.dtype))
    dead = np.all(scores._data == -np.inf, axis=-1, keepdims=True)
    if n_k == 0:  # no keys: an empty sum, zeros
        weights = scores * 0
    elif np.any(dead):  # every key masked: zero weights, and no NaN anywhere
        zero = np.zeros((), dtype=scores.dtype)
        weights = where(dead, zero, where(dead, zero, scores).softmax(axis=-1))
    else:
        weights = scores.softmax(axis=-1)
    if dropout_p > 0:
        keep = get_rng().random(weights.shape) >= dropout_p
        weights = weights * (keep / (1.0 - dropout_p)).astype(weights.dtype)
    return weights @ v
