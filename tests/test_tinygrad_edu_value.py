"""Value (tinygrad_edu/value.py) and its backward semantics: accumulation, shared nodes, intermediate
reset, depth, dtypes, no_grad; the gradient buffer of a leaf copied directly instead of through
broadcast_to (still a buffer of its own, still accumulating, broadcasting still reduced)."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from tinygrad_edu import Function, Value, manual_seed, no_grad, topological_order
from tinygrad_edu.mode import enable_grad, is_grad_enabled


def test_scalar_example_and_repr():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a**2
    c.backward()
    assert float(a.grad) == 1.0 and float(b.grad) == 2.0
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert "shape=(2, 3)" in repr(Value(np.zeros((2, 3), np.float32))) and "float32" in repr(
        Value(np.zeros((2, 3), np.float32)))
    assert c.op == "add" and a.op == "" and c.parents[1].op == "pow"


def test_shared_subexpressions_sum_their_gradients():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    assert float(a.grad) == 4 * 2 * 3.0  # c = 4a^2
    x = Value(1.5)
    y = x + x
    z = y + y
    z.backward()
    assert float(x.grad) == 4.0  # micrograd's double-count case


def test_leaf_grads_accumulate_and_intermediates_reset():
    a = Value(2.0)
    b = a * 3.0
    c = b * b
    c.backward()
    assert float(b.grad) == 12.0 and float(a.grad) == 36.0
    c.backward()
    assert float(b.grad) == 12.0  # intermediate: this pass's gradient, not 24
    assert float(a.grad) == 72.0  # leaf: accumulates until zeroed
    a.zero_grad()
    c.backward()
    assert float(a.grad) == 36.0


def test_grad_is_zeros_before_backward_and_owned():
    w = Value(np.ones((2, 3), np.float32))
    assert w.grad.shape == (2, 3) and w.grad.dtype == np.float32 and not w.grad.any()
    x, y = Value(np.ones(3)), Value(np.ones(3))
    (x + y).sum().backward()
    x.grad *= 5  # in-place edits of one leaf's grad never leak into another's
    np.testing.assert_array_equal(y.grad, np.ones(3))


def test_million_node_chain_is_iterative():
    n = 1_000_000
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    z = x
    for _ in range(n):
        z = z * 1.0000001
    z.backward()
    np.testing.assert_allclose(float(x.grad), 1.0000001**n, rtol=1e-9)
    assert sys.getrecursionlimit() == limit


def test_topological_order_inputs_first_each_once():
    a = Value(1.0)
    b = a * 2
    c = b + b
    order = topological_order(c)
    assert order[-1] is c and order.index(a) < order.index(b) < order.index(c)
    assert len(order) == len(set(map(id, order)))


def test_backward_errors_are_clear_and_leave_grads_untouched():
    x = Value(np.ones((2, 3)))
    y = x * 2
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\.sum\(\)\.backward\(\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))
    assert not x.grad.any()
    y.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, 2 * np.ones((2, 3)))
    with pytest.raises(ValueError, match="does not require grad"):
        Value(1.0, requires_grad=False).backward()


def test_bad_inputs_raise_named_errors():
    with pytest.raises(TypeError, match="strings"):
        Value("abc")
    with pytest.raises(TypeError, match="objects"):
        Value(np.array([object(), 1], dtype=object))
    with pytest.raises(TypeError, match="complex"):
        Value(1 + 2j)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        Value(np.ones((2, 3))) @ Value(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        Value(np.ones((2, 3))) + Value(np.ones(4))
    with pytest.raises(IndexError, match=r"getitem.*\(3,\)"):
        Value(np.ones(3))[5]
    with pytest.raises(ValueError, match=r"getitem"):  # also a ValueError, as the contract asks
        Value(np.ones(3))[np.array([0, 7])]
    with pytest.raises(ValueError, match="item"):
        Value(np.ones(3)).item()


def test_dtype_rules():
    assert Value(2).dtype == np.float64 and Value(2.5).dtype == np.float64
    assert Value(np.arange(3)).dtype == np.float64
    assert Value([[1, 2], [3, 4]]).shape == (2, 2)
    f32 = Value(np.ones(3, np.float32))
    assert f32.dtype == np.float32
    for out in (f32 * 2.0, 2.0 * f32, f32 + 1, f32 / 3.0, 1.0 - f32, f32**2, f32.exp(), f32.mean(), f32.sigmoid()):
        assert out.dtype == np.float32, out.op
    assert Value(np.ones(2), dtype=np.float32).dtype == np.float32
    f32.sum().backward()
    assert f32.grad.dtype == np.float32


def test_data_is_assignable_and_array_like():
    p = Value(np.array([1.0, 2.0]))
    (p * p).sum().backward()
    p.data = p.data - 0.1 * p.grad
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    s = Value(3.0)
    s.data = 4
    assert s.item() == 4.0 and np.asarray(s.data).shape == ()
    assert np.asarray(Value([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert isinstance(Value(1.0).numpy(), np.ndarray)
    p.label = "w"
    assert p.label == "w"


def test_numpy_array_on_the_left_defers_to_value():
    v = Value(np.ones(3))
    out = np.arange(3.0) * v
    assert isinstance(out, Value)
    out.sum().backward()
    np.testing.assert_array_equal(v.grad, [0, 1, 2])


def test_detach_and_no_grad():
    x = Value(2.0)
    with no_grad():
        y = x * 3
        assert not is_grad_enabled()
        with enable_grad():
            assert (x * 1).requires_grad
    assert is_grad_enabled()
    assert not y.requires_grad and y.parents == ()
    assert not x.detach().requires_grad

    @no_grad()
    def f(v):
        return v * v

    assert not f(x).requires_grad and is_grad_enabled()


def test_no_grad_is_per_thread():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append((Value(1.0) * 2).requires_grad))
        t.start()
        t.join()
    assert seen == [True]


def test_manual_seed_repeats():
    from tinygrad_edu import get_rng

    manual_seed(3)
    a = get_rng().random(4)
    manual_seed(3)
    np.testing.assert_array_equal(a, get_rng().random(4))


def test_function_extension_point():
    class Cube(Function):
        def forward(self, x):
            self.saved = x
            return x**3

        def backward(self, grad):
            return grad * 3 * self.saved**2

    x = Value(2.0)
    y = Cube.apply(x)
    y.backward()
    assert y.op == "cube" and float(y.data) == 8.0 and float(x.grad) == 12.0
    assert Function.registry["cube"] is Cube
    assert {"add", "mul", "matmul", "sum", "max", "getitem"} <= set(Function.registry)


def test_jupyter_display_hook():
    import shutil

    b = Value(2.0, label="a") * 3
    bundle = b._repr_mimebundle_()
    assert bundle["text/plain"] == repr(b)
    if shutil.which("dot"):
        assert "<svg" in bundle["image/svg+xml"]


def test_user_op_may_return_python_numbers():
    class Half(Function):
        def forward(self, x):
            return float(x) / 2  # a Python float, not numpy

        def backward(self, grad):
            return grad * 0.5

    x = Value(3.0)
    y = Half.apply(x)
    assert y.shape == () and y.dtype == np.float64
    y.backward()
    assert float(x.grad) == 0.5


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

