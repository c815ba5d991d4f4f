"""nn.scalar: micrograd-style networks over scalar Values: correct gradients, and fast."""

from __future__ import annotations

import time

import numpy as np

from nn.scalar import MLP, Layer, Neuron
from tinygrad_edu import Value, gradcheck, manual_seed


def test_neuron_forward_and_gradients():
    manual_seed(0)
    n = Neuron(3)
    x = [Value(1.0), Value(-2.0), Value(0.5)]
    out = n(x)
    w = np.array([p.data for p in n.w])
    pre = float(w @ [1.0, -2.0, 0.5] + n.b.data)
    assert out.item() == max(pre, 0.0)
    out.backward()
    active = float(pre > 0)
    np.testing.assert_allclose([xi.grad for xi in x], w * active)
    np.testing.assert_allclose([p.grad for p in n.w], np.array([1.0, -2.0, 0.5]) * active)
    assert n.b.grad == active
    assert len(n.parameters()) == 4 and all(p.shape == () for p in n.parameters())


def test_dot_gradcheck():
    manual_seed(1)
    n = Neuron(4, nonlin=False)
    assert gradcheck(lambda *xs: n(list(xs)), *[float(v) for v in np.random.default_rng(0).normal(size=4)])


def test_layer_and_mlp_shapes_and_parameters():
    manual_seed(0)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)
    m = MLP(2, [16, 16, 1])
    assert len(m.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == m.num_parameters()
    assert isinstance(m(np.array([0.1, 0.2])), Value)
    assert not m.layers[-1].neurons[0].nonlin and m.layers[0].neurons[0].nonlin


def test_matches_tensor_computation():
    manual_seed(0)
    m = MLP(3, [5, 2])
    x = np.array([0.3, -1.0, 2.0])
    out = m(x)
    h = np.maximum(0, np.array([[p.data for p in n.w] for n in m.layers[0].neurons]) @ x
                   + [n.b.data for n in m.layers[0].neurons])
    y = np.array([[p.data for p in n.w] for n in m.layers[1].neurons]) @ h + [n.b.data for n in m.layers[1].neurons]
    np.testing.assert_allclose([o.item() for o in out], y)


def test_speed_2_16_16_1_over_100_points():
    """micrograd needs about 1.1 s for this forward + backward; we must be well under it."""
    manual_seed(0)
    m = MLP(2, [16, 16, 1])
    X = np.random.default_rng(0).normal(size=(100, 2))
    y = np.sign(X[:, 0])
    t = time.perf_counter()
    losses = [(1 + -yi * m(list(xi))).relu() for xi, yi in zip(X, y)]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    (total * (1.0 / len(losses))).backward()
    elapsed = time.perf_counter() - t
    assert elapsed < 0.5, elapsed
    assert any(p.grad != 0 for p in m.parameters())


def test_unfused_neuron_builds_micrographs_graph_with_the_same_gradients():
    import pytest

    from nn.scalar import MLP as ScalarMLP
    from tinygrad_edu import manual_seed, topological_order

    manual_seed(5)
    fused = ScalarMLP(3, [4, 1])
    manual_seed(5)
    plain = ScalarMLP(3, [4, 1], fused=False)
    x = [0.5, -1.0, 2.0]
    out_f, out_p = fused(x), plain(x)
    assert out_f.item() == pytest.approx(out_p.item())
    out_f.backward()
    out_p.backward()
    for a, b in zip(fused.parameters(), plain.parameters()):
        assert float(a.grad) == pytest.approx(float(b.grad))
    ops = {v.op for v in topological_order(out_p)}
    assert "dot" not in ops and {"mul", "add", "relu"} <= ops
    assert np.isfinite(out_p.item())


def test_layer_wraps_number_inputs_once_for_all_its_neurons():
    """Numbers become one constant Value each, shared by every neuron's op (not one per neuron),
    and the outputs are the plain w . x + b."""
    from tinygrad_edu import topological_order

    manual_seed(2)
    layer = Layer(2, 3, nonlin=False)
    outs = layer([0.5, -1.0])
    inputs = [[p for p in o._ctx.parents if not p.requires_grad] for o in outs]
    assert all(len(xs) == 2 for xs in inputs)
    assert all(a is b for xs in inputs[1:] for a, b in zip(xs, inputs[0]))
    assert [float(x.data) for x in inputs[0]] == [0.5, -1.0]
    for n, o in zip(layer.neurons, outs):
        assert o.item() == float(np.dot([p.data for p in n.w], [0.5, -1.0]) + n.b.data)
    drawn = {id(v) for o in outs for v in topological_order(o) if not v.requires_grad}
    assert drawn == {id(x) for x in inputs[0]}  # a drawing of the layer shows 2 input boxes, not 6
