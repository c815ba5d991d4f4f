"""Convolutions (conv1d/2d/3d, transposed) against torch with the same weights, against the
engine-op composite, by finite differences and against direct loops; the Conv2d layer; bad input
errors."""

import numpy as np
import pytest
from _vjp import grads_of
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
from nn import Conv2d
from nn.functional import conv2d
from nn.functional.conv import Conv2dFn, ConvNdFn, ConvTransposeNdFn
from tinygrad_edu import Value, gradcheck

rng = np.random.default_rng(0)


def _run(fn, arrays, seed=1):
    vals = [Value(a) for a in arrays]
    y = fn(*vals)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(g)
    return y.data, [v.grad for v in vals], g


def _torch_run(fn, arrays, g):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), [t.grad.numpy() for t in ts]


CONV_CASES = [
    # (dims, x shape, w shape, kwargs)
    (1, (2, 4, 11), (6, 2, 3), dict(stride=2, padding=2, dilation=2, groups=2)),
    (1, (3, 1, 40), (25, 1, 5), dict(stride=2, padding=1)),
    (1, (2, 3, 9), (4, 3, 4), dict(padding="same")),
    (2, (2, 3, 7, 8), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0))),
    (2, (2, 3, 7, 8), (4, 3, 3, 2), dict(padding="same", dilation=2)),
    (2, (2, 3, 7, 8), (4, 3, 3, 3), dict(padding="valid")),
    (2, (2, 4, 6, 6), (4, 1, 3, 3), dict(padding=1, groups=4)),  # depthwise
    (3, (2, 2, 5, 6, 4), (3, 2, 2, 3, 2), dict(stride=2, padding=1)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dims,xs,ws,kw", CONV_CASES)
def test_conv_matches_torch(dims, xs, ws, kw):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    ours = getattr(F, f"conv{dims}d")
    theirs = getattr(torch.nn.functional, f"conv{dims}d")
    y, grads, g = _run(lambda x, w, b: ours(x, w, b, **kw), arrays)
    yt, gt = _torch_run(lambda x, w, b: theirs(x, w, b, **kw), arrays, g)
    np.testing.assert_allclose(y, yt, atol=1e-12)
    for a, b in zip(grads, gt):
        np.testing.assert_allclose(a, b, atol=1e-11)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes_match_torch_layer(mode):
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(2, 3, 3, padding=2, padding_mode=mode)
    theirs = torch.nn.Conv2d(2, 3, 3, padding=2, padding_mode=mode).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((2, 2, 5, 6))
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    y, yt = ours(xv), theirs(xt)
    g = rng.standard_normal(yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-11)


def test_asymmetric_padding_equals_explicit_pad():
    x, w = rng.standard_normal((2, 2, 6, 7)), rng.standard_normal((3, 2, 2, 2))
    y = F.conv2d(x, Value(w), padding=((1, 0), (0, 2))).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 2)))
    np.testing.assert_allclose(y, F.conv2d(xp, Value(w)).data, atol=1e-12)


@pytest.mark.parametrize("dims,xs,ws,kw", [
    (2, (2, 3, 4, 5), (3, 4, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    (1, (2, 4, 7), (4, 3, 3), dict(stride=3, padding=1, groups=2, dilation=2)),
    (2, (1, 2, 3, 3), (2, 2, 2, 2), dict()),
])
def test_conv_transpose_matches_torch(dims, xs, ws, kw):
    torch = pytest.importorskip("torch")
    groups = kw.get("groups", 1)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[1] * groups)]
    ours = getattr(F, f"conv_transpose{dims}d")
    theirs = getattr(torch.nn.functional, f"conv_transpose{dims}d")
    y, grads, g = _run(lambda x, w, b: ours(x, w, b, **kw), arrays)
    yt, gt = _torch_run(lambda x, w, b: theirs(x, w, b, **kw), arrays, g)
    np.testing.assert_allclose(y, yt, atol=1e-12)
    for a, b in zip(grads, gt):
        np.testing.assert_allclose(a, b, atol=1e-11)


