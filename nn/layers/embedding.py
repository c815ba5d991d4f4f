"""Embedding: a learnable table of vectors, one row per token id."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..functional.embedding import embedding
from ..init import normal_
from ..module import Module


class Embedding(Module):
    """y = weight[indices]: integer indices of any shape -> indices.shape + (dim,).

    weight (num_embeddings, dim) starts N(0, 1) as in PyTorch. Equivalent to one-hot(indices)
    @ weight, without building the one-hot matrix; a row used several times in a batch gets the
    sum of its gradients. Indices out of range raise an error that is both IndexError and
    ValueError.
    """

    def __init__(self, num_embeddings: int, dim: int, dtype: Any = np.float64) -> None:
        self.num_embeddings, self.dim = int(num_embeddings), int(dim)
        self.weight = Value(np.zeros((self.num_embeddings, self.dim), dtype=dtype), label="weight")
        normal_(self.weight)

    @property
    def embedding_dim(self) -> int:
        return self.dim

    def forward(self, indices: Any) -> Value:
        return embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.dim}"
