"""Function's per-op footprint (slots) and what it must keep allowing: a user's op may set any
attribute, options and anomaly mode's fields still read and write as before."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tinygrad_edu import AnomalyError, Function, Value, detect_anomaly, gradcheck


def test_a_scalar_op_costs_a_value_and_a_function_of_80_bytes_each():
    x = Value(2.0)
    y = x * 3.0
    assert sys.getsizeof(y) <= 80 and sys.getsizeof(y._ctx) <= 80
    assert not hasattr(y._ctx, "__dict__")  # the library's ops carry no instance dict
    with pytest.raises(AttributeError):
        x.no_such_field = 1  # Values stay strict: a typo is an error, not a new attribute


def test_every_engine_op_is_slotted_mixins_included():
    # a helper base without __slots__ (e.g. a mixin shared by two ops) would bring the dict back
    engine_ops = [cls for cls in Function.registry.values() if cls.__module__.startswith("tinygrad_edu.")]
    assert len(engine_ops) > 40
    with_dict = [cls.__name__ for cls in engine_ops if cls.__dictoffset__ != 0]
    assert not with_dict, with_dict


class Cube(Function):
    """y = x**3;  dy/dx = 3 x**2 (keeps x in an attribute of its own choosing)."""

    def forward(self, x):
        self.x_seen = x
        return x**3

    def backward(self, grad):
        return grad * 3 * self.x_seen**2


def test_a_users_op_may_set_any_attribute():
    x = Value(np.array([0.5, -2.0]))
    y = Cube.apply(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * np.array([0.5, -2.0]) ** 2)
    assert gradcheck(lambda v: Cube.apply(v).sum(), Value(np.array([0.3, 1.1])))


def test_options_and_anomaly_fields():
    x = Value(np.arange(6.0).reshape(2, 3))
    s = x.sum(axis=1)
    assert dict(s._ctx.options) == {"axis": 1, "keepdims": False}
    m = x * 2.0
    assert dict(m._ctx.options) == {} and m._ctx.created_at is None and m._ctx.user_op == ""
    with pytest.raises(TypeError):
        m._ctx.options["axis"] = 0  # the shared default is read-only
    with detect_anomaly():
        q = x.sqrt()
        assert q._ctx.user_op == "sqrt" and __file__ in q._ctx.created_at
        with pytest.raises(AnomalyError, match=r"sqrt: pow .*test_tinygrad_edu_function.py"), \
                np.errstate(invalid="ignore"):
            (x - 10.0).sqrt()
