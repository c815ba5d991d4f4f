"""Embedding lookup: rows of a table picked by integer indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, IndexOutOfRange, Value


class EmbeddingFn(Function):
    """Y[...] = W[idx[...]] (one row of W per index).

    dL/dW[r] = sum of dL/dY over every position whose index is r: repeated indices accumulate.
    """

    name = "embedding"

    def forward(self, w, idx=None):
        self.saved = idx
        return w[idx]

    def backward(self, grad):
        idx = self.saved
        w_shape = self.parents[0].shape
        gw = np.zeros(w_shape, dtype=grad.dtype)
        np.add.at(gw, idx.reshape(-1), grad.reshape(-1, w_shape[1]))
        return gw

    def composite(self, w, idx=None):
        """W[idx] as indexing (whose gradient is a scatter-add): differentiated under create_graph."""
        return w[idx]


def as_indices(indices: Any, num_embeddings: int) -> np.ndarray:
    """Integer index array from ints, lists, arrays or Values (integral floats are accepted)."""
    arr = np.asarray(indices.data if isinstance(indices, Value) else indices)
    if arr.dtype.kind == "f":
        if np.any(arr != np.round(arr)):
            raise ValueError(f"Embedding: indices must be integers, got floats such as {arr.reshape(-1)[0].item()!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"Embedding: indices must be integers, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= num_embeddings)
    if np.any(bad):
        raise IndexOutOfRange(f"Embedding: index {arr.reshape(-1)[np.argmax(bad.reshape(-1))]} is out of "
                              f"range for {num_embeddings} embeddings (valid: 0..{num_embeddings - 1})")
    return arr


def embedding(indices: Any, weight: Value) -> Value:
    """weight[indices] for an integer array of any shape -> shape indices.shape + (dim,)."""
    return EmbeddingFn.apply(weight, idx=as_indices(indices, weight.shape[0]))
