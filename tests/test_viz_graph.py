"""draw_graph: labels, data and grads in the DOT source, rendering, size limits, missing `dot`."""

from __future__ import annotations

import shutil
import time

import graphviz
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from viz import GraphvizNotFound, draw_graph, render_svg
from viz.graph import repr_mimebundle

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = c + a
    L.label = "L"
    L.backward()
    return a, b, c, L


def test_source_has_labels_data_and_grads():
    a, b, c, L = small_graph()
    dot = draw_graph(L)
    assert isinstance(dot, graphviz.Digraph)
    src = dot.source
    for name in ("a", "b", "c", "L"):
        assert f"<B>{name}</B>" in src
    for number in ("2.0000", "-3.0000", "-6.0000", "-4.0000"):  # data of a, b, c, L
        assert f"data {number}" in src
    assert "grad -2.0000" in src  # dL/da = b + 1
    assert "grad 2.0000" in src  # dL/db = a
    assert "grad 1.0000" in src  # dL/dc and dL/dL
    assert "op: mul" in src and "op: add" in src


def test_unlabelled_values_get_short_names_and_constants_are_marked():
    x = Value(1.5)
    y = (x * 2).exp()
    src = draw_graph(y).source
    assert "<B>n1</B>" in src and "<B>n2</B>" in src and "<B>n3</B>" in src
    assert "constant" in src and "op: exp" in src


def test_show_grad_false_hides_grads():
    *_, L = small_graph()
    assert "grad " not in draw_graph(L, show_grad=False).source


def test_tensor_nodes_show_shape_dtype_and_stats():
    W = Value(np.arange(12, dtype=np.float64).reshape(3, 4), label="W")
    x = Value(np.ones(4), label="x")
    y = (W @ x).sum()
    y.backward()
    src = draw_graph(y).source
    assert "shape (3, 4) float64" in src
    assert "min 0.0000  mean 5.5000  max 11.0000" in src
    assert "grad norm" in src


def test_tiny_gradients_are_not_rounded_to_zero():
    x = Value(1.0, label="x")
    y = x * 1e-9
    y.backward()
    assert "grad 1.000e-09" in draw_graph(y).source


def test_color_by_grad_adds_fills_and_a_legend():
    x = Value(1.0, label="x")
    y = x * 1e-6
    z = y * 1e3
    z.backward()
    src = draw_graph(z, color_by="grad").source
    assert "legend" in src and "log scale" in src
    fills = {line.split('fillcolor="')[1].split('"')[0] for line in src.splitlines() if "fillcolor=" in line
             and "<B>" in line}
    assert len(fills) >= 2  # |grad| 1e-3 and 1: different shades


def test_bad_arguments():
    *_, L = small_graph()
    with pytest.raises(ValueError):
        draw_graph(L, rankdir="XY")
    with pytest.raises(ValueError):
        draw_graph(L, color_by="data")
    with pytest.raises(TypeError):
        draw_graph(3.0)


def chain(n: int) -> Value:
    v = Value(1.0, label="x")
    for _ in range(n - 1):
        v = v * 1.0
    return v


def count_boxes(dot) -> int:
    """Node statements in the DOT body (Value boxes, op circles, the marker, the legend)."""
    return sum(1 for line in dot.body if "->" not in line and "[" in line
               and line.split()[0] not in ("graph", "node", "edge"))


def test_max_nodes_cuts_a_10000_node_graph_fast():
    root = chain(5000)  # 5000 products + 4999 constants + x: ~10,000 Values
    t = time.perf_counter()
    dot = draw_graph(root)
    elapsed = time.perf_counter() - t
    assert elapsed < 1.0
    assert count_boxes(dot) <= 500  # Values + op circles + the marker
    values = sum("<B>" in line for line in dot.body)
    assert values == 332  # 166 products (2 boxes each) + 166 constants (1 box) + the marker = 499
    assert "more nodes (max_nodes=500)" in dot.source
    assert f"{9999 - values:,} more nodes" in dot.source


def test_a_whole_10000_node_graph_builds_in_under_a_second():
    root = chain(5000)
    t = time.perf_counter()
    dot = draw_graph(root, max_nodes=20_000)
    assert time.perf_counter() - t < 1.0
    assert sum("<B>" in line for line in dot.body) == 9999
    assert "more nodes" not in dot.source


