"""LayerNorm and layer_norm against torch, fused against composite, and Identity; BatchNorm1d/2d
against HIPS autograd and torch (train and eval, running statistics), its errors."""

import autograd.numpy as anp
import numpy as np
import pytest
from _vjp import autograd_grads

import nn
import nn.functional as F
from nn import BatchNorm1d, BatchNorm2d
from nn.functional.norm import LayerNormFn
from tinygrad_edu import Value, gradcheck, no_grad

rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape,norm,kw", [((4, 5), 5, {}), ((2, 3, 4, 5), (4, 5), {}),
                                           ((3, 6), 6, dict(elementwise_affine=False)),
                                           ((3, 6), 6, dict(bias=False))])
def test_layer_norm_matches_torch(shape, norm, kw):
    torch = pytest.importorskip("torch")
    ours = nn.LayerNorm(norm, **kw)
    for p in ours.parameters():
        p.data = rng.standard_normal(p.shape)
    theirs = torch.nn.LayerNorm(norm, **kw).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal(shape)
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, yt = ours(xv), theirs(xt)
    g = rng.standard_normal(shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), atol=1e-11)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), atol=1e-11)


def test_layer_norm_fused_equals_composite_and_gradcheck():
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    vs, cs = [Value(a) for a in (x, w, b)], [Value(a) for a in (x, w, b)]
    y = LayerNormFn.apply(*vs, nd=1, eps=1e-5)
    yc = LayerNormFn.composite(None, *cs, nd=1, eps=1e-5)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yc.backward(g)
    np.testing.assert_allclose(y.data, yc.data, atol=1e-12)
    for a, c in zip(vs, cs):
        np.testing.assert_allclose(a.grad, c.grad, atol=1e-12)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, 4, w, b), *[Value(a) for a in (x, w, b)])


def test_layer_norm_errors_and_identity():
    with pytest.raises(ValueError, match=r"LayerNorm\(\(5,\)\).*\(4, 6\)"):
        nn.LayerNorm(5)(np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(3,\)"):
        F.layer_norm(np.zeros((2, 3)), 3, Value(np.ones(4)))
    x = Value(np.ones(3))
    assert nn.Identity(54, unused="x")(x) is x


def test_second_order_layer_norm():
    from tinygrad_edu import gradgradcheck

    args = [Value(rng.standard_normal(s)) for s in ((3, 2), (2,), (2,))]
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (2,), w, b), *args)


# --- BatchNorm -------------------------------------------------------------------------------

def randn(*shape):
    return rng.normal(size=shape)


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
