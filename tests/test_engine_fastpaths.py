"""The engine's speed paths give what the plain formulas give: ReLU against an array of zeros
(forward equals np.maximum(x, 0) bit for bit, including -inf, nan and 0-d inputs; gradient the
mask), and the gradient buffer of a leaf copied directly instead of through broadcast_to (still
a buffer of its own, still accumulating, broadcasting still reduced)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Value


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_equals_the_plain_formula(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((33, 17)).astype(dtype)
    x[0, :4] = [-np.inf, np.inf, np.nan, 0.0]
    v = Value(x.copy())
    y = v.relu()
    np.testing.assert_array_equal(y.data, np.maximum(x, 0))
    assert y.data.dtype == dtype
    g = rng.standard_normal(x.shape).astype(dtype)
    y.backward(g)
    np.testing.assert_array_equal(v.grad, g * (x > 0))


def test_relu_of_a_scalar_stays_a_scalar():
    for x in (-2.0, 3.0):
        v = Value(x)
        y = v.relu()
        assert np.ndim(y.data) == 0 and float(y.data) == max(x, 0.0)
        y.backward()
        assert float(v.grad) == (1.0 if x > 0 else 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaf_gradient_buffers_are_owned_and_accumulate(dtype):
    a = Value(np.arange(6, dtype=dtype).reshape(2, 3))
    b = Value(np.ones((2, 3), dtype=dtype))
    (a + b).sum().backward()  # both receive the very same upstream array
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad[0, 0] = 5
    assert b.grad[0, 0] == 1
    (a * b).sum().backward()  # accumulates into the existing buffers
    np.testing.assert_array_equal(b.grad, 1 + a.data)
    c = Value(np.ones(3, dtype=dtype))
    (a * c).sum().backward()  # broadcast: reduced to c's shape
    np.testing.assert_array_equal(c.grad, a.data.sum(axis=0))
    assert c.grad.dtype == dtype


def test_add_with_a_constant_or_frozen_operand_still_gives_the_variable_its_gradient():
    x = Value(np.arange(6.0).reshape(2, 3))
    ((x + 0.001) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    frozen = Value(np.ones((3,)), requires_grad=False)
    y = Value(np.ones((2, 1)))
    (y + frozen).sum().backward()
    np.testing.assert_array_equal(y.grad, np.full((2, 1), 3.0))
    assert not frozen.requires_grad