@pytest.mark.parametrize("layer,torch_name,shape", [
    (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=1), "Conv1d", (2, 3, 9)),
    (lambda: nn.Conv2d(4, 6, (3, 2), padding="same", groups=2, bias=False), "Conv2d", (2, 4, 5, 6)),
    (lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), "Conv3d", (1, 2, 4, 5, 3)),
    (lambda: nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1), "ConvTranspose1d", (2, 3, 5)),
    (lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1, groups=2), "ConvTranspose2d", (1, 2, 3, 4)),
])
def test_layers_state_dict_loads_into_torch(layer, torch_name, shape):
    torch = pytest.importorskip("torch")
    ours = layer()
    kw = {k: getattr(ours, k) for k in ("stride", "padding", "dilation", "groups", "output_padding")
          if hasattr(ours, k)}
    theirs = getattr(torch.nn, torch_name)(ours.in_channels, ours.out_channels, ours.kernel_size,
                                          bias=ours.bias is not None, **kw).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), length=st.integers(3, 9), k=st.integers(1, 3),
       s=st.integers(1, 3), d=st.integers(1, 2), p=st.integers(0, 2))
def test_conv1d_fused_equals_composite(n, c, length, k, s, d, p):
    if length + 2 * p < d * (k - 1) + 1:
        return
    x, w, b = rng.standard_normal((n, c, length)), rng.standard_normal((2, c, k)), rng.standard_normal(2)
    fused = _run(lambda x, w, b: F.conv1d(x, w, b, stride=s, padding=p, dilation=d), [x, w, b])
    from nn.functional.conv import conv_composite

    comp = _run(lambda x, w, b: conv_composite(x, w, b, (s,), ((p, p),), (d,), 1, "zeros"), [x, w, b])
    np.testing.assert_allclose(fused[0], comp[0], atol=1e-12)
    for a, b_ in zip(fused[1], comp[1]):
        np.testing.assert_allclose(a, b_, atol=1e-12)


def test_composites_exist_for_second_order():
    assert all(hasattr(cls, "composite") for cls in (ConvNdFn, Conv2dFn, ConvTransposeNdFn))


def test_conv_transpose_composite_equals_fused():
    x, w, b = rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(6)
    opts = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 1))
    fused = _run(lambda x, w, b: F.conv_transpose2d(x, w, b, **opts), [x, w, b])
    comp = _run(lambda x, w, b: ConvTransposeNdFn.composite(None, x, w, b, **opts), [x, w, b])
    for a, b_ in zip([fused[0], *fused[1]], [comp[0], *comp[1]]):
        np.testing.assert_allclose(a, b_, atol=1e-12)


def test_gradcheck_small():
    x, w = Value(rng.standard_normal((1, 2, 5, 4))), Value(rng.standard_normal((2, 1, 2, 2)))
    assert gradcheck(lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=1, groups=2, padding_mode="reflect"), x, w)
    assert gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), x,
                     Value(rng.standard_normal((2, 1, 3, 2))))


def test_float32_stays_float32():
    layer = nn.Conv1d(1, 4, 3, dtype=np.float32)
    assert layer(np.ones((2, 1, 8), np.float32)).dtype == np.float32


