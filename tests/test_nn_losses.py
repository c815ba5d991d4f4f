"""Losses (nn/losses.py and nn/functional/loss.py): against HIPS autograd references, stability for
+-100 logits, and label errors; nn.functional's losses with torch's options, against torch to second
order (hypothesis-drawn batches, classes and spatial dims; weights, ignore_index, label smoothing,
probability targets, pos_weight, every reduction), the fused ops' forward/backward against their
composites, the module forms, gradcheck / gradgradcheck, and the error messages."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from _torch_compare import against_torch
from autograd import grad as agrad
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
import tinygrad_edu as tg
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from nn.functional.loss import BCEFn, BCEWithLogitsFn, CrossEntropyFn
from tinygrad_edu import Value, gradcheck, gradgradcheck

RNG = np.random.default_rng(5)


def check(loss_fn, ref_fn, pred, target, rtol=1e-9):
    v = Value(pred)
    out = loss_fn(v, target)
    assert out.shape == ()
    out.backward()
    np.testing.assert_allclose(out.item(), ref_fn(pred, target), rtol=rtol)
    np.testing.assert_allclose(v.grad, agrad(ref_fn)(pred, target), rtol=rtol, atol=1e-12)


@given(n=st.integers(1, 6), c=st.integers(2, 5))
def test_cross_entropy_matches_autograd(n, c):
    z, y = RNG.normal(size=(n, c)) * 3, RNG.integers(0, c, size=n)

    def ref(z, y):
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(len(y)), y])

    check(cross_entropy, ref, z, y)
    assert gradcheck(lambda zz: cross_entropy(zz, y), z)


def test_cross_entropy_other_layouts():
    z = RNG.normal(size=4)
    assert abs(cross_entropy(Value(z), 2).item() - (np.log(np.exp(z).sum()) - z[2])) < 1e-12
    z3 = RNG.normal(size=(2, 3, 4))
    y3 = RNG.integers(0, 3, size=(2, 4))
    assert gradcheck(lambda zz: cross_entropy(zz, y3), z3)
    assert cross_entropy(Value(RNG.normal(size=(3, 2))), np.array([[0], [1], [1]])).shape == ()
    assert np.isfinite(nn.CrossEntropyLoss()(Value(RNG.normal(size=(3, 2))), np.array([0.0, 1.0, 1.0])).item())


@pytest.mark.parametrize("labels,match", [
    (np.array([0, 3]), r"label 3 is out of range for 3 classes"),
    (np.array([-1, 0]), r"label -1"),
    (np.array([0, 1, 2]), r"\(2, 3\).*\(2,\).*\(3,\)"),
    (np.array([0.5, 1.0]), r"non-integer 0.5"),
    (np.array(["a", "b"]), r"integer"),
])
def test_cross_entropy_label_errors(labels, match):
    with pytest.raises(ValueError, match=match):
        cross_entropy(Value(np.zeros((2, 3))), labels)


def test_mse_matches_autograd_and_reshapes_column_output():
    p, t = RNG.normal(size=(5, 1)), RNG.normal(size=5)
    check(mse_loss, lambda p, t: anp.mean((p - t.reshape(p.shape)) ** 2), p, t)
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(4,\)"):
        mse_loss(Value(p), np.zeros(4))


def test_bce_matches_autograd():
    p, t = RNG.uniform(0.05, 0.95, size=6), RNG.integers(0, 2, size=6).astype(float)
    check(binary_cross_entropy, lambda p, t: -anp.mean(t * anp.log(p) + (1 - t) * anp.log(1 - p)), p, t)
    assert gradcheck(lambda pp, tt: binary_cross_entropy(pp, tt), p, RNG.uniform(size=6))


def test_bce_with_logits_matches_autograd():
    x, t = RNG.normal(size=(6, 1)) * 4, RNG.integers(0, 2, size=6)

    def ref(x, t):
        p, t = 1 / (1 + anp.exp(-x)), t.reshape(x.shape)
        return -anp.mean(t * anp.log(p) + (1 - t) * anp.log(1 - p))

    check(binary_cross_entropy_with_logits, ref, x, t, rtol=1e-8)
    assert gradcheck(lambda xx, tt: binary_cross_entropy_with_logits(xx, tt), x, RNG.uniform(size=(6, 1)))


def test_hinge_matches_autograd_and_requires_pm1():
    s, y = RNG.normal(size=8), np.where(RNG.random(8) < 0.5, -1, 1)
    check(hinge_loss, lambda s, y: anp.mean(anp.maximum(0, 1 - y * s)), s, y)
    with pytest.raises(ValueError, match="-1 or \\+1.*2\\*y - 1"):
        hinge_loss(Value(s), (y > 0).astype(int))


@pytest.mark.parametrize("big", [100.0, -100.0, 1000.0])
def test_losses_finite_for_extreme_logits(big):
    logits = Value(np.array([[big, -big, 0.0], [-big, big, 0.0]]))
    for loss in [cross_entropy(logits, np.array([1, 0])), cross_entropy(logits, np.array([0, 1]))]:
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
    x = Value(np.array([big, -big, big]))
    loss = binary_cross_entropy_with_logits(x, np.array([0.0, 1.0, 1.0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad))
    xd, t = x.data, np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(loss.item(), np.mean(np.logaddexp(0, xd) - xd * t), rtol=1e-9)
    p = Value(np.array([0.0, 1.0, 0.5]))
    loss = binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), (100 + 100 + np.log(2)) / 3)  # logs clamped at -100
    assert np.all(np.isfinite(p.grad))
    s = Value(np.array([big, -big]))
    assert np.isfinite(hinge_loss(s, np.array([-1, 1])).item())


def test_bce_rejects_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match="prob"):
        binary_cross_entropy(Value(np.array([1.5])), np.array([1.0]))


def test_float32_losses_stay_float32():
    z = Value(RNG.normal(size=(4, 3)).astype(np.float32))
    assert cross_entropy(z, np.array([0, 1, 2, 0])).dtype == np.float32
    assert mse_loss(z, np.zeros((4, 3))).dtype == np.float32
    assert binary_cross_entropy_with_logits(z, np.ones((4, 3), dtype=np.float32)).dtype == np.float32


def test_module_forms():
    z, y = Value(RNG.normal(size=(3, 2))), np.array([0, 1, 1])
    assert nn.CrossEntropyLoss()(z, y).item() == cross_entropy(z, y).item()
    assert nn.MSELoss()(z, np.zeros((3, 2))).item() == mse_loss(z, np.zeros((3, 2))).item()
    p = Value(np.array([0.2, 0.7]))
    assert nn.BCELoss()(p, np.array([0, 1])).item() == binary_cross_entropy(p, np.array([0, 1])).item()
    assert nn.BCEWithLogitsLoss()(z, np.ones((3, 2))).item() == binary_cross_entropy_with_logits(
        z, np.ones((3, 2))).item()
    assert nn.HingeLoss()(p, np.array([1, -1])).item() == hinge_loss(p, np.array([1, -1])).item()


def test_penalties_and_weight_decay_equivalence():
    a, b = Value(np.array([1.0, -2.0])), Value(np.array([[3.0]]))
    assert l1_penalty([a, b]).item() == 6.0
    assert l2_penalty([a, b]).item() == 14.0
    wd = 0.1
    (wd / 2 * l2_penalty([a, b])).backward()
    np.testing.assert_allclose(a.grad, wd * a.data)  # what weight_decay=wd adds to the gradient
    a.zero_grad()
    l1_penalty([a]).backward()
    np.testing.assert_allclose(a.grad, [1.0, -1.0])
    assert l2_penalty([]).item() == 0.0
    assert "weight_decay" in l2_penalty.__doc__


# --- nn.functional's losses against torch, to second order ------------------------------------
try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

SET = settings(max_examples=10, deadline=None)
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's note on kl_div's mean
reductions = st.sampled_from(["mean", "sum", "none"])


def _t(x):
    return None if x is None else torch.tensor(x)


@st.composite
def classification(draw_):
    """(input shape, class axis size, target shape): (C,), (N, C) or (N, C, d)."""
    c = draw_(st.integers(1, 4))
    kind = draw_(st.sampled_from(["1d", "2d", "nd"]))
    n = draw_(st.integers(1, 4))
    if kind == "1d":
        return (c,), c, ()
    if kind == "2d":
        return (n, c), c, (n,)
    d = draw_(st.integers(1, 3))
    return (n, c, d), c, (n, d)


@SET
@given(case=classification(), seed=st.integers(0, 2**31 - 1), reduction=reductions, weighted=st.booleans(),
       ignore=st.booleans(), smoothing=st.sampled_from([0.0, 0.1, 0.5]))
def test_cross_entropy_index_targets(case, seed, reduction, weighted, ignore, smoothing):
    shape, c, tshape = case
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, shape)
    t = rng.integers(0, c, tshape)
    if ignore and t.size > 1:
        t.reshape(-1)[0] = -100  # one ignored sample (not all: a mean over nothing is nan)
    w = rng.uniform(0.5, 2, c) if weighted else None
    against_torch(lambda v, tt: F.cross_entropy(v, tt, weight=w, reduction=reduction, label_smoothing=smoothing),
                  lambda v, tt: TF.cross_entropy(v, tt, weight=_t(w), reduction=reduction,
                                                 label_smoothing=smoothing), [x, t], family="losses")
    against_torch(lambda v, tt: F.nll_loss(v.log_softmax(axis=0 if v.ndim == 1 else 1), tt, weight=w,
                                           reduction=reduction),
                  lambda v, tt: TF.nll_loss(v.log_softmax(0 if v.ndim == 1 else 1), tt, weight=_t(w),
                                            reduction=reduction), [x, t], family="losses")


@SET
@given(case=classification(), seed=st.integers(0, 2**31 - 1), reduction=reductions, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_probability_targets(case, seed, reduction, weighted, smoothing):
    shape, c, _ = case
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, shape)
    p = rng.uniform(0.01, 1, shape)
    p /= p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    w = rng.uniform(0.5, 2, c) if weighted else None
    against_torch(lambda v, q: F.cross_entropy(v, q, weight=w, reduction=reduction, label_smoothing=smoothing),
                  lambda v, q: TF.cross_entropy(v, q, weight=_t(w), reduction=reduction, label_smoothing=smoothing),
                  [x, p], family="losses")  # the target's gradient is compared too


def test_cross_entropy_large_logits_and_all_ignored():
    x = np.array([[1000.0, -1000.0, 0.0], [-5e3, 5e3, 1.0]])
    against_torch(lambda v, t: F.cross_entropy(v, t, label_smoothing=0.1), lambda v, t: TF.cross_entropy(
        v, t, label_smoothing=0.1), [x, np.array([1, 0])], family="losses")
    out = F.cross_entropy(Value(x), np.array([-100, -100]))
    assert np.isnan(out.item())  # the mean over no sample, as torch


@SET
@given(shape=st.sampled_from([(3,), (2, 3), (2, 3, 2), ()]), seed=st.integers(0, 2**31 - 1), reduction=reductions,
       weighted=st.booleans())
def test_binary_cross_entropy(shape, seed, reduction, weighted):
    rng = np.random.default_rng(seed)
    p, y = rng.uniform(0.02, 0.98, shape), rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape[-1:] if shape else ()) if weighted else None
    against_torch(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction),
                  lambda a, b: TF.binary_cross_entropy(a, b, weight=_t(w), reduction=reduction), [p, y],
                  family="losses")


@SET
@given(shape=st.sampled_from([(3,), (2, 3), (2, 3, 2), ()]), seed=st.integers(0, 2**31 - 1), reduction=reductions,
       weighted=st.booleans(), pos=st.booleans())
def test_binary_cross_entropy_with_logits(shape, seed, reduction, weighted, pos):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 4, shape), rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape[-1:] if shape else ()) if weighted else None
    pw = rng.uniform(0.5, 3, shape[-1:] if shape else ()) if pos else None
    against_torch(lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction, pos_weight=pw),
                  lambda a, b: TF.binary_cross_entropy_with_logits(a, b, weight=_t(w), reduction=reduction,
                                                                   pos_weight=_t(pw)), [x, y], family="losses")


def test_bce_with_logits_extreme_logits_are_finite():
    x, y = np.array([800.0, -800.0, 50.0]), np.array([0.0, 1.0, 1.0])
    against_torch(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="sum", pos_weight=np.array(2.0)),
                  lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction="sum", pos_weight=torch.tensor(2.0)),
                  [x, y], family="losses")


REGRESSION = [
    ("huber", lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.7),
     lambda a, b, r: TF.huber_loss(a, b, reduction=r, delta=0.7)),
    ("smooth_l1", lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
     lambda a, b, r: TF.smooth_l1_loss(a, b, reduction=r, beta=0.5)),
    ("smooth_l1 beta 0", lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.0),
     lambda a, b, r: TF.smooth_l1_loss(a, b, reduction=r, beta=0.0)),
    ("l1", lambda a, b, r: F.l1_loss(a, b, reduction=r), lambda a, b, r: TF.l1_loss(a, b, reduction=r)),
    ("mse", lambda a, b, r: F.mse_loss(a, b, reduction=r), lambda a, b, r: TF.mse_loss(a, b, reduction=r)),
]


@pytest.mark.parametrize("name,ours,ref", REGRESSION, ids=[r[0] for r in REGRESSION])
@SET
@given(shape=st.sampled_from([(), (4,), (2, 3), (2, 0), (3, 2, 2)]), seed=st.integers(0, 2**31 - 1),
       reduction=reductions)
def test_regression_losses(name, ours, ref, shape, seed, reduction):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 1.5, shape), rng.normal(0, 1.5, shape)
    if np.prod(shape) == 0 and reduction == "mean":
        return  # the mean of nothing (nan in both)
    against_torch(lambda x, y: ours(x, y, reduction), lambda x, y: ref(x, y, reduction), [a, b], family="losses")


@SET
@given(shape=st.sampled_from([(4,), (2, 3), (2, 3, 2)]), seed=st.integers(0, 2**31 - 1),
       reduction=st.sampled_from(["mean", "sum", "none", "batchmean"]), log_target=st.booleans())
def test_kl_div(shape, seed, reduction, log_target):
    rng = np.random.default_rng(seed)
    logq = np.log(rng.uniform(0.05, 1, shape))
    p = rng.uniform(0.05, 1, shape)
    t = np.log(p) if log_target else p
    with np.errstate(all="ignore"):
        against_torch(lambda x, y: F.kl_div(x, y, reduction=reduction, log_target=log_target),
                      lambda x, y: TF.kl_div(x, y, reduction=reduction, log_target=log_target), [logq, t],
                      family="losses")


def test_kl_div_zero_target_contributes_nothing():
    logq = np.log(np.array([0.2, 0.3, 0.5]))
    out = F.kl_div(Value(logq), np.array([0.0, 0.5, 0.5]), reduction="sum")
    assert np.isfinite(out.item())
    if torch is not None:
        against_torch(lambda x: F.kl_div(x, np.array([0.0, 0.5, 0.5]), reduction="sum"),
                      lambda x: TF.kl_div(x, torch.tensor([0.0, 0.5, 0.5], dtype=torch.float64), reduction="sum"),
                      [logq], family="losses")


def test_fused_ops_agree_with_their_composites():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    p, y = rng.uniform(0.05, 0.95, (3, 2)), rng.uniform(0, 1, (3, 2))
    for fn, args, options in [(CrossEntropyFn, [z], {"labels": labels}), (BCEFn, [p, y], {}),
                              (BCEWithLogitsFn, [z[:3, :2], y], {})]:
        a = [Value(x) for x in args]
        b = [Value(x) for x in args]
        fused = fn.apply(*a, **options)
        comp = fn().composite(*b, **options)
        np.testing.assert_allclose(fused.data, comp.data, rtol=1e-12)
        fused.backward()
        comp.backward()
        for u, v in zip(a, b):
            np.testing.assert_allclose(u.grad, v.grad, rtol=1e-10, atol=1e-14)


FD = [
    ("cross_entropy smoothing weight ignore", lambda x: F.cross_entropy(
        x, np.array([0, 2, -100, 1]), weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.2), [(4, 3)]),
    ("cross_entropy probabilities", lambda x, q: F.cross_entropy(x, q.softmax(axis=1), reduction="sum"),
     [(2, 3, 2), (2, 3, 2)]),
    ("nll_loss none", lambda x: F.nll_loss(x, np.array([[1, 0]]), reduction="none"), [(1, 2, 2)]),
    ("bce weight", lambda p: F.binary_cross_entropy(p.sigmoid(), np.array([0.0, 1.0, 0.3]),
                                                    weight=np.array([1.0, 2.0, 3.0])), [(3,)]),
    ("bce logits pos_weight", lambda x, y: F.binary_cross_entropy_with_logits(
        x, y.sigmoid(), pos_weight=np.array([2.0, 0.5]), reduction="sum"), [(3, 2), (3, 2)]),
    ("huber", lambda a, b: F.huber_loss(a, b, delta=0.3), [(3, 2), (3, 2)]),
    ("smooth_l1", lambda a, b: F.smooth_l1_loss(a, b, beta=0.3, reduction="sum"), [(3, 2), (3, 2)]),
    ("kl_div", lambda a, b: F.kl_div(a.log_softmax(axis=1), b.softmax(axis=1), reduction="batchmean"),
     [(2, 3), (2, 3)]),
    ("l1 mse", lambda a, b: F.l1_loss(a, b) + F.mse_loss(a, b, reduction="sum"), [(3, 2), (2,)]),
]


@pytest.mark.parametrize("name,fn,shapes", FD, ids=[f[0] for f in FD])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=s) for s in shapes]
    assert gradcheck(fn, *xs)
    assert gradgradcheck(fn, *xs)


def test_functional_module_forms():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    logp = Value(a).log_softmax(axis=1)
    t = np.array([0, 1, 2, 1])
    assert nn.NLLLoss(reduction="sum")(logp, t).item() == pytest.approx(F.nll_loss(logp, t, reduction="sum").item())
    assert nn.HuberLoss(delta=0.5)(Value(a), b).item() == pytest.approx(F.huber_loss(Value(a), b, delta=0.5).item())
    assert nn.SmoothL1Loss(beta=2.0)(a, b).item() == pytest.approx(F.smooth_l1_loss(a, b, beta=2.0).item())
    assert nn.L1Loss()(a, b).item() == pytest.approx(np.abs(a - b).mean())
    q = Value(b).softmax(axis=1)
    assert nn.KLDivLoss(reduction="batchmean")(logp, q).item() == pytest.approx(
        F.kl_div(logp, q, reduction="batchmean").item())
    assert "delta=0.5" in repr(nn.HuberLoss(delta=0.5))


BAD = [
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0.0, 1.0])), ValueError,
     r"cross_entropy: a target of shape \(2,\) must hold integer class indices, got dtype float64"),
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0, 3])), ValueError,
     r"cross_entropy: target 3 is out of range for 3 classes \(input shape \(2, 3\)\)"),
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0, 1, 2])), ValueError,
     r"cross_entropy: input of shape \(2, 3\) needs a target of shape \(2,\)"),
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0, 1]), reduction="avg"), ValueError,
     r"cross_entropy: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0, 1]), weight=np.ones(2)), ValueError,
     r"cross_entropy: weight must have one entry per class, shape \(3,\), got \(2,\)"),
    (lambda: F.cross_entropy(Value(np.ones((2, 3))), np.array([0, 1]), label_smoothing=1.5), ValueError,
     r"label_smoothing must be in \[0, 1\]"),
    (lambda: F.nll_loss(Value(1.0), np.array(0)), ValueError, r"nll_loss: input must have a class dimension"),
    (lambda: F.binary_cross_entropy(Value(np.array([0.5, 1.5])), np.ones(2)), ValueError,
     r"binary_cross_entropy: input \(shape \(2,\)\) must hold probabilities in \[0, 1\]"),
    (lambda: F.binary_cross_entropy_with_logits(Value(np.ones((2, 1))), np.ones(2)), ValueError,
     r"binary_cross_entropy_with_logits: target has shape \(2,\) but input has shape \(2, 1\)"),
    (lambda: F.mse_loss(Value(np.ones(3)), np.ones(4)), ValueError,
     r"mse_loss: input of shape \(3,\) and target of shape \(4,\) do not broadcast"),
    (lambda: F.kl_div(Value(np.ones(3)), np.ones(3), reduction="batch"), ValueError,
     r"kl_div: reduction must be one of 'mean', 'sum', 'none', 'batchmean'"),
    (lambda: F.huber_loss(Value(np.ones(3)), np.ones(3), delta=0), ValueError, r"huber_loss: delta must be positive"),
]


@pytest.mark.parametrize("call,exc,message", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_input_names_the_loss_and_shapes(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_functional_losses_keep_float32():
    x = Value(np.ones((2, 3), dtype=np.float32))
    assert F.cross_entropy(x, np.array([0, 1]), label_smoothing=0.1).dtype == np.float32
    assert F.huber_loss(x, np.zeros((2, 3))).dtype == np.float32
    assert tg.one_hot(np.array([1, 0]), 2).sum() == 2
