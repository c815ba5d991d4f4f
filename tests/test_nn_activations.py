"""Activations (nn/activations.py): each derivative() against autodiff of its forward (the engine's,
HIPS autograd's, torch's); get_activation; the engine forms against torch (forward, first and second
derivatives), torch's edges (hardtanh, hardsigmoid, hardswish at their kinks), gradcheck /
gradgradcheck, names, plots."""

from __future__ import annotations

import numpy as np
import pytest
from _torch_compare import against_torch
from autograd import elementwise_grad
from autograd import numpy as anp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import nn
import tinygrad_edu as tg
from nn.activations import ACTIVATIONS
from tinygrad_edu import Value, gradcheck, gradgradcheck

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


# --- against torch: the engine forms to second order, edges, analytic derivatives ------------
try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

# name: (ours on a Value, torch on a tensor)
NEW = {
    "silu": (lambda x: x.silu(), lambda t: TF.silu(t)),
    "gelu_tanh": (lambda x: tg.gelu(x, approximate="tanh"), lambda t: TF.gelu(t, approximate="tanh")),
    "gelu": (lambda x: tg.gelu(x), lambda t: TF.gelu(t)),
    "logsigmoid": (lambda x: x.logsigmoid(), lambda t: TF.logsigmoid(t)),
    "softplus_beta": (lambda x: tg.softplus(x, beta=2.0, threshold=3.0), lambda t: TF.softplus(t, 2.0, 3.0)),
    "softplus": (lambda x: tg.softplus(x), lambda t: TF.softplus(t)),
    "hardtanh": (lambda x: x.hardtanh(-0.5, 2.0), lambda t: TF.hardtanh(t, -0.5, 2.0)),
    "relu6": (lambda x: x.relu6(), lambda t: TF.relu6(t)),
    "hardsigmoid": (lambda x: x.hardsigmoid(), lambda t: TF.hardsigmoid(t)),
    "hardswish": (lambda x: x.hardswish(), lambda t: TF.hardswish(t)),
    "selu": (lambda x: x.selu(), lambda t: TF.selu(t)),
    "celu": (lambda x: x.celu(0.7), lambda t: TF.celu(t, 0.7)),
    "mish": (lambda x: x.mish(), lambda t: TF.mish(t)),
    "softsign": (lambda x: x.softsign(), lambda t: TF.softsign(t)),
    "softmin": (lambda x: x.softmin(-1), lambda t: TF.softmin(t, -1)),
}
# the kinks and edges, where torch's choice of one-sided derivative is the contract
EDGES = np.array([-7.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0, 25.0, -25.0])


@pytest.mark.parametrize("name", sorted(NEW))
@settings(max_examples=10, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 2**31 - 1))
def test_against_torch_to_second_order(name, shape, seed):
    ours, ref = NEW[name]
    x = np.random.default_rng(seed).uniform(-8, 8, shape)
    if name == "softmin" and (len(shape) == 0 or 0 in shape):
        x = x.reshape(-1)[:1] if x.size else np.ones(1)  # (softmax over an empty axis: not supported)
    against_torch(ours, ref, [x], family="activations", second=name not in NO_TORCH_SECOND)


# torch has no second derivative of hardsigmoid; ours is 0 (piecewise linear), checked below.
NO_TORCH_SECOND = {"hardsigmoid"}
# At exactly x = 0 torch's elu double backward takes the x > 0 side (0) while its first derivative
# takes the x <= 0 side; the engine's ELU uses x <= 0 for both. Second order is compared off 0.
ELU_BASED = {"selu", "celu"}


@pytest.mark.parametrize("name", sorted(NEW))
def test_edges_and_saturation_like_torch(name):
    ours, ref = NEW[name]
    against_torch(ours, ref, [EDGES], family="activations",
                  second=name not in NO_TORCH_SECOND | ELU_BASED)
    if name in ELU_BASED:
        against_torch(ours, ref, [EDGES[EDGES != 0]], family="activations")


def test_hardsigmoid_second_derivative_is_zero():
    x = Value(np.random.default_rng(0).uniform(-5, 5, 20))
    (g,) = tg.grad(x.hardsigmoid().sum(), [x], create_graph=True)
    total = (g * np.arange(20.0)).sum()
    assert not total.requires_grad or np.all(tg.grad(total, [x], allow_unused=True)[0].data == 0)
    np.testing.assert_allclose(g.data, np.where(np.abs(x.data) < 3, 1 / 6, 0))


