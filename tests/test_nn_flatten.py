"""Flatten (nn/layers/flatten.py): keeps the batch dimension, the gradient keeps the input's shape."""

from __future__ import annotations

import numpy as np

from nn import Flatten
from tinygrad_edu import Value

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


def test_flatten_keeps_batch_dimension():
    v = Value(randn(2, 3, 4, 5))
    out = Flatten()(v)
    assert out.shape == (2, 60)
    out.sum().backward()
    assert v.grad.shape == (2, 3, 4, 5)
    assert Flatten()(randn(1, 3)).shape == (1, 3)
