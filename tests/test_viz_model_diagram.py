"""draw_model: one box per layer with the output shape and parameter count that summary() reports."""

from __future__ import annotations

import re

import graphviz
import numpy as np
import pytest

import nn
from tinygrad_edu import Value, manual_seed
from viz import draw_model
from viz.model_diagram import layer_records, shape_text


def summary_rows(model: nn.Sequential, input_shape) -> list[tuple[str, str, str, int]]:
    """(index, type, output shape, params) parsed from the summary table (the oracle)."""
    rows = []
    for line in model.summary(input_shape).splitlines():
        m = re.match(r"^ (\d+) \((\w+)\)\s+(\(.*?\))\s+(\d+)$", line)
        if m:
            rows.append((m[1], m[2], m[3], int(m[4])))
    return rows


def box_lines(dot: graphviz.Digraph) -> list[str]:
    return [line for line in dot.body if line.lstrip().startswith("layer") and "->" not in line]


MODELS = {
    "mlp_bn_dropout": (lambda: nn.MLP(4, [16, 8], 3, batchnorm=True, dropout=0.1), (4,)),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(2 * 3 * 3, 5)), (1, 6, 6)),
    "embedding": (lambda: nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2)), (3,)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_one_box_per_layer_agreeing_with_summary(name):
    make, shape = MODELS[name]
    manual_seed(0)
    model = make()
    dot = draw_model(model, shape)
    assert isinstance(dot, graphviz.Digraph)
    boxes = box_lines(dot)
    rows = summary_rows(model, shape)
    assert len(boxes) == len(rows) == len(model)
    for box, (index, kind, out, params) in zip(boxes, rows):
        assert f"<B>{index}: {kind}</B>" in box
        assert f"output {out}" in box
        assert f"params {params:,}" in box
    total = model.num_parameters() + sum(b.size for b in model.buffers() if b.dtype.kind == "f")
    assert f"Total params: {total:,}" in dot.source
    # the boxes form one chain: input -> layer0 -> layer1 -> ...
    edges = [line.strip() for line in dot.body if "->" in line]
    assert edges == ["input -> layer0"] + [f"layer{i} -> layer{i + 1}" for i in range(len(model) - 1)]


def test_known_shapes_and_counts_of_a_small_cnn():
    model = MODELS["cnn"][0]()
    recs = layer_records(model, (1, 6, 6))
    assert [r["shape"] for r in recs] == ["(None, 2, 6, 6)", "(None, 2, 6, 6)", "(None, 2, 6, 6)",
                                           "(None, 2, 3, 3)", "(None, 18)", "(None, 5)"]
    assert [r["trainable"] for r in recs] == [2 * 9 + 2, 4, 0, 0, 0, 18 * 5 + 5]
    assert recs[1]["frozen"] == 4  # BatchNorm2d's running mean and var
    assert "input (None, 1, 6, 6)" in draw_model(model, (1, 6, 6)).source


class TwoHeads(nn.Module):
    def __init__(self):
        self.body = nn.Linear(3, 4)
        self.unused = nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        h = self.body(x).relu()
        return self.head(self.body(h @ np.eye(4, 3)))  # body is called twice


def test_any_module_gives_its_children_in_call_order():
    model = TwoHeads()
    recs = layer_records(model, 3)
    assert [(r["name"], r["calls"], r["shape"]) for r in recs] == [
        ("body", 2, "(None, 4)"), ("head", 1, "(None, 2)"), ("unused", 0, "")]
    src = draw_model(model, 3).source
    assert "called 2×" in src and "not called by forward" in src
    assert "layer1 -> layer2" not in src  # the unused layer is not wired in


def test_modes_parameters_and_hooks_are_left_as_they_were():
    model = nn.MLP(2, [3], 1, batchnorm=True)
    model.train()
    model[1].running_mean[:] = 0.25
    before = {k: v.copy() for k, v in model.state_dict().items()}
    draw_model(model, (2,))
    assert all(m.training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    model.eval()
    draw_model(model, (2,))
    assert not any(m.training for m in model.modules())


def test_errors_name_the_model_and_shapes():
    with pytest.raises(ValueError, match=r"MLP cannot run on input_shape \(5,\).*\(2, 5\)"):
        draw_model(nn.MLP(4, [3], 1), (5,))
    with pytest.raises(TypeError, match="nn.Module"):
        draw_model(lambda x: x, (2,))
    with pytest.raises(TypeError, match="input_shape"):
        draw_model(nn.Linear(2, 2), "2")
    with pytest.raises(ValueError, match="input_shape"):
        draw_model(nn.Linear(2, 2), (-1,))
    with pytest.raises(ValueError, match="rankdir"):
        draw_model(nn.Linear(2, 2), 2, rankdir="XY")


def test_shape_text_matches_summary_style():
    assert shape_text(np.zeros((2, 16))) == "(None, 16)"
    assert shape_text(np.zeros(2)) == "(None,)"
    assert shape_text(Value(np.zeros((2, 3, 4)))) == "(None, 3, 4)"
    assert shape_text((np.zeros((2, 5)), np.zeros((2, 1, 5)))) == "(None, 5), (None, 1, 5)"
