"""End-to-end in a real browser: headless Chromium (the system's, driven by Playwright; nothing is
downloaded) against the playground served on 127.0.0.1 from a thread.

Screenshots go to pytest's tmp dir (printed with -s); set TINYGRAD_EDU_SCREENSHOTS=DIR to keep them.
"""

from __future__ import annotations

import html
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

    page.click("#btn-steps")
    frame = page.wait_for_selector("#steps-frame", state="visible")
    page.wait_for_timeout(300)
    content = frame.content_frame()
    content.wait_for_selector("svg")
    assert "Frame 0 of" in content.text_content("body")
    content.click("text=Next")
    page.locator("#steps-card").screenshot(path=str(shots / "graph_steps.png"))
    assert page.problems == []


def test_graph_lab_shows_errors(server, page):
    page.goto(server + "/graph")
    page.fill("#expr", "__import__('os')")
    page.click("#btn-graph")
    page.wait_for_selector("#error:not([hidden])")
    message = page.text_content("#error")
    assert "not allowed" in message or "unknown name" in message, message
    assert page.locator("#graph-svg svg").count() == 0


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
    page.screenshot(path=str(shots / "training_lab.png"))

    page.click("#btn-reset")
    page.wait_for_selector("#status.idle")
    assert page.get_attribute("#loss-chart", "data-points") == "0"
    assert page.problems == []


def test_training_lab_stop(server, page):
    page.goto(server + "/train")
    page.select_option("#delay_ms", "150")
    page.fill("#epochs", "300")
    page.click("#btn-start")
    page.wait_for_selector('#loss-chart:not([data-points="0"])', timeout=20000)
    page.click("#btn-stop")
    page.wait_for_selector("#status.stopped", timeout=10000)
    assert int(page.get_attribute("#loss-chart", "data-points")) < 300
    page.click("#btn-reset")


def test_optimizer_race(server, page, shots):
    page.goto(server + "/race")
    page.wait_for_selector("#race-table tbody tr >> nth=3", timeout=20000)  # the default race runs on load
    page.select_option("#fn", "quadratic")  # changing the function races again
    page.wait_for_selector('#race-canvas[data-fn="quadratic"]', timeout=20000)
    page.screenshot(path=str(shots / "optimizer_race.png"))
    assert page.locator("#race-table .ok").count() >= 1
    assert page.problems == []
