"""interpolate (nearest, linear, bilinear) against torch, values and gradients."""

import numpy as np
import pytest

import nn.functional as F
from tinygrad_edu import Value

rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 4, 5), dict(size=(5, 13), mode="nearest")),
    ((2, 3, 4, 5), dict(scale_factor=2.5, mode="nearest")),
    ((2, 3, 4, 5), dict(size=(5, 13), mode="bilinear", align_corners=False)),
    ((2, 3, 4, 5), dict(size=(3, 11), mode="bilinear", align_corners=True)),
    ((2, 3, 4, 5), dict(scale_factor=(0.6, 1.7), mode="bilinear", align_corners=False)),
    ((2, 3, 6), dict(size=17, mode="linear", align_corners=False)),
    ((2, 3, 6), dict(scale_factor=2, mode="nearest")),
])
def test_interpolate_matches_torch(shape, kw):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, yt = F.interpolate(xv, **kw), torch.nn.functional.interpolate(xt, **kw)
    g = rng.standard_normal(tuple(yt.shape))
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), atol=1e-12)


def test_interpolate_errors():
    with pytest.raises(ValueError, match="bilinear.*4-D"):
        F.interpolate(np.zeros((1, 1, 4)), size=8, mode="bilinear")
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(np.zeros((1, 1, 4)))
