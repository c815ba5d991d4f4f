"""tinygrad_edu.grad_utils: one zero_grad meaning and torch's clipping, NaN and Inf included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import optim
from tinygrad_edu import Value
from tinygrad_edu.grad_utils import clip_grad_norm_, clip_grad_value_, zero_grad


def with_grads(*grads):
    out = []
    for g in grads:
        v = Value(np.zeros(np.shape(g)))
        v.grad = np.array(g, dtype=np.float64)
        out.append(v)
    return out


def test_one_function_behind_every_name():
    assert optim.clip_grad_norm_ is clip_grad_norm_ and optim.clip_grad_value_ is clip_grad_value_
    a, b = with_grads([3.0, 0.0], [0.0, 4.0])
    assert nn.callbacks.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(b.grad, [0.0, 0.8], rtol=1e-5)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_module_and_optimizer_zero_grad_mean_the_same(set_to_none):
    lin = nn.Linear(3, 2)
    results = []
    for reset in (lambda: lin.zero_grad(set_to_none=set_to_none),
                  lambda: optim.SGD(lin.parameters(), lr=0.1).zero_grad(set_to_none=set_to_none)):
        lin(np.ones((4, 3))).sum().backward()
        held = lin.weight.grad
        reset()
        assert np.all(lin.weight.grad == 0)
        results.append(lin.weight.grad is held)
        lin(np.ones((4, 3))).sum().backward()
        np.testing.assert_allclose(lin.weight.grad, 4.0)  # started from zero, not accumulated
        zero_grad(lin.parameters())
    assert results == [not set_to_none] * 2


def test_clip_norm_nan_makes_every_gradient_nan_like_torch():
    a, b = with_grads([np.nan, 1.0], [2.0])
    total = clip_grad_norm_([a, b], 1.0)
    assert math.isnan(total) and np.all(np.isnan(a.grad)) and np.all(np.isnan(b.grad))


def test_clip_norm_inf_zeroes_the_finite_entries_like_torch():
    (a,) = with_grads([np.inf, 1.0])
    assert clip_grad_norm_(a, 1.0) == math.inf
    assert math.isnan(a.grad[0]) and a.grad[1] == 0.0


def test_clip_norm_error_if_nonfinite():
    (a,) = with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad, [np.inf, 1.0])  # untouched


def test_the_callback_follows_the_same_nan_rule():
    (a,) = with_grads([np.nan, 1.0])
    assert math.isnan(nn.callbacks.clip_grad_norm([a], 1.0)) and np.all(np.isnan(a.grad))


def test_bad_bounds_are_refused():
    (a,) = with_grads([1.0])
    for bad in (-1.0, math.nan):
        with pytest.raises(ValueError, match="max_norm"):
            clip_grad_norm_(a, bad)
        with pytest.raises(ValueError, match="clip_value"):
            clip_grad_value_(a, bad)
    with pytest.raises(TypeError, match="expects Values"):
        clip_grad_norm_([np.ones(2)], 1.0)


def test_clip_value_keeps_nan_and_clamps_the_rest():
    (a,) = with_grads([np.nan, 5.0, -7.0, 0.5])
    clip_grad_value_(a, 1.0)
    assert math.isnan(a.grad[0])
    np.testing.assert_array_equal(a.grad[1:], [1.0, -1.0, 0.5])


def test_frozen_parameters_are_left_alone():
    (a,) = with_grads([30.0, 40.0])
    frozen = Value(np.zeros(2), requires_grad=False)
    frozen.grad = np.array([100.0, 0.0])
    assert clip_grad_norm_([a, frozen], 1.0) == pytest.approx(50.0)
    np.testing.assert_array_equal(frozen.grad, [100.0, 0.0])


# magnitudes where float64 squares neither underflow nor overflow (there torch and we may round differently)
entries = st.floats(-1e3, 1e3).filter(lambda x: x == 0 or abs(x) > 1e-100)
grads = st.lists(entries | st.sampled_from([np.nan, np.inf, -np.inf]), min_size=1, max_size=5)


def test_the_two_norm_neither_underflows_nor_overflows():
    tiny, huge = with_grads([3e-200, 4e-200], [3e200, 4e200])
    assert clip_grad_norm_(tiny, 1.0) == pytest.approx(5e-200)
    assert clip_grad_norm_(huge, 1.0) == pytest.approx(5e200)
    np.testing.assert_allclose(huge.grad, [0.6, 0.8], rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(grads, min_size=1, max_size=3), st.floats(0.0, 10.0), st.sampled_from([2.0, 1.0, math.inf]))
def test_clipping_matches_torch(values, max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ours = with_grads(*values)
    theirs = []
    for g in values:
        t = torch.zeros(len(g), dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g, dtype=torch.float64)
        theirs.append(t)
    with np.errstate(all="ignore"):
        total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = float(torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type))
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-300)
    clip_grad_value_(ours, max_norm)
    torch.nn.utils.clip_grad_value_(theirs, max_norm)
    for o, t in zip(ours, theirs):  # equal up to the last bit the norm scaling left
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-300)
