"""Sequential (nn/layers/sequential.py): the container protocol and summary() (shapes, parameter
counts, no side effects)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn import BatchNorm1d, Conv2d, Flatten, Linear, MaxPool2d, Sequential

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


def test_sequential_container_protocol():
    a, b, c = Linear(2, 3), nn.Tanh(), Linear(3, 1)
    seq = Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c] and seq[0] is a and seq[-1] is c
    assert list(seq[1:]) == [b, c]
    x = randn(4, 2)
    np.testing.assert_allclose(seq(x).data, c(b(a(x))).data)
    with pytest.raises(IndexError):
        seq[3]
    with pytest.raises(TypeError):
        Sequential(a, "relu")


def test_summary_text():
    model = Sequential(Linear(4, 8), nn.ReLU(), BatchNorm1d(8), Linear(8, 3))
    text = model.summary((4,))
    lines = text.splitlines()
    assert lines[0] == 'Model: "Sequential"'
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert any(line.split() == ["0", "(Linear)", "(None,", "8)", "40"] for line in lines)
    assert any(line.split() == ["2", "(BatchNorm1d)", "(None,", "8)", "32"] for line in lines)
    assert any(line.split() == ["3", "(Linear)", "(None,", "3)", "27"] for line in lines)
    assert "Total params: 99" in text
    assert "Trainable params: 83" in text
    assert "Non-trainable params: 16" in text
    assert int(model[2].num_batches_tracked) == 0 and model.training  # summary had no side effects


def test_summary_cnn_shapes():
    model = Sequential(Conv2d(1, 4, 3, padding=1), nn.ReLU(), MaxPool2d(2), Flatten(), Linear(64, 10))
    text = model.summary((1, 8, 8))
    assert "(None, 4, 8, 8)" in text and "(None, 4, 4, 4)" in text and "(None, 64)" in text
    assert f"Total params: {model.num_parameters()}" in text
