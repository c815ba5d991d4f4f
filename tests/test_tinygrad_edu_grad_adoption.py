"""A leaf's first gradient is kept as it is when nothing else refers to it (no copy), as torch's
AccumulateGrad steals it; anything shared, a view or another layout is copied, so no two
`.grad` arrays ever share memory."""

import weakref

import numpy as np

from tinygrad_edu import Function, Value


class FreshGrad(Function):
    """y = 2 x; its backward returns a new array and remembers it only weakly."""

    name = "test_fresh_grad"
    made: list = []

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        g = 2 * grad
        FreshGrad.made.append(weakref.ref(g))
        return g


class KeptGrad(Function):
    """y = 2 x; its backward also keeps the array it returns (someone else holds it)."""

    name = "test_kept_grad"
    kept: list = []

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        g = 2 * grad
        KeptGrad.kept.append(g)
        return g


class TransposedGrad(Function):
    """y = 2 x; its backward returns a transposed (F-order) view of a new array."""

    name = "test_transposed_grad"

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        return np.ascontiguousarray(2 * grad.T).T


def test_a_fresh_gradient_is_kept_without_a_copy_and_later_ones_add_into_it():
    x = Value(np.arange(6.0).reshape(2, 3))
    FreshGrad.made.clear()
    FreshGrad.apply(x).sum().backward()
    assert FreshGrad.made[0]() is x.grad  # the very array the rule returned
    buffer = x.grad
    FreshGrad.apply(x).sum().backward()
    assert x.grad is buffer  # accumulated in place
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 4.0))


def test_a_gradient_someone_else_holds_is_copied():
    x = Value(np.ones(4))
    KeptGrad.kept.clear()
    KeptGrad.apply(x).sum().backward()
    assert x.grad is not KeptGrad.kept[0]
    x.grad[0] = 99.0  # writing our gradient leaves theirs alone
    np.testing.assert_array_equal(KeptGrad.kept[0], np.full(4, 2.0))


def test_one_gradient_sent_to_two_leaves_gives_each_its_own_buffer():
    a, b = Value(np.ones(3)), Value(np.ones(3))
    s = a + b  # Add hands the same upstream array to both inputs (and s keeps its .grad)
    s.sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, s.grad)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, np.ones(3))
    np.testing.assert_array_equal(s.grad, np.ones(3))


def test_views_and_other_layouts_are_copied_to_c_order():
    x = Value(np.ones((3, 4)))
    TransposedGrad.apply(x).sum().backward()
    assert x.grad.flags.c_contiguous and x.grad.base is None
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 2.0))
    y = Value(np.ones((2, 3)))
    (y * 3).sum().backward()  # sum's gradient is a broadcast view
    assert x.grad.flags.writeable and y.grad.flags.writeable and y.grad.base is None
    np.testing.assert_array_equal(y.grad, np.full((2, 3), 3.0))


def test_a_users_seed_is_never_adopted():
    x = Value(np.ones(3))
    seed = np.array([1.0, 2.0, 3.0])
    x.backward(seed)  # a leaf is its own output: its gradient is the seed
    assert x.grad is not seed
    x.grad[0] = 50.0
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])
