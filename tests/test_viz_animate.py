"""animate_backward: a self-contained page whose frames walk through backward, checked in Chromium.

The page holds ONE drawing (laid out once) and per-frame records that recolour it."""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

from tinygrad_edu import Value
from viz import animate_backward
from viz.animate import backward_page, replay

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and os.path.exists(p)), None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.label = "o"
    return o, (x1, x2, w1, w2, b)


def test_writes_self_contained_html_and_runs_backward(tmp_path):
    o, leaves = neuron()
    path = animate_backward(o, tmp_path / "bp.html")
    page = open(path, encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<section class='frame'") == 1 + 5 + 1  # start, one per op, summary
    assert page.count("<svg") == 1  # one layout shared by every frame: the page stays small
    # nothing fetched from anywhere: no external scripts, styles, images or fonts
    assert not re.search(r"<script[^>]+src=|<link|<img|@import|url\(", page)
    assert "dL/dw1 = dL/dn" in page or "dL/dw1 =" in page
    grads = [float(v.grad) for v in leaves]
    assert grads == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5], abs=1e-6)


def test_does_not_double_gradients_after_a_user_backward(tmp_path):
    o, leaves = neuron()
    o.backward()
    before = [float(v.grad) for v in leaves]
    animate_backward(o, tmp_path / "bp.html")
    assert [float(v.grad) for v in leaves] == before


def test_chain_rule_numbers_and_accumulation(tmp_path):
    a = Value(3.0, label="a")
    b = a * a  # a used twice: two contributions that add up
    b.label = "b"
    page = open(animate_backward(b, tmp_path / "sq.html"), encoding="utf-8").read()
    assert "dL/da = dL/db &middot; db/da = 1.0000 &times; 3.0000 = <b>3.0000</b>" in page
    assert "dL/da += " in page and "total so far 6.0000" in page
    assert float(a.grad) == 6.0


def test_replay_matches_backward():
    o, leaves = neuron()
    steps, final = replay(o)
    o.backward()
    assert len(steps) == 5
    for v in leaves:
        assert float(final[v]) == pytest.approx(float(v.grad))


def test_small_tensor_graph(tmp_path):
    W = Value(np.array([[1.0, -2.0], [0.5, 3.0]]), label="W")
    x = Value(np.array([1.0, 2.0]), label="x")
    L = (W @ x).relu().sum()
    L.label = "L"
    page = open(animate_backward(L, tmp_path / "t.html"), encoding="utf-8").read()
    assert "shape (2, 2)" in page and "grad norm" in page
    np.testing.assert_allclose(W.grad, [[0.0, 0.0], [1.0, 2.0]])


def test_page_size_is_one_drawing_plus_small_frames():
    # a fan-out of 99 adds: one SVG plus a few hundred bytes per frame, not one SVG per frame
    x = Value(1.0, label="x")
    v = x
    for _ in range(99):
        v = v + x
    page = backward_page(v)
    assert page.count("<svg") == 1
    assert len(page) < 1_000_000, len(page)
    assert float(x.grad) == 0.0  # building the page touches no .grad


def test_templates_are_files_inlined():
    o, _ = neuron()
    page = backward_page(o)
    from importlib import resources

    js = resources.files("viz").joinpath("templates", "animate.js").read_text(encoding="utf-8")
    assert js.strip()[:40] in page and "{{" not in page


def test_refuses_huge_graphs(tmp_path):
    v = Value(1.0)
    for _ in range(300):
        v = v * 1.0
    with pytest.raises(ValueError, match="draw_graph"):
        animate_backward(v, tmp_path / "big.html")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium at /usr/bin/chromium (apt-get install chromium)")
def test_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    o, leaves = neuron()
    names = {v.label: v for v in leaves}
    path = animate_backward(o, tmp_path / "bp.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())  # offline: any network request would fail the page
            page.goto(f"file://{path}")
            visible = lambda: page.locator("section.frame:visible").get_attribute("data-step")  # noqa: E731
            assert visible() == "0"
            page.click("#next")
            assert visible() == "1"
            assert page.locator("#counter").inner_text() == "Frame 1 of 6"
            page.click("#prev")
            assert visible() == "0"
            for _ in range(10):  # past the end stays on the last frame
                page.click("#next")
            assert visible() == "6"
            rows = page.locator("section.frame:visible tr.leaf")
            assert rows.count() == len(leaves)
            for i in range(rows.count()):
                row = rows.nth(i)
                leaf = names[row.get_attribute("data-leaf")]
                shown = float(row.locator("td.grad").inner_text())
                assert shown == pytest.approx(float(leaf.grad), abs=1e-4)
            page.fill("#slider", "2")  # the slider jumps straight to a frame
            page.dispatch_event("#slider", "input")
            assert visible() == "2"
            # frame 2 recolours the one drawing: the node pushing its gradient has the red outline
            red = page.locator("#viewport svg g.node path[stroke='#d62728'], "
                               "#viewport svg g.node polygon[stroke='#d62728']")
            assert red.count() == 1
            page.click("#zoom-in")
            assert float(page.get_attribute("#viewport", "data-scale")) > 0
        finally:
            browser.close()


def test_animation_displays_inline_in_jupyter(tmp_path):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    from tinygrad_edu import Value
    from viz import animate_backward

    a = Value(2.0, label="a")
    page = animate_backward((a * a).tanh(), tmp_path / "p.html")
    assert page == str(tmp_path / "p.html")
    html = page._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;" in html and "backward pass" in html