def test_functions_match_methods_and_modules():
    x = np.linspace(-4, 4, 17)
    for fn in ("silu", "logsigmoid", "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu", "mish",
               "softsign"):
        np.testing.assert_allclose(getattr(tg, fn)(x).data, getattr(Value(x), fn)().data)
        np.testing.assert_allclose(nn.get_activation(fn)()(Value(x)).data, getattr(Value(x), fn)().data)
    np.testing.assert_allclose(tg.softmin(x).data, Value(-x).softmax().data)


NEW_NAMES = ["silu", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu", "logsigmoid",
             "softsign"]
TORCH_MODULES = {"silu": "SiLU", "mish": "Mish", "hardtanh": "Hardtanh", "relu6": "ReLU6",
                 "hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish", "selu": "SELU", "celu": "CELU",
                 "logsigmoid": "LogSigmoid", "softsign": "Softsign"}
TORCH_GRID = np.concatenate([np.linspace(-8, 8, 321), EDGES])


@pytest.mark.parametrize("name", NEW_NAMES)
def test_analytic_derivative_against_torch_autograd(name):
    torch_ = pytest.importorskip("torch")
    t = torch_.tensor(TORCH_GRID, requires_grad=True)
    f = getattr(torch_.nn, TORCH_MODULES[name])()(t)
    (g,) = torch_.autograd.grad(f.sum(), t)
    cls = nn.get_activation(name)
    np.testing.assert_allclose(cls.function(TORCH_GRID), f.detach().numpy(), rtol=1e-12, atol=1e-14)
    rtol = 1e-7 if name == "hardsigmoid" else 1e-12  # torch's hardsigmoid slope is float32(1/6)
    np.testing.assert_allclose(cls.derivative(TORCH_GRID), g.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("cls,kwargs", [(nn.GELU, {"approximate": "tanh"}), (nn.Softplus, {"beta": 2.0,
                                                                                          "threshold": 5.0}),
                                        (nn.CELU, {"alpha": 0.5}), (nn.Hardtanh, {"min_val": -2, "max_val": 0.5})])
def test_parameterised_modules_derivative_matches_engine(cls, kwargs):
    act = cls(**kwargs)
    x = Value(TORCH_GRID.copy())
    y = act(x)
    y.sum().backward()
    np.testing.assert_allclose(act.function(TORCH_GRID), y.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.derivative(TORCH_GRID), x.grad, rtol=1e-12, atol=1e-14)
    assert "=" in repr(act)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_gradgradcheck(name):
    x = np.random.default_rng(2).uniform(-4, 4, (2, 5))
    for kink in (-3.0, -1.0, 0.0, 1.0, 3.0, 6.0):
        x[np.abs(x - kink) < 1e-2] += 0.05
    act = ACTIVATIONS[name]()
    assert gradcheck(act, x)
    assert gradgradcheck(act, x)


def test_softmin_derivative_is_the_jacobian_diagonal():
    x = np.random.default_rng(0).normal(size=5)
    v = Value(x)
    diag = []
    for i in range(5):
        (g,) = tg.grad(v.softmin()[i], [v])
        diag.append(g.data[i])
    np.testing.assert_allclose(nn.Softmin.derivative(x), diag, rtol=1e-12)


def test_names_and_plots_cover_every_activation(tmp_path):
    from viz import plot_activations

    for name in NEW_NAMES + ["softmin"]:
        assert nn.get_activation(name.upper()) is ACTIVATIONS[name]
    fig = plot_activations(sorted(ACTIVATIONS), path=tmp_path / "all.png")
    titles = {ax.get_title() for ax in fig.axes}
    assert {"SiLU", "Hardswish", "Softsign", "Softmax of (x, 0), entry 0", "Softmin of (x, 0), entry 0"} <= titles
    assert (tmp_path / "all.png").stat().st_size > 10_000


def test_bad_options_name_the_activation():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        tg.gelu(Value(1.0), approximate="erf")
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU(approximate="fast")
    with pytest.raises(ValueError, match="Hardtanh: min_val 1.0 must be below max_val 0.0"):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        Value(1.0).celu(0.0)
