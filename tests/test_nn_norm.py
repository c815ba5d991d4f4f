"""LayerNorm and layer_norm against torch, fused against composite, and Identity."""

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.functional.norm import LayerNormFn
from tinygrad_edu import Value, gradcheck

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
