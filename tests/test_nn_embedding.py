"""Embedding and nn.functional.embedding (nn/layers/embedding.py, nn/functional/embedding.py):
lookup, repeated indices accumulating, the gradient against a one-hot matmul under HIPS autograd,
bad indices."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from _vjp import autograd_grads, grads_of

from nn import Embedding
from nn.functional import embedding
from tinygrad_edu import gradcheck

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


def test_embedding_lookup_and_repeated_indices_accumulate():
    emb = Embedding(5, 3)
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [2, 0, 3, 0, 1])
    assert gradcheck(lambda w: embedding(idx, w), randn(5, 3))


def test_embedding_matches_one_hot_matmul_under_autograd():
    w, idx = randn(6, 4), np.array([1, 1, 5, 0, 1])
    _, (g,), u = grads_of(lambda wv: embedding(idx, wv), w)
    onehot = np.eye(6)[idx]
    np.testing.assert_allclose(g, autograd_grads(lambda a: anp.dot(onehot, a), u, w)[0])


def test_embedding_bad_indices():
    emb = Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range"):
        emb(np.array([0, 4]))
    with pytest.raises(ValueError, match="out of range"):
        emb(np.array([-1]))
    with pytest.raises(ValueError, match="integers"):
        emb(np.array([0.5]))
    assert emb(np.array([1.0, 3.0])).shape == (2, 2)
