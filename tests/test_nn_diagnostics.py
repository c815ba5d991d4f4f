"""nn.diagnostics: the vanishing-gradient lesson, the statistics, the verdicts and the report."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import SGD

import nn
from nn.data import make_moons
from nn.diagnostics import (
    DEAD_FRACTION,
    SATURATED_FRACTION,
    VANISHING_RATIO,
    GradientMonitor,
    gradient_flow,
    verdict,
)
from tinygrad_edu import manual_seed

KEYS = {"step", "layer", "type", "index", "grad_norm", "grad_mean_abs", "grad_max_abs", "weight_norm",
        "weight_std", "update_ratio", "activation", "act_mean", "act_std", "out_mean", "out_std",
        "saturated", "dead", "ratio_to_last", "verdict"}


def moons(n=128, seed=0):
    return make_moons(n, noise=0.1, random_state=seed)


def deep(activation, seed=0, **kw):
    """20 Linear layers (19 hidden of width 32) and the loss of one batch of moons."""
    manual_seed(seed)
    X, y = moons(seed=seed)
    model = nn.MLP(2, [32] * 19, 2, activation=activation, **kw)
    return model, nn.cross_entropy(model(X), y)


# ----------------------------------------------------------------------------- the lesson

@pytest.mark.parametrize("seed", [0, 1])
def test_deep_sigmoid_network_has_vanishing_gradients_in_its_first_layers(seed):
    model, loss = deep("sigmoid", seed)  # default init (Xavier for sigmoid)
    layers = gradient_flow(model, loss).latest()
    assert len(layers) == 20
    assert [r["verdict"] for r in layers[:5]] == ["vanishing"] * 5
    assert layers[-1]["verdict"] == "healthy" and layers[-1]["ratio_to_last"] == 1.0
    # orders of magnitude: each sigmoid layer multiplies the gradient by at most 0.25
    assert layers[0]["grad_norm"] < 1e-6 * layers[-1]["grad_norm"]
    norms = [r["grad_norm"] for r in layers]
    assert norms[0] < norms[5] < norms[10] < norms[15] < norms[19]


@pytest.mark.parametrize("seed", [0, 1])
def test_deep_relu_with_he_init_is_healthy(seed):
    model, loss = deep("relu", seed, init="he")
    layers = gradient_flow(model, loss).latest()
    verdicts = [r["verdict"] for r in layers]
    assert not {"vanishing", "exploding"} & set(verdicts)
    assert verdicts[:5] == ["healthy"] * 5
    assert 1e-2 < layers[0]["ratio_to_last"] < 1e2  # flat, not falling by orders of magnitude


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_deep_network_with_batchnorm_is_healthy(activation):
    model, loss = deep(activation, batchnorm=True)
    layers = gradient_flow(model, loss).latest()
    # BN's per-feature scale belongs to its Linear's block: same depth as without BN, and the
    # activation after Linear -> BN -> act is reported on the Linear's row
    assert {r["type"] for r in layers} == {"Linear"}
    assert len(layers) == len(gradient_flow(*deep(activation, batchnorm=False)).latest())
    assert all(r["act_mean"] is not None for r in layers[:-1])
    assert [r["verdict"] for r in layers] == ["healthy"] * len(layers)
    assert layers[0]["grad_norm"] > 1e-2 * layers[-1]["grad_norm"]


def test_report_names_layers_verdicts_and_thresholds():
    model, loss = deep("sigmoid")
    text = gradient_flow(model, loss).report()
    assert isinstance(text, str)
    for needle in ("0 ", "38 ", "vanishing", "healthy", "grad norm", "saturated", "dead",
                   "1e-07", "0.001", "1000", "50%", "5%", "0.97", "0.03"):
        assert needle in text, needle
    first_row = next(line for line in text.splitlines() if line.startswith("0 "))
    assert first_row.rstrip().endswith("vanishing") and "Linear" in first_row


# ----------------------------------------------------------------------------- verdict rules

def test_verdict_thresholds_and_order():
    assert verdict(1.0, 1.0) == "healthy"
    assert verdict(0.9e-3, 1.0) == "vanishing" and verdict(1.1e-3, 1.0) == "healthy"
    assert verdict(0.5e-7, 1e-6) == "vanishing"  # absolute floor, even against a tiny last layer
    assert verdict(1.1e3, 1.0) == "exploding" and verdict(0.9e3, 1.0) == "healthy"
    assert verdict(2e3, 1e3) == "exploding"  # absolute ceiling
    assert verdict(5.0, 1e-3) == "exploding"  # 5000 x the last layer's
    assert verdict(float("nan"), 1.0) == "exploding" and verdict(float("inf"), 1.0) == "exploding"
    assert verdict(1.0, 1.0, saturated=SATURATED_FRACTION + 0.01) == "saturated"
    assert verdict(1.0, 1.0, saturated=SATURATED_FRACTION) == "healthy"
    assert verdict(1.0, 1.0, dead=DEAD_FRACTION + 0.01) == "dead"
    assert verdict(1.0, 1.0, dead=DEAD_FRACTION) == "healthy"
    # first rule that applies wins
    assert verdict(1e-9, 1.0, saturated=0.9, dead=0.9) == "vanishing"
    assert verdict(1.0, 1.0, saturated=0.9, dead=0.9) == "dead"
    assert verdict(1.0, float("nan")) == "healthy"  # no usable reference: only absolute rules
    assert VANISHING_RATIO == 1e-3


def test_nan_gradient_is_exploding():
    manual_seed(0)
    X, y = moons(32)
    model = nn.MLP(2, [8], 2)
    loss = nn.cross_entropy(model(X), y)
    loss.backward()
    model[0].weight.grad[0, 0] = np.nan
    assert [r["verdict"] for r in gradient_flow(model, loss).latest()] == ["exploding", "healthy"]


# ----------------------------------------------------------------------------- statistics

def small_net():
    return nn.Sequential(nn.Linear(2, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 12),
                         nn.ReLU(), nn.Linear(12, 2))


def test_monitor_measures_each_layer_and_its_activation():
    manual_seed(0)
    X, y = moons(64)
    model = small_net()
    monitor = GradientMonitor(model)
    logits = model(X)
    nn.cross_entropy(logits, y).backward()
    layers = monitor.step()
    assert [r["layer"] for r in layers] == ["0", "2", "4", "6"] == monitor.layer_names
    assert [r["activation"] for r in layers] == ["sigmoid", "tanh", "relu", None]
    h1 = 1 / (1 + np.exp(-(X @ model[0].weight.data.T + model[0].bias.data)))
    r0 = layers[0]
    assert r0["act_mean"] == pytest.approx(h1.mean()) and r0["act_std"] == pytest.approx(h1.std())
    assert r0["saturated"] == pytest.approx(np.mean((h1 < 0.03) | (h1 > 0.97)))
    assert r0["dead"] is None and layers[2]["saturated"] is None and layers[2]["dead"] is not None
    g = model[0].weight.grad
    assert r0["grad_norm"] == pytest.approx(np.linalg.norm(g))
    assert r0["grad_mean_abs"] == pytest.approx(np.abs(g).mean())
    assert r0["grad_max_abs"] == pytest.approx(np.abs(g).max())
    assert r0["weight_norm"] == pytest.approx(np.linalg.norm(model[0].weight.data))
    assert layers[-1]["out_mean"] == pytest.approx(np.mean(logits.data))
    assert math.isnan(r0["update_ratio"])  # no lr and no earlier step yet
    latest = monitor.latest()
    assert set(latest[0]) == KEYS and latest[-1]["ratio_to_last"] == 1.0


def test_gradient_flow_finds_the_same_activations_in_the_graph():
    manual_seed(0)
    X, y = moons(64)
    model = small_net()
    monitor = GradientMonitor(model)
    loss = nn.cross_entropy(model(X), y)
    loss.backward()
    hooked = monitor.step()
    from_graph = gradient_flow(model, loss).latest()
    for a, b in zip(hooked[:3], from_graph[:3]):
        for key in ("activation", "act_mean", "act_std", "saturated", "dead", "grad_norm"):
            assert a[key] == pytest.approx(b[key]), key


def test_gradient_flow_calls_backward_only_without_gradients():
    manual_seed(0)
    X, y = moons(32)
    model = nn.MLP(2, [8], 2)
    loss = nn.cross_entropy(model(X), y)
    first = gradient_flow(model, loss).latest()  # no gradient yet: it runs backward itself
    assert first[0]["grad_norm"] > 0
    g = model[0].weight.grad.copy()
    again = gradient_flow(model, loss).latest()  # gradients present: used as they are, not doubled
    np.testing.assert_array_equal(model[0].weight.grad, g)
    assert again[0]["grad_norm"] == pytest.approx(first[0]["grad_norm"])


def test_dead_relu_units_give_a_dead_verdict():
    manual_seed(0)
    X, y = moons(64)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    model[0].bias.data = np.where(np.arange(16) < 12, -100.0, 0.0)  # 12 of 16 units never fire
    layers = gradient_flow(model, nn.cross_entropy(model(X), y)).latest()
    assert layers[0]["dead"] == 0.75 and layers[0]["verdict"] == "dead"


def test_dead_units_of_a_conv_layer_are_channels():
    manual_seed(0)
    X = np.random.default_rng(0).normal(size=(8, 1, 6, 6))
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    model[0].bias.data = np.array([-100.0, -100.0, 0.0, 0.0])
    layers = gradient_flow(model, nn.cross_entropy(model(X), np.arange(8) % 2)).latest()
    assert [r["type"] for r in layers] == ["Conv2d", "Linear"]
    assert layers[0]["dead"] == 0.5 and layers[0]["verdict"] == "healthy"  # not more than 50%


def test_saturated_tanh_gives_a_saturated_verdict():
    manual_seed(0)
    X, y = moons(64)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
    model[0].weight.data = model[0].weight.data * 3.0
    r = gradient_flow(model, nn.cross_entropy(model(X), y)).latest()[0]
    assert r["saturated"] > SATURATED_FRACTION and r["verdict"] == "saturated"


# ----------------------------------------------------------------------------- recording over time



def test_monitor_as_a_fit_callback_records_every_step_with_the_lr():
    manual_seed(0)
    X, y = moons(96)
    model = nn.MLP(2, [16, 16], 2)
    monitor = GradientMonitor(model)
    nn.fit(model, nn.cross_entropy, SGD(model.parameters(), 0.05), X, y, epochs=2, batch_size=32,
           callbacks=[monitor], verbose=0)
    assert len(monitor.records) == 6
    stats = monitor.stats()
    assert len(stats) == 6 * 3 and [r["step"] for r in stats[:4]] == [0, 0, 0, 1]
    assert monitor.series("grad_norm").shape == (6, 3)
    last = monitor.latest()
    w = model[0].weight
    # the record was taken after backward, before the step that used these gradients
    expected = 0.05 * np.std(w.grad) / np.std(w.data + 0.05 * w.grad)
    assert last[0]["update_ratio"] == pytest.approx(expected)
    assert set(monitor.verdicts()) == {"0", "2", "4"}
    assert "step 5" in monitor.report() and "step 0" in monitor.report(step=0)


def test_manual_monitor_without_lr_measures_the_weight_change():
    manual_seed(0)
    X, y = moons(64)
    model = nn.MLP(2, [8], 2)
    opt = SGD(model.parameters(), 0.1)
    weights = []
    with GradientMonitor(model) as monitor:
        for _ in range(2):
            opt.zero_grad()
            nn.cross_entropy(model(X), y).backward()
            weights.append(model[0].weight.data.copy())
            monitor.step()
            opt.step()
    first, second = monitor.records[0][0], monitor.records[1][0]
    assert math.isnan(first["update_ratio"])  # nothing to compare with yet
    change = np.std(weights[1] - weights[0]) / np.std(weights[1])
    assert second["update_ratio"] == pytest.approx(change)


def test_every_and_remove():
    manual_seed(0)
    X, y = moons(32)
    model = small_net()
    monitor = GradientMonitor(model, every=2)
    recorded = []
    for _ in range(4):
        model.zero_grad()
        nn.cross_entropy(model(X), y).backward()
        recorded.append(monitor.step() is not None)
    assert recorded == [True, False, True, False] and len(monitor.records) == 2
    before = monitor.latest()[0]["act_mean"]
    monitor.remove()
    model(X + 5.0)  # not seen any more
    monitor.step()
    monitor.step()
    assert monitor.latest()[0]["act_mean"] == before


def test_monitor_errors():
    with pytest.raises(ValueError, match="weight"):
        GradientMonitor(nn.Sequential(nn.ReLU()))
    monitor = GradientMonitor(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="step"):
        monitor.report()
    assert monitor.layer_names == ["Linear"]  # a bare layer is named by its type


def test_viz_plots_the_stats_if_available():
    pytest.importorskip("matplotlib")
    viz = pytest.importorskip("viz")
    import matplotlib

    matplotlib.use("Agg")
    model, loss = deep("sigmoid")
    flow = gradient_flow(model, loss)
    fig = viz.plot_grad_flow({"sigmoid": flow, "stats": flow.stats()})
    assert fig is not None


def test_monitor_reads_the_backpropagated_signal_through_backward_hooks():
    manual_seed(0)
    X, y = moons(32)
    model = small_net()
    monitor = GradientMonitor(model)
    logits = model(X)
    logits.register_hook(lambda g: seen.append(g.copy()))
    seen: list = []
    nn.cross_entropy(logits, y).backward()
    monitor.step()
    assert len(monitor.signals) == 1 and len(monitor.signals[0]) == 4
    assert monitor.signals[0][-1] == pytest.approx(np.linalg.norm(seen[0]))  # last layer's output grad
    assert all(s is not None and s > 0 for s in monitor.signals[0])
