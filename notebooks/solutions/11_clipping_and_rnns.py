"""Solutions of lesson 11 (gradient clipping and RNNs)."""

import numpy as np


def clip_by_norm(grads, max_norm):
    total = np.sqrt(sum(float((g ** 2).sum()) for g in grads))
    if total > max_norm:
        return [g * (max_norm / (total + 1e-6)) for g in grads]
    return grads


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


SOLUTIONS = {"clip_by_norm": clip_by_norm, "rnn_cell": rnn_cell}
