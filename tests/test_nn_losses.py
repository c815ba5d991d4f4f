"""Losses against HIPS autograd references, stability for +-100 logits, and label errors."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as agrad
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from tinygrad_edu import Value, gradcheck

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
