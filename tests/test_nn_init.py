"""nn.init: variances within 5% of theory, fan computation, in-place and dtype-preserving."""

from __future__ import annotations

import numpy as np
import pytest

from nn import init
from tinygrad_edu import Value, manual_seed


@pytest.mark.parametrize("fn,shape,var", [
    (init.he_normal_, (400, 1000), 2 / 1000),
    (init.he_uniform_, (400, 1000), 2 / 1000),
    (init.xavier_normal_, (400, 1000), 2 / 1400),
    (init.xavier_uniform_, (400, 1000), 2 / 1400),
    (init.he_normal_, (64, 32, 3, 3), 2 / (32 * 9)),
    (init.xavier_uniform_, (64, 32, 3, 3), 2 / (32 * 9 + 64 * 9)),
])
def test_variances_match_theory(fn, shape, var):
    manual_seed(0)
    v = Value(np.zeros(shape))
    out = fn(v)
    assert out is v
    assert abs(v.data.var() / var - 1) < 0.05
    assert abs(v.data.mean()) < 0.05 * np.sqrt(var)


def test_gain_scales_std_and_normal():
    manual_seed(0)
    v = init.he_normal_(Value(np.zeros((300, 1000))), gain=3.0)
    assert abs(v.data.var() / (9 * 2 / 1000) - 1) < 0.05
    v = init.normal_(Value(np.zeros((500, 500))), mean=1.0, std=0.5)
    assert abs(v.data.mean() - 1) < 0.01 and abs(v.data.std() / 0.5 - 1) < 0.05


def test_uniform_bounds():
    manual_seed(0)
    v = init.he_uniform_(Value(np.zeros((100, 600))))
    assert np.abs(v.data).max() <= np.sqrt(6 / 600)


def test_fans_like_torch():
    assert init._calculate_fan_in_and_fan_out((5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out((8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError, match="at least 2"):
        init._calculate_fan_in_and_fan_out((5,))


def test_constant_and_zeros_in_place_keep_dtype():
    v = Value(np.ones((3, 2), dtype=np.float32))
    init.constant_(v, 0.5)
    assert v.dtype == np.float32 and np.all(v.data == 0.5)
    init.zeros_(v)
    assert np.all(v.data == 0)
    init.xavier_uniform_(v)
    assert v.dtype == np.float32 and v.shape == (3, 2)


def test_seeded_repeatable():
    manual_seed(7)
    a = init.he_normal_(Value(np.zeros((4, 4)))).data.copy()
    manual_seed(7)
    np.testing.assert_array_equal(a, init.he_normal_(Value(np.zeros((4, 4)))).data)


def test_constant_init_keeps_units_identical():
    """The symmetry lesson: with constant weights every hidden unit gets the same gradient."""
    from nn import Linear

    l1, l2 = Linear(3, 4, init="zeros"), Linear(4, 1)
    init.constant_(l1.weight, 0.3)
    init.constant_(l2.weight, 0.5)
    x = np.random.default_rng(0).normal(size=(8, 3))
    l2(l1(x).tanh()).sum().backward()
    g = l1.weight.grad
    assert np.allclose(g, g[0:1])  # every row (unit) the same


def test_docstrings_explain_the_why():
    doc = init.__doc__
    assert "2 / fan_in" in doc and "2 / (fan_in + fan_out)" in doc and "symmetry" in doc
