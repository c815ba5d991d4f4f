"""Max, average and adaptive average pooling against torch (values, gradients, indices, every
option), max pooling against direct loops and HIPS autograd, the fast tiled path against the
general one, composites, and bad input errors."""

import autograd.numpy as anp
import numpy as np
import pytest
from _vjp import autograd_grads, grads_of
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.functional as F
from nn import MaxPool2d
from nn.functional import max_pool2d
from nn.functional.pool import AvgPoolFn, MaxPoolFn, MaxPoolTiledFn
from tinygrad_edu import Value, gradcheck

rng = np.random.default_rng(0)


def _compare(ours, theirs, x, atol=1e-12):
    torch = pytest.importorskip("torch")
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, yt = ours(xv), theirs(xt)
    g = rng.standard_normal(tuple(yt.shape))
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=atol)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), atol=atol)


MAX_CASES = [
    (2, (2, 3, 7, 8), dict(kernel_size=2)),
    (2, (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (2, (1, 2, 9, 9), dict(kernel_size=(3, 2), stride=(2, 1), dilation=(2, 1))),
    (2, (1, 2, 6, 6), dict(kernel_size=3, stride=1)),  # overlapping windows add up
    (1, (2, 4, 11), dict(kernel_size=3, stride=2, padding=1, dilation=2)),
    (1, (2, 4, 10), dict(kernel_size=4, stride=3, ceil_mode=True)),
]


@pytest.mark.parametrize("dims,shape,kw", MAX_CASES)
def test_max_pool_matches_torch(dims, shape, kw):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    _compare(lambda v: getattr(F, f"max_pool{dims}d")(v, **kw),
             lambda t: getattr(torch.nn.functional, f"max_pool{dims}d")(t, **kw), x)
    _, idx = getattr(F, f"max_pool{dims}d")(x, **kw, return_indices=True)
    _, tidx = getattr(torch.nn.functional, f"max_pool{dims}d")(torch.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(idx, tidx.numpy())


def test_tiled_path_equals_general_path_with_ties():
    x = rng.integers(0, 3, (2, 3, 9, 8)).astype(np.float64)  # many ties
    a, b = Value(x), Value(x)
    ya = MaxPoolTiledFn.apply(a, kernel=(2, 2))
    yb = MaxPoolFn.apply(b, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False)
    assert ya.op == "max_pool_tiled" and yb.op == "max_pool"
    g = rng.standard_normal(ya.shape)
    ya.backward(g)
    yb.backward(g)
    np.testing.assert_array_equal(ya.data, yb.data)
    np.testing.assert_array_equal(a.grad, b.grad)


@pytest.mark.parametrize("fn,kw", [
    (MaxPoolTiledFn, dict(kernel=(2, 3))),
    (MaxPoolFn, dict(kernel=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(1, 1), ceil_mode=True)),
    (AvgPoolFn, dict(kernel=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False)),
])
def test_fused_equals_composite(fn, kw):
    x = rng.standard_normal((2, 2, 7, 6))
    fused, comp = Value(x), Value(x)
    y = fn.apply(fused, **kw)
    yc = fn.composite(None, comp, **kw)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yc.backward(g)
    np.testing.assert_allclose(y.data, yc.data, atol=1e-12)
    np.testing.assert_allclose(fused.grad, comp.grad, atol=1e-12)


AVG_CASES = [
    (2, (2, 3, 7, 8), dict(kernel_size=2)),
    (2, (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (2, (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    (2, (1, 2, 5, 5), dict(kernel_size=3, stride=1, padding=1, divisor_override=2)),
    (1, (2, 4, 11), dict(kernel_size=4, stride=3, padding=2)),
    (1, (2, 4, 11), dict(kernel_size=4, stride=3, padding=2, count_include_pad=False, ceil_mode=True)),
]


@pytest.mark.parametrize("dims,shape,kw", AVG_CASES)
def test_avg_pool_matches_torch(dims, shape, kw):
    torch = pytest.importorskip("torch")
    _compare(lambda v: getattr(F, f"avg_pool{dims}d")(v, **kw),
             lambda t: getattr(torch.nn.functional, f"avg_pool{dims}d")(t, **kw), rng.standard_normal(shape))


@pytest.mark.parametrize("dims,shape,out", [(1, (2, 3, 10), 4), (1, (2, 3, 7), 7), (2, (2, 3, 7, 9), (3, 5)),
                                            (2, (1, 2, 5, 5), 1), (2, (1, 2, 6, 5), (None, 2))])
def test_adaptive_avg_matches_torch(dims, shape, out):
    torch = pytest.importorskip("torch")
    _compare(lambda v: getattr(F, f"adaptive_avg_pool{dims}d")(v, out),
             lambda t: getattr(torch.nn.functional, f"adaptive_avg_pool{dims}d")(t, out), rng.standard_normal(shape),
             atol=1e-12)


def test_layers_and_global_average_pooling():
    x = rng.standard_normal((2, 3, 8, 6))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data[..., 0, 0], x.mean(axis=(2, 3)))
    assert nn.MaxPool1d(2)(rng.standard_normal((2, 3, 9))).shape == (2, 3, 4)
    assert nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x).shape == (2, 3, 5, 4)
    y, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.dtype == np.int64 and idx.shape == y.shape
    assert nn.AvgPool1d(3, padding=1)(rng.standard_normal((1, 2, 9))).shape == (1, 2, 3)
    assert nn.AvgPool2d(2)(x).shape == (2, 3, 4, 3)
    assert nn.AdaptiveAvgPool1d(3)(rng.standard_normal((2, 3, 8))).shape == (2, 3, 3)


def test_gradcheck_small():
    x = Value(rng.standard_normal((1, 2, 5, 5)))
    assert gradcheck(lambda v: F.max_pool2d(v, 3, 2, 1, ceil_mode=True), x)
    assert gradcheck(lambda v: F.avg_pool2d(v, 3, 2, 1, count_include_pad=False), x)
    assert gradcheck(lambda v: F.adaptive_avg_pool2d(v, (2, 3)), x)


def test_float32_kept():
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    for y in (F.max_pool2d(x, 2), F.max_pool2d(x, 3, 1), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 2)):
        assert y.dtype == np.float32


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool2d(np.zeros((2, 3, 8)), 2), r"max_pool2d: expected a 4-D input.*\(2, 3, 8\)"),
    (lambda: F.max_pool1d(np.zeros((1, 1, 2)), 3), r"max_pool1d: kernel"),
    (lambda: nn.MaxPool2d(2, padding=2), r"MaxPool2d: padding"),
    (lambda: F.avg_pool1d(np.zeros((1, 1, 8)), 2, padding=2), r"avg_pool1d"),
    (lambda: F.adaptive_avg_pool2d(np.zeros((4,)), 2), r"adaptive_avg_pool2d.*\(4,\)"),
])
def test_bad_input_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_second_order_through_the_composites():
    from tinygrad_edu import gradgradcheck

    x = Value(rng.standard_normal((1, 2, 5, 5)))
    for f in (lambda v: F.max_pool2d(v, 2), lambda v: F.max_pool2d(v, 3, 2, 1),
              lambda v: F.avg_pool2d(v, 3, 2, 1, count_include_pad=False), lambda v: F.adaptive_avg_pool2d(v, (2, 3))):
        assert gradgradcheck(f, x)


# --- max_pool2d against direct loops and HIPS autograd, the MaxPool2d layer -----------------

def randn(*shape):
    return rng.normal(size=shape)


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


def test_maxpool_tiled_ties_go_to_first_and_ragged_edges_get_none():
    x = Value(np.array([[[[1.0, 1.0, 0.0, 2.0, 9.0],
                          [1.0, 0.0, 2.0, 2.0, 9.0],
                          [9.0, 9.0, 9.0, 9.0, 9.0]]]]))  # 3x5: the last row and column fit no window
    y = MaxPool2d(2)(x)
    np.testing.assert_array_equal(y.data, [[[[1.0, 2.0]]]])
    y.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[10.0, 0, 0, 20.0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]]])
