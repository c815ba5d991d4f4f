"""Every plot returns a matplotlib Figure and writes a non-empty PNG."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import nn
import optim
from nn.diagnostics import gradient_flow
from tinygrad_edu import manual_seed
from viz import plot_activations, plot_decision_boundary, plot_grad_flow, plot_history, plot_optimizer_paths


def png_ok(path) -> bool:
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_activations(tmp_path):
    fig = plot_activations(path=tmp_path / "a.png")
    assert isinstance(fig, Figure) and png_ok(tmp_path / "a.png")
    assert len([ax for ax in fig.axes if ax.lines]) == 6
    assert isinstance(plot_activations(["sigmoid"]), Figure)
    with pytest.raises(ValueError):
        plot_activations(["nope"])


def deep_flow(act: str, depth: int = 8):
    manual_seed(0)
    model = nn.MLP(8, [16] * depth, 3, activation=act)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 8)), rng.integers(0, 3, 32)
    return gradient_flow(model, nn.cross_entropy(model(X), y))


def test_plot_grad_flow_single_and_comparison(tmp_path):
    sig, relu = deep_flow("sigmoid"), deep_flow("relu")
    fig = plot_grad_flow(sig, path=tmp_path / "one.png")
    assert isinstance(fig, Figure) and png_ok(tmp_path / "one.png")
    fig = plot_grad_flow({"sigmoid": sig, "relu": relu.latest()}, path=tmp_path / "two.png")
    assert png_ok(tmp_path / "two.png")
    assert len(fig.axes[0].get_lines()) >= 2
    assert fig.axes[0].get_yscale() == "log"
    assert isinstance(plot_grad_flow(sig.stats()), Figure)
    with pytest.raises(TypeError):
        plot_grad_flow([1, 2, 3])


def test_plot_optimizer_paths(tmp_path):
    opts = {"SGD": lambda p: optim.SGD(p, lr=1e-3), "Adam": lambda p: optim.Adam(p, lr=0.05)}
    fig = plot_optimizer_paths(optim.testfns.rosenbrock, opts, steps=50, path=tmp_path / "o.png")
    assert isinstance(fig, Figure) and png_ok(tmp_path / "o.png")
    fig = plot_optimizer_paths(optim.testfns.quadratic, {"big lr": lambda p: optim.SGD(p, lr=2.0)}, steps=30,
                               start=(0.0, 0.0))  # diverges: the plot still works
    assert isinstance(fig, Figure)


def test_plot_history_marks_early_stop_and_lr(tmp_path):
    manual_seed(0)
    X, y = nn.data.make_moons(120, noise=0.2, random_state=0)
    model = nn.MLP(2, [8], 2)
    h = nn.fit(model, nn.cross_entropy, optim.Adam(model.parameters(), lr=0.05), X, y, epochs=12,
               validation_split=0.25, verbose=0,
               callbacks=[nn.EarlyStopping(patience=1),
                          nn.LearningRateScheduler(lambda e, lr: lr / 2 if e == 2 else lr)])
    fig = plot_history(h, path=tmp_path / "h.png")
    assert isinstance(fig, Figure) and png_ok(tmp_path / "h.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "LR changed" in labels
    if h.stopped_epoch is not None:
        assert any("early stop" in t for t in labels)
    assert isinstance(plot_history({"loss": [1.0, 0.5, 0.2]}), Figure)


def test_plot_decision_boundary(tmp_path):
    manual_seed(0)
    X, y = nn.data.make_moons(100, noise=0.1, random_state=0)
    model = nn.MLP(2, [8], 2)
    fig = plot_decision_boundary(model, X, y, path=tmp_path / "d.png")
    assert isinstance(fig, Figure) and png_ok(tmp_path / "d.png")
    assert model.training  # eval mode was only for drawing
    one = nn.MLP(2, [8], 1)  # one logit per point works too
    assert isinstance(plot_decision_boundary(one, X, y), Figure)
    with pytest.raises(ValueError):
        plot_decision_boundary(model, np.ones((5, 3)), np.zeros(5))
