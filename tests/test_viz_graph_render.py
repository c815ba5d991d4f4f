"""Rendering what draw_graph / draw_model return: every way of rendering explains a missing `dot`
(GraphvizNotFound with apt/brew/conda), building the source never needs it, and with `dot` present
the same calls work."""

from __future__ import annotations

import shutil

import graphviz
import numpy as np
import pytest

import nn
from tinygrad_edu import Value
from viz import GraphvizNotFound, draw_graph, draw_model
from viz.drawing import Drawing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")


def small_graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + a).tanh()
    L.label = "L"
    L.backward()
    return L


def drawings() -> dict[str, graphviz.Digraph]:
    return {"draw_graph": draw_graph(small_graph(), color_by="grad"),
            "draw_model": draw_model(nn.MLP(3, [4], 2), (3,))}


RENDERERS = {
    "render": lambda d, tmp: d.render(str(tmp / "out"), format="svg"),
    "render_png": lambda d, tmp: d.render(filename="out", directory=str(tmp), format="png"),
    "pipe": lambda d, tmp: d.pipe(),
    "pipe_svg_text": lambda d, tmp: d.pipe(format="svg", encoding="utf-8"),
    "view": lambda d, tmp: d.view(filename=str(tmp / "v.gv")),
    "unflatten": lambda d, tmp: d.unflatten(stagger=2),
    "_repr_svg_": lambda d, tmp: d._repr_svg_(),
    "_repr_mimebundle_": lambda d, tmp: d._repr_mimebundle_(),
    "_repr_mimebundle_png": lambda d, tmp: d._repr_mimebundle_(include=["image/png"]),
    "_repr_image_svg_xml": lambda d, tmp: d._repr_image_svg_xml(),
    "copy_then_pipe": lambda d, tmp: d.copy().pipe(format="svg"),
}


@pytest.fixture()
def no_dot(monkeypatch, tmp_path):
    """PATH is an empty folder: no Graphviz program can be found."""
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def assert_install_hint(err: BaseException) -> None:
    assert isinstance(err, GraphvizNotFound) and isinstance(err, RuntimeError)
    msg = str(err)
    assert "`dot`" in msg and "not found" in msg
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg and "conda install" in msg


@pytest.mark.parametrize("kind", ["draw_graph", "draw_model"])
def test_results_are_graphviz_digraphs(kind):
    d = drawings()[kind]
    assert isinstance(d, graphviz.Digraph) and isinstance(d, Drawing)
    assert isinstance(d.copy(), Drawing)


@pytest.mark.parametrize("how", sorted(RENDERERS))
@pytest.mark.parametrize("kind", ["draw_graph", "draw_model"])
def test_every_rendering_without_dot_says_how_to_install(no_dot, tmp_path, kind, how):
    d = drawings()[kind]  # building needs no binary
    with pytest.raises(GraphvizNotFound) as info:
        RENDERERS[how](d, tmp_path)
    assert_install_hint(info.value)
    assert not list(tmp_path.glob("out*.svg")) and not list(tmp_path.glob("out*.png"))


@pytest.mark.parametrize("kind", ["draw_graph", "draw_model"])
def test_building_and_saving_the_source_works_without_dot(no_dot, tmp_path, kind):
    d = drawings()[kind]
    src = d.source
    assert src.startswith("digraph") and src.rstrip().endswith("}")
    assert ("<B>L</B>" in src) if kind == "draw_graph" else ("0: Linear" in src and "output (None, 4)" in src)
    path = d.save(str(tmp_path / "g.gv"))  # writing DOT text is not rendering
    assert open(path, encoding="utf-8").read() == src


def test_graphviz_own_missing_executable_error_is_translated(monkeypatch, tmp_path, no_dot):
    """`dot` found by the check but gone when graphviz runs it: still GraphvizNotFound."""
    import viz.drawing as drawing

    monkeypatch.setattr(drawing.shutil, "which", lambda name: "/nowhere/" + name)
    d = draw_graph(small_graph())
    for how in ("render", "pipe", "_repr_mimebundle_"):
        with pytest.raises(GraphvizNotFound) as info:
            RENDERERS[how](d, tmp_path)
        assert_install_hint(info.value)
        assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)


def test_jupyter_display_shows_the_install_hint(no_dot, capsys):
    """IPython's formatter calls _repr_mimebundle_; the error a notebook shows is ours."""
    fmt = pytest.importorskip("IPython.core.formatters")
    formatter = fmt.DisplayFormatter()
    data, _ = formatter.format(draw_model(nn.MLP(2, [3], 1), 2))
    shown = capsys.readouterr()
    assert "image/svg+xml" not in data
    assert "GraphvizNotFound" in shown.out + shown.err and "brew install graphviz" in shown.out + shown.err


@needs_dot
@pytest.mark.parametrize("kind", ["draw_graph", "draw_model"])
def test_with_dot_every_rendering_works(tmp_path, kind):
    d = drawings()[kind]
    out = d.render(str(tmp_path / "out"), format="svg")
    assert open(out, encoding="utf-8").read().rstrip().endswith("</svg>")
    assert d.pipe(format="png")[:4] == b"\x89PNG"
    assert "</svg>" in d._repr_svg_()
    bundle = d._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert "digraph" in d.unflatten(stagger=2).source


@needs_dot
def test_model_diagram_svg_has_one_box_per_layer_plus_input_and_totals():
    model = nn.MLP(3, [4, 5], 2)
    svg = draw_model(model, (3,)).pipe(format="svg", encoding="utf-8")
    assert svg.count('class="node"') == len(model) + 2
    assert np.all([f"{i}: " in svg for i in range(len(model))])
