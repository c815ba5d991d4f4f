"""Dropout (nn/layers/dropout.py): inverted and classic scaling, the mask in the gradient, seeding,
argument errors, dtype."""

from __future__ import annotations

import numpy as np
import pytest

from nn import Dropout
from tinygrad_edu import Value, manual_seed


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
