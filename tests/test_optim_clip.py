"""optim.clip: torch's clip_grad_norm_ and clip_grad_value_ under their optim names."""

from __future__ import annotations

import numpy as np
import pytest

import optim
from tinygrad_edu import Value

# ---------------------------------------------------------------- clipping


def test_clip_grad_norm_returns_norm_before_clipping():
    a, b = Value(np.zeros(3)), Value(np.zeros(2))
    a.grad = np.array([3.0, 0.0, 0.0])
    b.grad = np.array([0.0, 4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    joint = np.sqrt(np.sum(a.grad**2) + np.sum(b.grad**2))
    assert joint == pytest.approx(1.0 * 5.0 / (5.0 + 1e-6))
    np.testing.assert_allclose(a.grad / b.grad[1], [0.75, 0, 0])  # direction kept


def test_clip_grad_norm_leaves_small_gradients_and_handles_inf_norm():
    a = Value(np.zeros(2))
    a.grad = np.array([0.3, -0.4])
    assert optim.clip_grad_norm_(a, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, -0.4])
    assert optim.clip_grad_norm_([a], max_norm=0.1, norm_type=float("inf")) == pytest.approx(0.4)
    np.testing.assert_allclose(np.max(np.abs(a.grad)), 0.1, rtol=1e-5)
    assert optim.clip_grad_norm_([a], max_norm=1.0, norm_type=1) == pytest.approx(0.175, rel=1e-4)


def test_clip_grad_value():
    a, s = Value(np.zeros(3)), Value(0.0)
    a.grad = np.array([-5.0, 0.5, 2.0])
    s.grad = np.array(-3.0)
    optim.clip_grad_value_([a, s], clip_value=1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5, 1.0])
    assert s.grad == -1.0
