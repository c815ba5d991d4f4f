"""Activations: each derivative() against autodiff of its forward; get_activation."""

from __future__ import annotations

import numpy as np
import pytest
from autograd import elementwise_grad
from autograd import numpy as anp

import nn
from nn.activations import ACTIVATIONS
from tinygrad_edu import Value, gradcheck

GRID = np.concatenate([np.linspace(-6, 6, 241), [-30.0, -1e-3, 1e-3, 30.0]])
GRID = GRID[GRID != 0]  # the kink of ReLU-like functions


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"softmax", "softmin"}))  # vector-valued
def test_derivative_matches_engine_autodiff(name):
    for act in (ACTIVATIONS[name], ACTIVATIONS[name]()):  # on the class and on an instance
        x = Value(GRID.copy())
        y = ACTIVATIONS[name]()(x)
        y.sum().backward()
        np.testing.assert_allclose(act.derivative(GRID), x.grad, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(act.function(GRID), y.data, rtol=1e-7, atol=1e-12)


AUTOGRAD_FORMS = {
    "sigmoid": lambda x: 1 / (1 + anp.exp(-x)),
    "tanh": anp.tanh,
    "relu": lambda x: anp.maximum(x, 0),
    "leaky_relu": lambda x: anp.where(x > 0, x, 0.01 * x),
    "elu": lambda x: anp.where(x > 0, x, anp.exp(anp.minimum(x, 0)) - 1),
    "softplus": lambda x: anp.logaddexp(0, x),
}


@pytest.mark.parametrize("name", sorted(AUTOGRAD_FORMS))
def test_derivative_matches_hips_autograd(name):
    ref = elementwise_grad(AUTOGRAD_FORMS[name])(GRID)
    np.testing.assert_allclose(nn.get_activation(name).derivative(GRID), ref, rtol=1e-9, atol=1e-12)


def test_gelu_derivative_numeric():
    h = 1e-6
    num = (nn.GELU.function(GRID + h) - nn.GELU.function(GRID - h)) / (2 * h)
    np.testing.assert_allclose(nn.GELU.derivative(GRID), num, rtol=1e-6, atol=1e-9)


def test_parameterised_derivatives_use_the_instance():
    x = np.array([-2.0, 3.0])
    np.testing.assert_allclose(nn.LeakyReLU(0.2).derivative(x), [0.2, 1.0])
    np.testing.assert_allclose(nn.LeakyReLU.derivative(x), [0.01, 1.0])
    np.testing.assert_allclose(nn.ELU(2.0).derivative(x), [2 * np.exp(-2), 1.0])
    v = Value(x)
    nn.LeakyReLU(0.2)(v).sum().backward()
    np.testing.assert_allclose(v.grad, [0.2, 1.0])


def test_softmax_forward_and_diagonal_derivative():
    x = np.random.default_rng(0).normal(size=(4, 5)) * 3
    sm = nn.Softmax(axis=1)
    out = sm(Value(x)).data
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    s = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, s)
    np.testing.assert_allclose(sm.derivative(x), s * (1 - s))
    jac_diag = np.stack([elementwise_grad(lambda z, i=i: (anp.exp(z) / anp.sum(anp.exp(z)))[i])(x[0])[i]
                         for i in range(5)])
    np.testing.assert_allclose(nn.Softmax().derivative(x[0]), jac_diag)
    assert gradcheck(sm, x)
    assert np.all(np.isfinite(nn.Softmax.function(np.array([1000.0, -1000.0]))))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck(name):
    x = np.random.default_rng(1).normal(size=(3, 4))
    x[np.abs(x) < 1e-3] = 0.5  # away from kinks
    assert gradcheck(ACTIVATIONS[name](), x)


def test_get_activation():
    assert nn.get_activation("ReLU") is nn.ReLU
    assert nn.get_activation("leaky_relu") is nn.LeakyReLU
    assert nn.get_activation("Leaky-ReLU") is nn.LeakyReLU
    for name in ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus", "gelu", "softmax"]:
        assert nn.get_activation(name.upper()).__name__.lower().startswith(name.split("_")[0][:4])
    with pytest.raises(ValueError, match="relu, sigmoid, tanh"):
        nn.get_activation("swish")


def test_docstrings_state_saturation():
    for cls in ACTIVATIONS.values():
        doc = cls.__doc__.lower()
        assert "f'(x)" in doc or "derivative" in doc
        assert "range" in doc
        assert "saturat" in doc or "never" in doc


def test_activation_of_plain_array_and_float32():
    out = nn.Tanh()(np.zeros((2, 2), dtype=np.float32))
    assert out.dtype == np.float32 and not out.requires_grad
