"""Lesson 11, gradient clipping and RNNs: clipping by the global norm, one step of an RNN cell."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
import optim
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


@exercise("clip_by_norm", hint="total = sqrt(sum of every grad's squared entries); if total > max_norm multiply "
                               "EVERY grad by max_norm / (total + 1e-6) (one factor for all: the direction is kept).")
def _clip(fn: Any) -> None:
    """`clip_by_norm(grads, max_norm) -> list of arrays`: rescale the gradients so their global L2 norm <= max_norm."""
    rng = np.random.default_rng(13)
    for scale, max_norm in ((10.0, 1.0), (0.01, 1.0), (3.0, 5.0)):
        grads = [rng.normal(size=(3, 4)) * scale, rng.normal(size=5) * scale]
        params = [Value(np.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.copy()
        optim.clip_grad_norm_(params, max_norm)
        got = fn([g.copy() for g in grads], max_norm)
        if not isinstance(got, (list, tuple)) or len(got) != len(grads):
            raise Wrong(f"return a list of {len(grads)} arrays, one per gradient")
        for i, (g, p) in enumerate(zip(got, params)):
            assert_close(g, p.grad, f"gradient {i} (norm scale {scale}, max_norm {max_norm})")


@exercise("rnn_cell", hint="h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh): torch's layout, weights are "
                           "(hidden, input) and (hidden, hidden), so multiply by their transposes.")
def _cell(fn: Any) -> None:
    """`rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh) -> h_next`: one step of an Elman RNN (tanh), batch first."""
    rng = np.random.default_rng(14)
    cell = nn.RNNCell(3, 4)
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    expected = cell(x, h).data
    got = fn(x, h, *(np.asarray(p.data) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)))
    assert_close(got, expected, "rnn_cell(x, h, ...)")