@pytest.mark.parametrize("call,match", [
    (lambda: nn.Conv1d(3, 4, 3)(np.zeros((2, 5, 9))), r"Conv1d\(3, 4\).*\(N, 3, L\).*\(2, 5, 9\)"),
    (lambda: nn.Conv1d(3, 4, 3)(np.zeros((2, 9))), r"Conv1d\(3, 4\).*\(2, 9\)"),
    (lambda: nn.Conv2d(1, 2, 5)(np.zeros((1, 1, 3, 3))), r"larger than the padded input"),
    (lambda: nn.Conv2d(2, 3, 3, groups=2), r"divisible by groups"),
    (lambda: nn.Conv2d(1, 1, 3, stride=2, padding="same"), r"'same' needs stride 1"),
    (lambda: nn.Conv2d(1, 1, 3, padding_mode="mirror"), r"padding_mode"),
    (lambda: F.conv2d(np.zeros((1, 3, 5, 5)), Value(np.zeros((2, 2, 3, 3)))), r"conv2d.*3 channels.*\(2, 2, 3, 3\)"),
])
def test_bad_input_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_second_order_through_the_composites():
    from tinygrad_edu import gradgradcheck

    x, w, b = (Value(rng.standard_normal(s)) for s in ((1, 2, 5, 5), (2, 2, 2, 2), (2,)))
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), x, w, b)
    assert gradgradcheck(lambda x, w: F.conv1d(x, w, padding=1, groups=2, padding_mode="reflect"),
                         Value(rng.standard_normal((1, 2, 6))), Value(rng.standard_normal((2, 1, 3))))
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2),
                         Value(rng.standard_normal((1, 2, 3, 3))), Value(rng.standard_normal((2, 1, 2, 2))))


# --- conv2d against direct loops, the Conv2d layer ------------------------------------------

def randn(*shape):
    return rng.normal(size=shape)


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


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape,cout,kw", [((64, 1, 8, 8), 16, dict(padding=1)),
                                           ((5, 3, 9, 7), 4, dict(stride=2, padding=(1, 2), dilation=(1, 2))),
                                           ((8, 2, 40), 6, dict(stride=2, padding=1))])
def test_bias_in_the_product_equals_adding_it_after(dtype, tol, shape, cout, kw):
    """One group with a bias of the input's dtype: the bias rides in the im2col product ([W | b] @
    [cols; 1]) and its gradient comes out of the weight gradient's product. Output and all three
    gradients equal the convolution without a bias plus b added after (relative to the largest entry);
    a frozen weight, a bias of another dtype and groups=2 take the separate sum."""
    r = np.random.default_rng(3)
    nsp = len(shape) - 2
    conv = F.conv1d if nsp == 1 else F.conv2d
    x = r.standard_normal(shape).astype(dtype)
    w = r.standard_normal((cout, shape[1], *(3,) * nsp)).astype(dtype)
    b = r.standard_normal(cout).astype(dtype)
    bshape = (1, cout) + (1,) * nsp
    fused = _run(lambda x, w, b: conv(x, w, b, **kw), [x, w, b])
    plain = _run(lambda x, w, b: conv(x, w, None, **kw) + b.reshape(bshape), [x, w, b])
    for ours, ref in zip([fused[0], *fused[1]], [plain[0], *plain[1]]):
        assert ours.dtype == dtype and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * np.abs(ref).max())
    xv, wv, bv = Value(x), Value(w, requires_grad=False), Value(b)
    y = conv(xv, wv, bv, **kw)
    y.backward(np.ones(y.shape, dtype))
    np.testing.assert_allclose(bv.grad, np.full(cout, np.prod(y.shape) / cout), rtol=tol)
    assert wv.grad is None or not np.any(wv.grad)
    b64 = Value(b.astype(np.float64))
    y64 = conv(Value(x), Value(w), b64, **kw)
    np.testing.assert_allclose(y64.data, plain[0], rtol=tol * 10, atol=tol * 10 * np.abs(plain[0]).max())
    if shape[1] % 2 == 0:
        g2 = _run(lambda x, w, b: conv(x, w, b, groups=2, **kw), [x, w[:, : shape[1] // 2], b])
        p2 = _run(lambda x, w, b: conv(x, w, None, groups=2, **kw) + b.reshape(bshape), [x, w[:, : shape[1] // 2], b])
        for ours, ref in zip([g2[0], *g2[1]], [p2[0], *p2[1]]):
            np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * np.abs(ref).max())
