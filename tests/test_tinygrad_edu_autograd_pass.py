"""The backward pass's bookkeeping (autograd.GradPass): memory per node, failures that leave
every gradient as it was, passes started inside passes, and the order of the walk."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, Value, backward_steps, grad, topological_order

FACTOR = 1.0000001


def test_a_deep_chain_costs_under_400_bytes_per_node():
    n = 20_000
    x = Value(1.0)
    z = x
    for _ in range(200):  # first-call costs out of the way
        z = z * FACTOR
    z.backward()
    tracemalloc.start()
    try:
        x = Value(1.0)
        z = x
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            z = z * FACTOR
        z.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert float(x.grad) == pytest.approx(FACTOR**n, rel=1e-12)
    assert (peak - before) / n < 400  # graph, backward's bookkeeping and every node's gradient


class Boom(Function):
    """y = 2 x; its backward raises while `armed` is set."""

    armed = False

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        if Boom.armed:
            raise RuntimeError("boom")
        return 2 * grad


def test_a_failing_backward_leaves_every_grad_as_it_was_and_the_next_pass_works():
    x = Value(1.5)
    a = x * x  # da/dx = 2x
    b = Boom.apply(a)  # db/da = 2
    c = b * 3.0 + a  # dc/da = 2 * 3 + 1 = 7
    c.backward()
    assert float(x.grad) == pytest.approx(7 * 2 * 1.5)
    assert float(a.grad) == 7 and float(b.grad) == 3
    Boom.armed = True
    try:
        with pytest.raises(RuntimeError, match="boom"):
            c.backward()
    finally:
        Boom.armed = False
    assert float(x.grad) == pytest.approx(7 * 2 * 1.5)  # nothing accumulated by the failed pass
    assert float(a.grad) == 7 and float(b.grad) == 3
    c.backward()  # no gradient left over in the graph from the failed pass
    assert float(x.grad) == pytest.approx(2 * 7 * 2 * 1.5)
    assert float(a.grad) == 7 and float(b.grad) == 3


def test_a_pass_inside_a_pass_through_the_same_nodes():
    x, x2 = Value(0.7), Value(2.0)
    y = x * x
    z = y * y + y  # dz/dy = 2y + 1, dz/dx = (2y + 1) 2x
    w = x2 * y  # a second output over the same y
    inner: list = []

    def nested(g):  # runs when the outer pass reaches y; the passes it starts go through y too
        if not inner:
            inner.append("running")
            inner.append(float(grad(y * x, [x])[0].data))  # d(x^3)/dx = 3x^2
            w.backward()  # dw/dx = x2 * 2x into x.grad, x^2 into x2.grad

    y.register_hook(nested)
    z.backward()
    assert inner[1] == pytest.approx(3 * 0.7**2)
    assert float(y.grad) == pytest.approx(2 * 0.49 + 1)  # the outer pass's, written last
    assert float(x.grad) == pytest.approx((2 * 0.49 + 1) * 2 * 0.7 + 2.0 * 2 * 0.7)
    assert float(x2.grad) == pytest.approx(0.49)


def _random_graph(rng: np.random.Generator, n: int) -> tuple[list[Value], Value]:
    leaves = [Value(float(rng.uniform(0.5, 1.5)), requires_grad=bool(rng.random() < 0.8)) for _ in range(3)]
    nodes = list(leaves)
    for _ in range(n):
        a, b = (nodes[int(i)] for i in rng.integers(0, len(nodes), 2))
        op = rng.integers(0, 3)
        nodes.append(a * b if op == 0 else a + b if op == 1 else (a * 0.5).tanh())
    root = nodes[-1]
    for v in nodes[-6:-1]:
        root = root + v
    return leaves, root


def _ancestors(root: Value) -> set[Value]:
    seen, todo = set(), [root]
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo.extend(v.parents)
    return seen


@pytest.mark.parametrize("seed", range(5))
def test_topological_order_and_the_walk_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    leaves, root = _random_graph(rng, 40)
    order = topological_order(root)
    assert len(order) == len(set(order)) and set(order) == _ancestors(root)
    where = {v: i for i, v in enumerate(order)}
    assert all(where[p] < where[v] for v in order for p in v.parents)
    steps = list(backward_steps(root))
    done = set()
    for s in steps:  # a node's step comes after the steps of every op that uses it
        users = [v for v in order if s.node in v.parents and v.requires_grad]
        assert all(u in done for u in users if u.op)
        done.add(s.node)
    wanted = [v for v in leaves if v.requires_grad and v in where]
    if wanted:
        got = grad(root, wanted)
        for v, g in zip(wanted, got):  # central differences, float64
            old = v.data
            v.data = old + 1e-6
            hi = float(_rebuild(root).data)
            v.data = old - 1e-6
            lo = float(_rebuild(root).data)
            v.data = old
            assert float(g.data) == pytest.approx((hi - lo) / 2e-6, rel=1e-5, abs=1e-7)


def _rebuild(root: Value) -> Value:
    """The same expression recomputed from the leaves' current data (for finite differences)."""
    memo: dict[Value, Value] = {}
    for v in topological_order(root):
        if not v.parents:
            memo[v] = v
        elif v.op == "mul":
            memo[v] = memo[v.parents[0]] * memo[v.parents[1]]
        elif v.op == "add":
            memo[v] = memo[v.parents[0]] + memo[v.parents[1]]
        else:
            memo[v] = memo[v.parents[0]].tanh()
    return memo[root]


def test_grad_of_intermediates_reached_or_not():
    x = Value(3.0)
    y = x * x
    z = y * 2.0
    other = x * 5.0  # an intermediate the output does not depend on
    gy, gx = grad(z, [y, x])
    assert float(gy.data) == 2 and float(gx.data) == 12
    with pytest.raises(ValueError, match="not used"):
        grad(z, [other])
    (g,) = grad(z, [other], allow_unused=True)
    assert float(g.data) == 0


def test_number_constants_are_separate_values_with_the_dtype_they_meet():
    k = 1.5
    x64, x32 = Value(2.0), Value(np.float32(2.0))
    a, b, c = x64 * k, x64 * k, x32 * k
    ka, kb, kc = a.parents[1], b.parents[1], c.parents[1]
    assert ka is not kb and not ka.requires_grad and len(topological_order(a + b)) == 6
    assert ka.data.dtype == np.float64 and kc.data.dtype == np.float32 and c.data.dtype == np.float32
    ka.label = "k"
    assert kb.label == ""
    ka.data = 3.0  # replacing one constant's data leaves the other's alone
    assert float(kb.data) == 1.5


def test_second_order_through_the_pass():
    x = Value(0.3)
    y = (x * x * x).tanh()  # y' = 3x^2 (1 - y^2)
    (g,) = grad(y, [x], create_graph=True)
    (h,) = grad(g, [x])
    t = np.tanh(0.3**3)
    assert float(g.data) == pytest.approx(3 * 0.09 * (1 - t**2))
    # y'' = 6x (1 - y^2) - 2 y (3x^2)^2 (1 - y^2)
    assert float(h.data) == pytest.approx(6 * 0.3 * (1 - t**2) - 2 * t * (3 * 0.09) ** 2 * (1 - t**2))
    assert tg.gradgradcheck(lambda v: (v * v * v).tanh(), Value(np.array([0.3, -0.5])))
