"""Layers: forward and gradients against HIPS autograd / numpy references, gradcheck in float64."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as agrad
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn import (
    MLP,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Linear,
    MaxPool2d,
    Sequential,
)
from nn.functional import conv2d, embedding, linear, max_pool2d
from tinygrad_edu import Value, gradcheck, manual_seed, no_grad

RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


def grads_of(fn, *arrays):
    """Our gradients of sum(fn(*Values) * u) for a fixed random u, and the output."""
    vals = [Value(a) for a in arrays]
    out = fn(*vals)
    u = np.random.default_rng(7).normal(size=out.shape)
    (out * u).sum().backward()
    return out.data, [v.grad for v in vals], u


def autograd_grads(fn, u, *arrays):
    return [agrad(lambda *a, i=i: anp.sum(fn(*a) * u), i)(*arrays) for i in range(len(arrays))]


# --- Linear ---------------------------------------------------------------------------------

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


# --- Conv2d --------------------------------------------------------------------------------

def conv_reference(x, w, b, stride, padding):
    """Direct loops: out[n, o, i, j] = sum(x_pad[n, :, i*s:i*s+kh, j*s:j*s+kw] * w[o]) + b[o]."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    o, _, kh, kw = w.shape
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@given(n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
       k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2))
def test_conv2d_matches_loop_reference(n, c, o, h, w, k, s, p):
    x, wt, b = randn(n, c, h, w), randn(o, c, k, k), randn(o)
    out = conv2d(Value(x), Value(wt), Value(b), stride=s, padding=p)
    np.testing.assert_allclose(out.data, conv_reference(x, wt, b, (s, s), (p, p)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride,padding,kernel", [(1, 0, 3), (2, 1, 3), ((2, 1), (0, 2), (3, 2)), (3, 2, 2)])
def test_conv2d_gradcheck(stride, padding, kernel):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    f = lambda x, w, b: conv2d(x, w, b, stride=stride, padding=padding)  # noqa: E731
    assert gradcheck(f, randn(2, 2, 6, 5), randn(3, 2, kh, kw), randn(3))


def test_conv2d_gradients_match_torch():
    torch = pytest.importorskip("torch")
    x, w, b = randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4)
    out, (gx, gw, gb), u = grads_of(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1), x, w, b)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    (tout * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in [(gx, tx), (gw, tw), (gb, tb)]:
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_layer():
    conv = Conv2d(2, 3, 3, stride=2, padding=1)
    assert conv.weight.shape == (3, 2, 3, 3) and conv.bias.shape == (3,)
    x = randn(2, 2, 5, 5)
    assert conv(x).shape == (2, 3, 3, 3)
    assert gradcheck(conv, x)
    assert Conv2d(2, 3, (3, 1), bias=False)(x).shape == (2, 3, 3, 5)
    with pytest.raises(ValueError, match="expected input"):
        conv(randn(2, 3, 5, 5))


# --- MaxPool2d ------------------------------------------------------------------------------

def maxpool_reference(x, k, s):
    ho, wo = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    out = np.zeros(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return out


@given(h=st.integers(2, 7), w=st.integers(2, 7), k=st.integers(1, 3), s=st.integers(1, 3))
def test_maxpool_matches_reference_and_gradcheck(h, w, k, s):
    if k > min(h, w):
        return
    x = randn(2, 3, h, w)
    np.testing.assert_array_equal(max_pool2d(Value(x), k, s).data, maxpool_reference(x, k, s))
    assert gradcheck(lambda x: max_pool2d(x, k, s), x)


def test_maxpool_overlapping_windows_accumulate_and_layer():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the max of all four 2x2 windows at stride 1
    v = Value(x)
    MaxPool2d(2, stride=1)(v).sum().backward()
    assert v.grad[0, 0, 1, 1] == 4 and v.grad.sum() == 4
    assert MaxPool2d(2)(randn(2, 3, 8, 6)).shape == (2, 3, 4, 3)


def test_maxpool_gradient_matches_autograd():
    x = randn(2, 2, 6, 6)
    _, (g,), u = grads_of(lambda v: max_pool2d(v, 2), x)
    ref = lambda a: anp.max(anp.reshape(a, (2, 2, 3, 2, 3, 2)), axis=(3, 5))  # noqa: E731
    np.testing.assert_allclose(g, autograd_grads(ref, u, x)[0])


# --- BatchNorm ------------------------------------------------------------------------------

def bn_reference(x, gamma, beta, axes, eps=1e-5):
    shape = [1] * x.ndim
    shape[1] = x.shape[1]
    mean = anp.mean(x, axis=axes, keepdims=True)
    var = anp.mean((x - mean) ** 2, axis=axes, keepdims=True)
    return (x - mean) / anp.sqrt(var + eps) * anp.reshape(gamma, shape) + anp.reshape(beta, shape)


@pytest.mark.parametrize("layer_cls,shape,axes", [(BatchNorm1d, (6, 3), (0,)), (BatchNorm1d, (4, 3, 5), (0, 2)),
                                                  (BatchNorm2d, (3, 2, 4, 5), (0, 2, 3))])
def test_batchnorm_train_matches_autograd_and_gradcheck(layer_cls, shape, axes):
    bn = layer_cls(shape[1])
    bn.weight.data = randn(shape[1])
    bn.bias.data = randn(shape[1])
    x = randn(*shape)
    xv = Value(x)
    out = bn(xv)
    u = randn(*out.shape)
    (out * u).sum().backward()
    g0, b0 = bn.weight.data, bn.bias.data
    np.testing.assert_allclose(out.data, bn_reference(x, g0, b0, axes), rtol=1e-10, atol=1e-12)
    refs = autograd_grads(lambda a, g, b: bn_reference(a, g, b, axes), u, x, g0, b0)
    for ours, ref in zip([xv.grad, bn.weight.grad, bn.bias.grad], refs):
        np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-10)
    assert gradcheck(lambda a: bn(a), x)  # train mode (updates the running stats: harmless here)


def test_batchnorm_running_stats_match_torch_rule():
    bn = BatchNorm1d(3, momentum=0.1)
    xs = [randn(8, 3) * 2 + 1 for _ in range(3)]
    rm, rv = np.zeros(3), np.ones(3)
    for x in xs:
        bn(x)
        rm = 0.9 * rm + 0.1 * x.mean(0)
        rv = 0.9 * rv + 0.1 * x.var(0, ddof=1)  # unbiased, as torch
    np.testing.assert_allclose(bn.running_mean, rm)
    np.testing.assert_allclose(bn.running_var, rv)
    assert int(bn.num_batches_tracked) == 3
    bn.eval()
    x = randn(2, 3)
    np.testing.assert_allclose(bn(x).data, (x - rm) / np.sqrt(rv + 1e-5))
    assert gradcheck(lambda a: bn(a), x)
    np.testing.assert_allclose(bn.running_mean, rm)  # eval leaves the stats alone


def test_batchnorm_matches_torch_in_train_and_eval():
    torch = pytest.importorskip("torch")
    ours, theirs = BatchNorm2d(2), torch.nn.BatchNorm2d(2).double()
    for _ in range(3):
        x = randn(4, 2, 3, 3) * 3 + 2
        out = ours(x)
        np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), err_msg=k)
    ours.eval()
    theirs.eval()
    x = randn(2, 2, 3, 3)
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_batchnorm_errors_and_no_grad_still_updates():
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value"):
        bn(np.ones((1, 3)))
    with pytest.raises(ValueError, match="channels"):
        bn(np.ones((4, 2)))
    with no_grad():
        bn(randn(4, 3) + 5)
    assert int(bn.num_batches_tracked) == 1 and np.all(bn.running_mean > 0.1)


