"""Linear and nn.functional.linear (nn/layers/linear.py, nn/functional/linear.py): forward and
gradients against HIPS autograd, gradcheck in float64, dtype, init names and shape errors."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from _vjp import autograd_grads, grads_of
from hypothesis import given
from hypothesis import strategies as st

from nn import Linear
from nn.functional import linear
from tinygrad_edu import gradcheck

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


@given(n=st.integers(1, 5), fin=st.integers(1, 6), fout=st.integers(1, 6))
def test_linear_matches_autograd(n, fin, fout):
    x, w, b = randn(n, fin), randn(fout, fin), randn(fout)
    out, ours, u = grads_of(lambda x, w, b: linear(x, w, b), x, w, b)
    ref = lambda x, w, b: anp.dot(x, w.T) + b  # noqa: E731
    np.testing.assert_allclose(out, ref(x, w, b), rtol=1e-12)
    for g, r in zip(ours, autograd_grads(ref, u, x, w, b)):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


def test_linear_layer_layout_and_gradcheck():
    lin = Linear(3, 2)
    assert lin.weight.shape == (2, 3) and lin.bias.shape == (2,)
    assert np.all(lin.bias.data == 0)
    x = randn(4, 3)
    np.testing.assert_allclose(lin(x).data, x @ lin.weight.data.T + lin.bias.data)
    assert gradcheck(lin, x)
    assert gradcheck(lambda x, w, b: linear(x, w, b), randn(2, 3, 3), randn(2, 3), randn(2))
    assert gradcheck(lambda x, w: linear(x, w), randn(3), randn(2, 3))
    assert Linear(3, 2, bias=False).bias is None
    with pytest.raises(ValueError, match="last dimension"):
        lin(np.ones((4, 5)))


def test_linear_float32_stays_float32():
    lin = Linear(3, 2, dtype=np.float32)
    out = lin(np.ones((4, 3), dtype=np.float32))
    assert out.dtype == np.float32
    out.sum().backward()
    assert lin.weight.grad.dtype == np.float32


@pytest.mark.parametrize("init", ["he", "he_uniform", "xavier", "xavier_normal", "normal", "zeros"])
def test_linear_init_names(init):
    lin = Linear(50, 40, init=init)
    assert lin.weight.shape == (40, 50) and np.all(lin.bias.data == 0)
    with pytest.raises(ValueError, match="unknown init"):
        Linear(2, 2, init="bogus")


@given(n=st.integers(2, 6), fin=st.integers(2, 7), fout=st.integers(1, 6))
def test_column_major_input_gets_its_gradient_in_its_own_layout(n, fin, fout):
    """A column-major input (a flattened batch-last conv map) takes the (W X^T)^T, (W^T G^T)^T
    and (X^T G)^T paths; its output and gradients equal the C-order input's and autograd's."""
    x, w, b = randn(n, fin), randn(fout, fin), randn(fout)
    xf = np.asfortranarray(x)
    assert not xf.flags.c_contiguous
    out, (gx, gw, gb), u = grads_of(lambda x, w, b: linear(x, w, b), xf, w, b)
    out_c, (gx_c, gw_c, gb_c), _ = grads_of(lambda x, w, b: linear(x, w, b), x, w, b)
    ref = lambda x, w, b: anp.dot(x, w.T) + b  # noqa: E731
    np.testing.assert_allclose(np.asarray(out), np.asarray(out_c), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(out), ref(x, w, b), rtol=1e-12, atol=1e-12)
    for g, c, r in zip((gx, gw, gb), (gx_c, gw_c, gb_c), autograd_grads(ref, u, x, w, b)):
        np.testing.assert_allclose(g, c, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_two_layers_in_the_transposed_orientation_equal_the_plain_products(dtype, tol):
    """A 2-D input takes Y = (W X^T)^T, so the second Linear gets a column-major input; the loss's
    gradients equal the textbook X W^T, G^T X, G W products (relative to the largest entry)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((128, 784)).astype(dtype)
    w1, b1 = (rng.standard_normal((256, 784)) * 0.05).astype(dtype), rng.standard_normal(256).astype(dtype)
    w2, b2 = (rng.standard_normal((10, 256)) * 0.05).astype(dtype), rng.standard_normal(10).astype(dtype)
    seed = rng.standard_normal((128, 10)).astype(dtype)
    from tinygrad_edu import Value

    W1, B1, W2, B2 = (Value(a.copy()) for a in (w1, b1, w2, b2))
    h = linear(x, W1, B1)
    assert h.data.flags.f_contiguous and not h.data.flags.c_contiguous
    y = linear(h, W2, B2)
    y.backward(seed)
    h_ref = x @ w1.T + b1  # the plain products, in the same dtype
    y_ref = h_ref @ w2.T + b2
    gh = seed @ w2
    refs = [(y.data, y_ref), (W2.grad, seed.T @ h_ref), (B2.grad, seed.sum(0)), (W1.grad, gh.T @ x),
            (B1.grad, gh.sum(0))]
    for ours, ref in refs:
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * np.abs(ref).max())
