"""End-to-end in a real browser: headless Chromium (the system's, driven by Playwright; nothing is
downloaded) against the playground served on 127.0.0.1 from a thread.

Screenshots go to pytest's tmp dir (printed with -s); set TINYGRAD_EDU_SCREENSHOTS=DIR to keep them.
"""

from __future__ import annotations

import html
import math
import os
import pathlib
import shutil
import threading
import time

import pytest

pytest.importorskip("flask", reason="the web playground needs Flask (extra 'web')")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed "
                               "(pip install playwright; the system Chromium is used, no browser download)")

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                             "/usr/bin/chromium") if p and os.path.exists(p)), None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium); "
                       "`make test` installs it when it can"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server():
    """The playground on 127.0.0.1 with a free port, in a thread; shut down after the module."""
    from tinygrad_edu.cli.serve import make_server

    srv = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.app.extensions["tinygrad_edu_jobs"].stop_all()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.problems = []  # console errors and page errors (a CSP violation shows up here)
    pg.on("console", lambda m: pg.problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    yield pg
    context.close()


@pytest.fixture()
def shots(tmp_path):
    keep = os.environ.get("TINYGRAD_EDU_SCREENSHOTS")
    folder = pathlib.Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_screenshot(path, min_colors=12):
    """A screenshot that shows something: not one flat colour, with a picture's worth of colours."""
    from PIL import Image

    img = Image.open(path).convert("RGB")
    colors = img.getcolors(maxcolors=1 << 20) or []
    assert len(colors) >= min_colors, f"{path} looks blank ({len(colors)} colours)"
    assert max(n for n, _ in colors) < 0.97 * img.width * img.height, f"{path} is nearly one colour"


def wait_until(check, timeout=15.0, what="condition"):
    """Poll check() from Python (the pages' CSP forbids the string eval of wait_for_function)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def attr_num(page, selector, name):
    value = page.get_attribute(selector, name)
    return float(value) if value not in (None, "") else 0.0


def start_graph(page, server, expr, values):
    page.goto(server + "/graph")
    page.fill("#expr", "")
    page.type("#expr", expr)
    for name, value in values.items():
        page.fill(f"#var-{name}", value)
    page.click("#btn-graph")
    return page.wait_for_selector("#graph-svg svg", timeout=15000)


def test_graph_lab_shows_gradients(server, page, shots):
    page.goto(server + "/graph")
    page.fill("#expr", "")
    page.type("#expr", "tanh(x*w + b)")
    for name, value in (("x", "2"), ("w", "-3"), ("b", "6.88")):
        page.fill(f"#var-{name}", value)
    page.click("#btn-graph")
    svg = page.wait_for_selector("#graph-svg svg", timeout=15000)
    text = html.unescape(svg.text_content())
    for expected in ("grad -1.5029", "grad 1.0019", "grad 0.5010", "data 0.7064"):
        assert expected in text, text
    page.click("#btn-check")
    page.wait_for_selector("#check-table tbody tr >> nth=2")
    assert page.locator("#check-table .ok").count() == 3
    page.screenshot(path=str(shots / "graph_lab.png"))

    # one naming everywhere: the graph card, the chips (in the expression's order), the step-through
    assert "x*w + b" in text
    chips = page.locator("#grad-chips .grad-chip").all_inner_texts()
    assert [c.split(" =")[0][-1] for c in chips] == ["x", "w", "b"], chips
    page.click("#btn-steps")
    frame = page.wait_for_selector("#steps-frame", state="visible")
    page.wait_for_timeout(300)
    content = frame.content_frame()
    content.wait_for_selector("svg")
    assert "Frame 0 of" in content.text_content("body")
    assert "x*w + b" in html.unescape(content.locator("#viewport svg").text_content())
    content.click("text=Next")
    page.locator("#steps-card").screenshot(path=str(shots / "graph_steps.png"))
    check_screenshot(shots / "graph_steps.png")
    assert page.problems == []


def test_graph_lab_clears_stale_panels(server, page):
    start_graph(page, server, "x*y + x**2", {"x": "2", "y": "3"})
    page.click("#btn-check")
    page.wait_for_selector("#check-card:not([hidden])")
    page.click("#btn-steps")
    page.wait_for_selector("#steps-card:not([hidden])")
    page.fill("#expr", "tanh(x)")
    page.click("#btn-graph")
    page.wait_for_selector('#graph-svg[data-expr="tanh(x)"]')
    assert page.locator("#check-card").is_hidden() and page.locator("#steps-card").is_hidden()
    page.fill("#expr", "tanh(x")  # a syntax error: the old graph must not stay as if current
    page.click("#btn-graph")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#graph-svg svg").count() == 0 and page.locator("#summary-card").is_hidden()


def test_graph_lab_explains_inf_and_nan(server, page):
    start_graph(page, server, "log(x)", {"x": "-2"})
    note = page.wait_for_selector("#note:not([hidden])").inner_text()
    assert "negative" in note
    start_graph(page, server, "1/x", {"x": "0"})
    assert "division by zero" in page.wait_for_selector("#note:not([hidden])").inner_text()


def test_graph_lab_keeps_the_expression_across_tabs(server, page):
    start_graph(page, server, "x*y", {"x": "4", "y": "5"})
    page.click("text=Training lab")
    page.wait_for_selector("#btn-start")
    page.click("text=Graph lab")
    page.wait_for_selector("#graph-svg svg", timeout=15000)
    assert page.input_value("#expr") == "x*y" and page.input_value("#var-x") == "4"


def test_big_graph_pans_zooms_and_follows(server, page, shots):
    expr = "+".join(["x"] * 40)
    start_graph(page, server, expr, {"x": "1"})
    # text is never shrunk below 1 px per point (11 pt labels): the card pans instead
    assert float(page.get_attribute("#graph-svg", "data-scale")) >= 0.99
    page.click("#zoom-in")
    assert float(page.get_attribute("#graph-svg", "data-scale")) > 1.2
    page.click("#btn-steps")
    frame = page.wait_for_selector("#steps-frame", state="visible").content_frame()
    frame.wait_for_selector("#viewport svg")
    for _ in range(12):
        frame.click("#next")
    inside = frame.evaluate("""() => {
        const v = document.getElementById('viewport').getBoundingClientRect();
        const red = [...document.querySelectorAll('#viewport g.node path, #viewport g.node polygon')]
            .find(p => p.getAttribute('stroke') === '#d62728');
        const r = red.getBoundingClientRect();
        return r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom;
    }""")
    assert inside, "the active node scrolled out of view"
    page.locator("#steps-card").screenshot(path=str(shots / "graph_steps_big.png"))
    check_screenshot(shots / "graph_steps_big.png")


def test_graph_lab_shows_errors(server, page):
    page.goto(server + "/graph")
    page.fill("#expr", "__import__('os')")
    page.click("#btn-graph")
    page.wait_for_selector("#error:not([hidden])")
    message = page.text_content("#error")
    assert "allowed" in message or "unknown name" in message, message
    assert page.locator("#graph-svg svg").count() == 0


def test_graph_lab_tensor_expression(server, page, shots):
    import numpy as np

    W, x = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([1.0, -2.0])
    slope = 1 - np.tanh(W @ x) ** 2  # L = sum(tanh(W x)): dL/dW = outer(slope, x), dL/dx = W^T slope (by hand)
    dW, dx = np.outer(slope, x), W.T @ slope
    page.goto(server + "/graph")
    page.fill("#expr", "")
    page.type("#expr", "sum(tanh(W @ x))")
    page.fill("#var-W", "[[0.5, -1], [2, 0.3]]")
    page.fill("#var-x", "[1, -2]")
    page.click("#btn-graph")
    svg = page.wait_for_selector("#graph-svg svg", timeout=15000)
    chips = page.locator("#grad-chips .grad-chip").all_inner_texts()
    assert [c.split(" =")[0] for c in chips] == ["∂L/∂W", "∂L/∂x"], chips
    for want in dW.ravel():
        assert f"{want:.4f}" in chips[0], chips
    for want in dx:
        assert f"{want:.4f}" in chips[1], chips
    assert page.text_content("#out-value").strip() == f"{np.tanh(W @ x).sum():.4f}"
    text = html.unescape(svg.text_content()).replace("\u00a0", " ")
    assert "W @ x" in text and "tanh(W @ x)" in text and "data, shape (2, 2)" in text
    for row in dW:
        assert f"[{row[0]:7.4f}  {row[1]:7.4f}]" in text, text
    page.click("#btn-check")
    page.wait_for_selector("#check-table tbody tr >> nth=1")
    assert page.locator("#check-table .ok").count() == 2
    table = page.inner_text("#check-table")
    for want in (*dW.ravel(), *dx):
        assert f"{want:.8f}" in table
    page.screenshot(path=str(shots / "graph_lab_tensor.png"))
    check_screenshot(shots / "graph_lab_tensor.png")
    page.click("#btn-steps")  # the step-through takes matrices too
    frame = page.wait_for_selector("#steps-frame", state="visible").content_frame()
    frame.wait_for_selector("#viewport svg")
    assert "W @ x" in html.unescape(frame.locator("#viewport svg").text_content())
    assert page.problems == []
    page.fill("#var-x", "[1, -2, 3]")  # a shape mistake is named, with both shapes (the console logs the 400)
    page.click("#btn-graph")
    error = page.wait_for_selector("#error:not([hidden])").inner_text()
    assert "@" in error and "(2, 2)" in error and "(3,)" in error, error


def test_graph_lab_derivative_graph(server, page, shots):
    t = math.tanh(0.5)
    d1, d2 = 1 - t * t, -2 * t * (1 - t * t)  # closed forms of tanh' and tanh''
    start_graph(page, server, "tanh(x)", {"x": "0.5"})
    assert page.locator("#deriv-card").is_hidden()
    page.click("#btn-deriv")
    svg = page.wait_for_selector("#deriv-card:not([hidden]) #deriv-svg svg", timeout=15000)
    chips = page.locator("#deriv-chips .grad-chip").all_inner_texts()
    assert chips == [f"dL/dx = {d1:.4f}", f"∂²L/∂x² = {d2:.4f}"], chips
    text = html.unescape(svg.text_content())
    assert "dL/dx" in text and f"data {d1:.4f}" in text and f"grad {d2:.4f}" in text
    assert page.get_attribute("#btn-deriv", "aria-pressed") == "true"
    page.locator("#deriv-card").screenshot(path=str(shots / "graph_lab_derivative.png"))
    check_screenshot(shots / "graph_lab_derivative.png")
    page.click("#btn-deriv")  # a toggle: pressed again, the card goes
    assert page.locator("#deriv-card").is_hidden()
    # several variables: a row of the Hessian, for the chosen one
    start_graph(page, server, "x*x*y", {"x": "3", "y": "2"})
    page.select_option("#wrt", "y")
    page.click("#btn-deriv")
    page.wait_for_selector('#deriv-card[data-wrt="y"]')
    chips = page.locator("#deriv-chips .grad-chip").all_inner_texts()
    # L = x^2 y: dL/dy = x^2 = 9, d2L/dydx = 2x = 6, d2L/dy2 = 0
    assert chips == ["dL/dy = 9.0000", "∂²L/∂y∂x = 6.0000", "∂²L/∂y² = 0.0000"], chips
    page.fill("#expr", "x*y")  # a new expression: the old derivative card goes
    page.click("#btn-graph")
    page.wait_for_selector('#graph-svg[data-expr="x*y"]')
    assert page.locator("#deriv-card").is_hidden()
    assert page.problems == []


def test_training_lab_learns_moons_live(server, page, shots):
    page.goto(server + "/train")
    page.select_option("#dataset", "moons")
    page.click("#btn-start")
    page.wait_for_selector('#loss-chart:not([data-points="0"])', timeout=20000)
    first = int(page.get_attribute("#loss-chart", "data-points"))
    deadline = time.monotonic() + 40
    acc = 0.0
    while time.monotonic() < deadline:
        value = page.get_attribute("#val-acc", "data-value")
        acc = float(value) if value else 0.0
        points = int(page.get_attribute("#loss-chart", "data-points"))
        if acc > 0.9 and points > first:
            break
        page.wait_for_timeout(200)
    assert points > first, "the loss curve did not gain points"
    assert acc > 0.9, f"test accuracy stayed at {acc}"
    page.wait_for_selector("#status.done", timeout=40000)
    assert page.locator("#layer-table tbody tr").count() == 3
    assert page.locator("#layer-table .verdict").count() == 3
    assert int(page.get_attribute("#neurons", "data-units")) == 16  # the per-neuron view: 2 layers x 8 shown
    page.screenshot(path=str(shots / "training_lab.png"), full_page=True)
    check_screenshot(shots / "training_lab.png")
    page.locator("#neuron-card").screenshot(path=str(shots / "per_neuron.png"))
    check_screenshot(shots / "per_neuron.png")

    page.click("#btn-reset")
    page.wait_for_selector("#status.idle")
    assert page.get_attribute("#loss-chart", "data-points") == "0"
    assert page.problems == []


def test_training_lab_stop_and_tab_switch(server, page):
    page.goto(server + "/train")
    page.select_option("#delay_ms", "150")
    page.fill("#epochs", "300")
    page.fill("#batch_size", "4")  # many batches per epoch: Stop lands inside one
    page.click("#btn-start")
    page.wait_for_selector('#loss-chart:not([data-points="0"])', timeout=20000)
    page.click("text=Graph lab")  # leaving the tab keeps the run ...
    page.wait_for_selector("#btn-graph")
    page.click("text=Training lab")  # ... and coming back shows it again
    page.wait_for_selector('#loss-chart:not([data-points="0"])', timeout=20000)
    assert page.is_enabled("#btn-stop")
    page.click("#btn-stop")
    page.wait_for_selector("#status.stopped", timeout=10000)
    points = int(page.get_attribute("#loss-chart", "data-points"))
    assert 0 < points < 300
    assert "not plotted" in page.inner_text("#message")  # the cut-short epoch is named, not drawn
    page.click("#btn-reset")


def test_training_lab_features_and_penalties(server, page):
    page.goto(server + "/train")
    page.select_option("#dataset", "circles")
    for f in ("x1", "x2"):
        page.uncheck(f'input.feature[value="{f}"]')
    for f in ("x1^2", "x2^2"):
        page.check(f'input.feature[value="{f}"]')
    page.fill("#hidden", "4")
    page.fill("#l2", "0.001")
    page.fill("#epochs", "30")
    page.select_option("#delay_ms", "0")
    page.select_option("#optimizer", "momentum")
    assert page.is_visible("#knob-label")
    page.fill("#knob", "0.8")
    page.fill("#lr", "0.05")
    page.click("#btn-start")
    page.wait_for_selector("#status.done", timeout=30000)
    assert float(page.get_attribute("#val-acc", "data-value")) > 0.9  # x1^2 + x2^2 separates a ring
    ratios = page.locator("#layer-table tbody tr td:nth-child(3)").all_inner_texts()
    assert all(r not in ("0.00", "0") for r in ratios), ratios
    assert page.problems == []


def test_optimizer_race(server, page, shots):
    page.goto(server + "/race")
    page.wait_for_selector("#race-table tbody tr >> nth=3", timeout=20000)  # the default race runs on load
    page.select_option("#fn", "quadratic")  # changing the function races again
    page.wait_for_selector('#race-canvas[data-fn="quadratic"]', timeout=20000)
    assert page.locator("#race-table .ok").count() >= 1
    # animated: the step advances by itself, Pause holds it, the scrubber moves it
    wait_until(lambda: attr_num(page, "#race-canvas", "data-step") > 20, what="the race to move")
    wait_until(lambda: attr_num(page, "#race-canvas", "data-step") >= 500, what="the race to finish")
    page.fill("#scrub", "120")
    page.dispatch_event("#scrub", "input")
    assert page.get_attribute("#race-canvas", "data-step") == "120"
    page.click("#btn-play")
    page.wait_for_timeout(400)
    page.click("#btn-play")
    held = int(page.get_attribute("#race-canvas", "data-step"))
    page.wait_for_timeout(400)
    assert int(page.get_attribute("#race-canvas", "data-step")) == held > 120
    # toggles: hide Adam at once, without a new race
    page.uncheck('input.opt[value="adam"]')
    assert "adam" not in page.get_attribute("#race-canvas", "data-visible").split(",")
    assert "sgd" in page.get_attribute("#race-canvas", "data-visible").split(",")
    # a slider re-races that optimizer live
    before = page.get_attribute("#race-canvas", "data-live") or "0"
    page.fill('input.knob[data-opt="momentum"]', "0.5")
    page.dispatch_event('input.knob[data-opt="momentum"]', "input")
    wait_until(lambda: (page.get_attribute("#race-canvas", "data-live") or "0") != before, what="a live re-race")
    assert "0.5" in page.inner_text("#race-table")
    assert int(page.get_attribute("#race-loss", "data-points")) > 0
    page.screenshot(path=str(shots / "optimizer_race.png"), full_page=True)
    check_screenshot(shots / "optimizer_race.png")
    assert page.problems == []


def test_cnn_lab(server, page, shots):
    page.goto(server + "/cnn")
    page.fill("#epochs", "4")
    page.click("#btn-start")
    page.wait_for_selector("#status.done", timeout=40000)
    assert int(page.get_attribute("#kernels", "data-channels")) == 6
    page.wait_for_selector('#maps[data-ready="1"]', timeout=10000)
    page.click("#digit-pick canvas >> nth=5")
    page.wait_for_selector("#digit-pick canvas.active")
    wait_until(lambda: page.get_attribute("#digit-pick canvas.active", "data-index") == "5", what="digit 5")
    assert "network reads" in page.inner_text("#prediction")
    assert int(page.get_attribute("#pool-route", "data-routed")) > 0  # gradient reaches only window winners
    page.click("#btn-conv")
    wait_until(lambda: attr_num(page, "#conv-anim", "data-pos") > 3, what="the convolution to slide")
    assert "Σ window × kernel + b" in page.inner_text("#conv-explain")
    page.screenshot(path=str(shots / "cnn_lab.png"), full_page=True)
    check_screenshot(shots / "cnn_lab.png")
    assert page.problems == []


@pytest.mark.parametrize("path", ["/graph", "/train", "/cnn", "/race"])
def test_phone_width_fits(server, browser, path):
    context = browser.new_context(viewport={"width": 414, "height": 800})
    pg = context.new_page()
    try:
        pg.goto(server + path)
        pg.wait_for_timeout(200)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 414, f"{path}: the page is {width} px wide at 414 px"
        cut = pg.evaluate("""() => [...document.querySelectorAll('select, input, .tabs')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; }).length""")
        assert cut == 0
    finally:
        context.close()