def test_deep_graph_needs_no_recursion():
    root = chain(200_000)
    dot = draw_graph(root, max_nodes=10)
    assert "more nodes" in dot.source


@needs_dot
def test_svg_renders_with_dot():
    *_, L = small_graph()
    svg = render_svg(draw_graph(L, color_by="grad"))
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:300]
    assert "</svg>" in svg and "6.0000" in svg  # dot writes the minus sign as &#45;


@needs_dot
def test_jupyter_mimebundle_has_svg():
    *_, L = small_graph()
    bundle = repr_mimebundle(L)
    assert "image/svg+xml" in bundle and bundle["text/plain"].startswith("Value(")


def test_missing_dot_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    *_, L = small_graph()
    dot = draw_graph(L)  # building never needs the binary
    assert "a" in dot.source
    with pytest.raises(GraphvizNotFound) as info:
        render_svg(dot)
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "apt" in msg and "brew" in msg and "conda" in msg
    assert repr_mimebundle(L) == {"text/plain": repr(L)}  # Jupyter falls back to the repr


# --- max_nodes bounds the boxes: Values + op circles + one "... N more" marker --------------------

def all_values(root: Value) -> set:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def boxes_needed(root: Value) -> int:
    return sum(1 if v._ctx is None else 2 for v in all_values(root))


def test_a_300_op_chain_with_max_nodes_50_draws_at_most_50_boxes():
    root = chain(301)  # 300 products: 601 Values, 300 op circles
    dot = draw_graph(root, max_nodes=50)
    assert count_boxes(dot) <= 50
    assert count_boxes(dot) >= 48  # the budget is used, not wasted
    drawn = sum("<B>" in line for line in dot.body)
    assert f"... {601 - drawn:,} more nodes (max_nodes=50)" in dot.source


@needs_dot
def test_a_300_op_chain_with_max_nodes_50_renders_at_most_50_boxes():
    svg = render_svg(draw_graph(chain(301), max_nodes=50))
    assert 48 <= svg.count('class="node"') <= 50


def test_a_graph_that_fits_exactly_has_no_marker():
    root = chain(11)  # 1 + 10 * (constant + product + op) = 31 boxes
    assert boxes_needed(root) == 31
    dot = draw_graph(root, max_nodes=31)
    assert count_boxes(dot) == 31 and "more nodes" not in dot.source
    cut = draw_graph(root, max_nodes=30)
    assert count_boxes(cut) <= 30 and "more nodes" in cut.source


def test_max_nodes_1_is_the_marker_alone_and_the_legend_counts():
    root = chain(5)
    assert count_boxes(draw_graph(root, max_nodes=1)) == 1
    colored = draw_graph(root, max_nodes=8, color_by="grad")
    assert "legend" in colored.source and count_boxes(colored) <= 8
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(root, max_nodes=0)
    with pytest.raises(TypeError, match="max_nodes"):
        draw_graph(root, max_nodes=2.5)


ops = st.lists(st.tuples(st.sampled_from(["add", "mul", "tanh", "pow"]), st.integers(0, 1000), st.integers(0, 1000)),
               min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(ops, st.integers(1, 120), st.sampled_from([None, "grad"]))
def test_max_nodes_is_a_bound_on_boxes_for_random_graphs(steps, max_nodes, color_by):
    vals = [Value(0.5, label="x"), Value(-1.5, label="y")]
    for op, i, j in steps:
        a, b = vals[i % len(vals)], vals[j % len(vals)]
        vals.append(a + b if op == "add" else a * b if op == "mul" else a.tanh() if op == "tanh" else a ** 2)
    root = vals[-1]
    dot = draw_graph(root, max_nodes=max_nodes, color_by=color_by)
    boxes = count_boxes(dot)
    assert boxes <= max_nodes
    legend = color_by == "grad" and max_nodes >= 2
    n_values = len(all_values(root))
    drawn = sum("<B>" in line and not line.startswith("\tlegend") for line in dot.body)
    if boxes_needed(root) + legend <= max_nodes:
        assert "more nodes" not in dot.source and drawn == n_values
    else:
        assert f"... {n_values - drawn:,} more nodes" in dot.source
