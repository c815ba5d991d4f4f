"""MLP (nn/layers/mlp.py): structure, init chosen by activation (He / Xavier variances), gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

from nn import MLP, Sequential
from tinygrad_edu import gradcheck, manual_seed

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


def test_mlp_structure_and_default_init():
    m = MLP(4, [16, 8], 3)
    assert [type(layer).__name__ for layer in m] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert isinstance(m, Sequential)
    m = MLP(4, [16], 3, activation="tanh", dropout=0.2, batchnorm=True)
    assert [type(layer).__name__ for layer in m] == ["Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    assert m(randn(5, 4)).shape == (5, 3)
    with pytest.raises(ValueError, match="valid names"):
        MLP(2, [3], 1, activation="swishy")


def test_mlp_init_choice_by_activation():
    manual_seed(0)
    relu_w = MLP(1000, [500], 1)[0].weight.data
    tanh_w = MLP(1000, [500], 1, activation="tanh")[0].weight.data
    assert abs(relu_w.var() / (2 / 1000) - 1) < 0.05  # He
    assert abs(tanh_w.var() / (2 / 1500) - 1) < 0.05  # Xavier


def test_mlp_gradcheck_float64():
    manual_seed(0)
    m = MLP(3, [4, 4], 2, activation="tanh", batchnorm=True)
    assert gradcheck(m, randn(5, 3))