# --- Embedding ------------------------------------------------------------------------------

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


# --- Dropout --------------------------------------------------------------------------------

def test_dropout_inverted_preserves_expectation_and_is_identity_at_eval():
    manual_seed(0)
    d = Dropout(0.3)
    x = np.ones((200, 500))
    out = d(Value(x)).data
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.01
    d.eval()
    np.testing.assert_array_equal(d(Value(x)).data, x)


def test_dropout_classic_scales_at_eval():
    manual_seed(0)
    d = Dropout(0.25, mode="classic")
    x = np.full((100, 400), 2.0)
    out = d(Value(x)).data
    assert set(np.unique(out)) == {0.0, 2.0}  # no scaling while training
    train_mean = out.mean()
    d.eval()
    eval_out = d(Value(x)).data
    np.testing.assert_allclose(eval_out, 2.0 * 0.75)
    assert abs(train_mean - eval_out.mean()) < 0.02


def test_dropout_gradient_uses_the_mask_and_seed_repeats():
    manual_seed(3)
    v = Value(np.ones((4, 5)))
    out = Dropout(0.5)(v)
    out.sum().backward()
    np.testing.assert_array_equal(v.grad, out.data)  # d(x*m/q)/dx = m/q = out for x = 1
    manual_seed(3)
    np.testing.assert_array_equal(Dropout(0.5)(Value(np.ones((4, 5)))).data, out.data)


@pytest.mark.parametrize("p,mode", [(1.0, "inverted"), (-0.1, "inverted"), (1.5, "classic"), (0.5, "bogus")])
def test_dropout_rejects_bad_arguments(p, mode):
    with pytest.raises(ValueError):
        Dropout(p, mode=mode)


def test_dropout_float32_and_p_zero():
    x = Value(np.ones((3, 3), dtype=np.float32))
    assert Dropout(0.5)(x).dtype == np.float32
    assert Dropout(0.0)(x) is x


# --- Flatten, Sequential, MLP ---------------------------------------------------------------

def test_flatten_keeps_batch_dimension():
    v = Value(randn(2, 3, 4, 5))
    out = Flatten()(v)
    assert out.shape == (2, 60)
    out.sum().backward()
    assert v.grad.shape == (2, 3, 4, 5)
    assert Flatten()(randn(1, 3)).shape == (1, 3)


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


def test_maxpool_tiled_ties_go_to_first_and_ragged_edges_get_none():
    import numpy as np

    from nn import MaxPool2d
    from tinygrad_edu import Value

    x = Value(np.array([[[[1.0, 1.0, 0.0, 2.0, 9.0],
                          [1.0, 0.0, 2.0, 2.0, 9.0],
                          [9.0, 9.0, 9.0, 9.0, 9.0]]]]))  # 3x5: the last row and column fit no window
    y = MaxPool2d(2)(x)
    np.testing.assert_array_equal(y.data, [[[[1.0, 2.0]]]])
    y.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[10.0, 0, 0, 20.0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]]])
