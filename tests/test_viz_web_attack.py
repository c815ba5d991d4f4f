"""Attack cases against the playground served over real HTTP on 127.0.0.1: Graphviz work is
bounded in time and concurrency, dies with its request, cross-site GETs cost nothing, and under a
flood of expensive drawings every ordinary request (pages, polls, small graphs) still answers 200.

Graphviz's effort limits are switched off here (monkeypatched), so the 100-term fan-out really
makes `dot` run for minutes: only the time limit and the kill stop it.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

pytest.importorskip("flask", reason="the web playground needs Flask (extra 'web')")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

TIMEOUT, QUEUE, SLOTS = 2.0, 2.0, 2
SLOW = "+".join(["x"] * 98)  # minutes of `dot` without effort limits (and within the parser's 200 terms)
SLOW_Q = quote(SLOW)  # in a query string a bare + is a space
RSS_BOUND_MB = 1024
ORDINARY_BOUND = 3.0  # seconds: the slowest ordinary answer allowed during the flood


def dot_children(root: int | None = None) -> list[int]:
    """PIDs of the `dot` processes descending from `root` (this process): dot runs under
    coreutils' `timeout`, so it is a grandchild."""
    parent, names = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)
            names[int(pid)] = fields[0].split("(", 1)[1]
            parent[int(pid)] = int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    me = os.getpid() if root is None else root

    def descends(pid: int) -> bool:
        for _ in range(4):
            pid = parent.get(pid, 0)
            if pid == me:
                return True
        return False

    return [pid for pid, name in names.items() if name == "dot" and descends(pid)]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Watch:
    """Samples the number of dot children and the RSS every 20 ms."""

    def __init__(self) -> None:
        self.peak_dots, self.peak_rss, self._stop = 0, 0.0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_dots = max(self.peak_dots, len(dot_children()))
            self.peak_rss = max(self.peak_rss, rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> Watch:
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join(2)


@pytest.fixture()
def served(monkeypatch):
    from tinygrad_edu.cli.serve import make_server
    from viz import render
    from viz.web import create_app

    monkeypatch.setattr(render, "DOT_EFFORT_LIMITS", ())
    app = create_app({"RENDER_TIMEOUT": TIMEOUT, "RENDER_QUEUE_TIMEOUT": QUEUE, "MAX_RENDERS": SLOTS})
    srv = make_server("127.0.0.1", 0, app=app, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port, app
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
            answer: bool = False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    try:
        data = None if body is None else json.dumps(body)
        h = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=data, headers={**h, **(headers or {})})
        resp = conn.getresponse()
        text = resp.read()
        if answer:
            return resp.status, time.monotonic() - start, text
        return resp.status, time.monotonic() - start
    finally:
        conn.close()


def test_cross_site_gets_of_the_steps_page_cost_nothing(served):
    port, app = served
    renderer = app.extensions["tinygrad_edu_renderer"]
    q = "/graph/steps?expr=" + SLOW_Q + "&vars=x=1"
    token = app.config["PAGE_TOKEN"]
    cases = [(q, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}),  # <img src=...> on another site
             (q, {}),                                                          # an old browser: no token
             (q + "&t=" + token, {"Sec-Fetch-Site": "cross-site"}),            # a leaked token, still cross-site
             (q + "&t=" + token, {"Origin": "http://evil.example"})]
    with Watch() as w, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda c: request(port, "GET", c[0], headers=c[1]), cases * 10))
    assert {status for status, _ in answers} == {403}
    assert max(t for _, t in answers) < 1.0
    assert renderer.stats["started"] == 0 and w.peak_dots == 0


def test_expensive_posts_are_bounded(served):
    port, app = served
    payloads = [{"expr": SLOW + f" + {k}", "values": {"x": 1}} for k in range(8)]  # distinct: no cache hits
    with Watch() as w, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda p: request(port, "POST", "/api/graph", p), payloads))
        time.sleep(0.3)
        left = dot_children()
    statuses = sorted(s for s, _ in answers)
    worst = max(t for _, t in answers)
    print(f"\nexpensive posts: statuses {statuses}, worst {worst:.2f} s, peak dot {w.peak_dots}, "
          f"peak RSS {w.peak_rss:.0f} MB")
    assert set(statuses) <= {400, 503}  # killed at the time limit, or no slot in time
    assert worst < TIMEOUT + QUEUE + 3.0
    assert w.peak_dots <= SLOTS and left == []
    assert app.extensions["tinygrad_edu_renderer"].stats["killed"] >= 1
    assert w.peak_rss < RSS_BOUND_MB


def test_the_steps_page_is_bounded_too(served):
    port, app = served
    token = app.config["PAGE_TOKEN"]
    status, elapsed, text = request(port, "GET", f"/graph/steps?expr={SLOW_Q}&vars=x=1&t={token}",
                                    headers={"Sec-Fetch-Site": "same-origin"}, answer=True)
    assert status == 400 and elapsed < TIMEOUT + 3.0
    assert b"needed more than" in text  # stopped at the time limit (not refused for some other reason)
    assert dot_children() == []


def test_dot_dies_when_the_client_leaves(monkeypatch):
    from tinygrad_edu.cli.serve import make_server
    from viz import render
    from viz.web import create_app

    monkeypatch.setattr(render, "DOT_EFFORT_LIMITS", ())
    app = create_app({"RENDER_TIMEOUT": 60.0})
    srv = make_server("127.0.0.1", 0, app=app, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        body = json.dumps({"expr": SLOW, "values": {"x": 1}}).encode()
        sock = socket.create_connection(("127.0.0.1", srv.server_port))
        sock.sendall(b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        deadline = time.monotonic() + 10
        while not dot_children() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dot_children(), "dot never started"
        sock.close()  # the tab was closed
        gone_by = time.monotonic() + 2.0
        while dot_children() and time.monotonic() < gone_by:
            time.sleep(0.02)
        assert dot_children() == [], "dot outlived its request"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_dot_dies_on_time_even_when_the_server_process_is_killed():
    """A killed server (or a crashed test run) cannot leave `dot` laying a huge graph out for
    minutes: it runs under `timeout -s KILL`, which outlives its parent."""
    import subprocess
    import sys

    script = (
        "import threading, time\n"
        "from tinygrad_edu import Value\n"
        "from tinygrad_edu.expr import parse_expression\n"
        "from viz import draw_graph, render\n"
        "render.DOT_EFFORT_LIMITS = ()\n"
        f"out = parse_expression({SLOW!r}, {{'x': 1.0}})\n"
        "threading.Thread(target=render.Renderer().render, args=(draw_graph(out),),"
        " kwargs={'timeout': 2.0}, daemon=True).start()\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline, dots = time.monotonic() + 30, []
        while not dots and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
            dots = dot_children(child.pid)
        assert dots, "dot never started"
    finally:
        child.kill()  # SIGKILL: no finally blocks, no cleanup of our own runs
        child.wait()
    gone_by = time.monotonic() + 6.0  # the 2 s limit, rounded up, plus 1 s, from when dot started
    while any(map(_alive, dots)) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not any(map(_alive, dots)), "dot outlived its killed parent past its time limit"


def test_ordinary_requests_answer_during_a_flood_of_expensive_renders(served):
    """8 same-origin clients loop over expensive drawings (POSTs and step-through pages, all distinct)
    while a student's tab loads pages, polls a training run, draws and checks small expressions
    and opens a small step-through: every one of those answers 200, within ORDINARY_BOUND."""
    import math
    import random

    port, app = served
    token = app.config["PAGE_TOKEN"]
    stop, flood_answers, lock = threading.Event(), [], threading.Lock()

    def flood(i: int) -> None:
        k = 0
        while not stop.is_set():
            k += 1
            expr = f"{SLOW} + {i * 10_000 + k}"  # distinct: nothing is cached
            if k % 3:
                status, t = request(port, "POST", "/api/graph", {"expr": expr, "values": {"x": 1}})
            else:
                status, t = request(port, "GET", f"/graph/steps?expr={quote(expr)}&vars=x=1&t={token}",
                                    headers={"Sec-Fetch-Site": "same-origin"})
            with lock:
                flood_answers.append((status, t))

    status, _, text = request(port, "POST", "/api/train", {"epochs": 400, "delay_ms": 20}, answer=True)
    assert status == 202
    job = json.loads(text)["id"]
    rng = random.Random(0)
    ordinary = []
    flooders = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(8)]
    with Watch() as w:
        for t in flooders:
            t.start()
        time.sleep(1.0)  # the flood is on: the expensive slot is taken and a queue waits
        deadline = time.monotonic() + 12.0
        while time.monotonic() < deadline:
            x, wt, b = rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-1, 1)  # distinct: no cache hits
            values = {"x": x, "w": wt, "b": b}
            for kind, method, path, body in [
                ("page", "GET", "/graph", None), ("script", "GET", "/static/graph.js", None),
                ("health", "GET", "/api/health", None), ("poll", "GET", f"/api/train/{job}?since=0", None),
                ("small graph", "POST", "/api/graph", {"expr": "tanh(x*w + b)", "values": values}),
                ("check", "POST", "/api/graph/check", {"expr": "tanh(x*w + b)", "values": values}),
                ("steps", "GET", f"/graph/steps?expr={quote('tanh(x*w + b)')}&vars=x={x};w={wt};b={b}&t={token}",
                 None),
            ]:
                headers = {"Sec-Fetch-Site": "same-origin"} if kind == "steps" else None
                status, t, text = request(port, method, path, body, headers=headers, answer=True)
                ordinary.append((kind, status, t))
                if kind == "small graph" and status == 200:
                    grads = json.loads(text)["grads"]
                    slope = 1 - math.tanh(x * wt + b) ** 2
                    assert grads["x"] == pytest.approx(wt * slope) and grads["b"] == pytest.approx(slope)
        stop.set()
        for t in flooders:
            t.join(TIMEOUT + QUEUE + 5)
        time.sleep(0.3)
        left = dot_children()
    request(port, "POST", f"/api/train/{job}/reset", {})
    renderer = app.extensions["tinygrad_edu_renderer"]
    worst = max(t for _, _, t in ordinary)
    by_kind = {k: max(t for kk, _, t in ordinary if kk == k) for k, _, _ in ordinary}
    print(f"\nflood: {len(flood_answers)} expensive answers {sorted({s for s, _ in flood_answers})}, "
          f"worst {max(t for _, t in flood_answers):.2f} s; ordinary: {len(ordinary)} answers, worst {worst:.3f} s "
          f"({', '.join(f'{k} {v * 1000:.0f} ms' for k, v in by_kind.items())}); peak dot {w.peak_dots}, "
          f"peak RSS {w.peak_rss:.0f} MB, renderer {renderer.stats}")
    bad = [(k, s) for k, s, _ in ordinary if s != 200]
    assert not bad, bad
    assert worst < ORDINARY_BOUND
    assert {s for s, _ in flood_answers} <= {400, 503}  # shed (busy) or stopped at the time limit
    assert any(s == 503 for s, _ in flood_answers), "the flood was never shed: it was not a flood"
    assert max(t for _, t in flood_answers) < TIMEOUT + QUEUE + 3.0
    assert w.peak_dots <= SLOTS and renderer.stats["peak_expensive"] <= SLOTS - 1 and left == []
    assert w.peak_rss < RSS_BOUND_MB


def test_the_reserved_slot_serves_small_drawings_only(monkeypatch):
    """viz.render.Renderer directly: with one expensive drawing running and its slot full, a second
    expensive one is shed (RenderBusy) while a small one still draws; a misjudged 'small' drawing
    leaves the reserved slot after cheap_timeout."""
    from tinygrad_edu.expr import parse_expression
    from viz import render
    from viz.graph import draw_graph

    monkeypatch.setattr(render, "DOT_EFFORT_LIMITS", ())
    r = render.Renderer(2, queue_timeout=0.5, reserved=1, cheap_timeout=0.5)
    slow = draw_graph(parse_expression(SLOW, {"x": 1.0})).source
    small = draw_graph(parse_expression("tanh(x*w + b)", {"x": 1.0, "w": 2.0, "b": 3.0})).source
    assert not r.is_cheap(slow) and r.is_cheap(small)
    first = threading.Thread(target=lambda: pytest.raises(render.RenderTimeout, r.render, slow, "svg", 3.0))
    first.start()
    deadline = time.monotonic() + 5
    while r.stats["expensive"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(render.RenderBusy):
        r.render(slow + " ", "svg", 3.0)  # another expensive drawing: no slot for it
    assert r.render(small, "svg", 3.0).startswith(b"<?xml")  # the reserved slot
    first.join(10)
    assert r.stats["peak_expensive"] == 1 and r.stats["busy"] == 1 and r.stats["cheap"] == 1
    r.cheap_edges = 10**6  # now every drawing looks small: the slow one is moved out after 0.5 s
    with pytest.raises(render.RenderTimeout, match="more than 1.5 s"):
        r.render(slow + "  ", "svg", 1.5)
    assert r.stats["cheap"] == 2 and r.stats["expensive"] == 2 and dot_children() == []
    with pytest.raises(ValueError, match="reserved"):
        render.Renderer(2, reserved=2)


def _slow_starting_dot(tmp_path, monkeypatch, sleep: float) -> str:
    """Put a `dot` first on PATH that records its niceness, sleeps `sleep` s (wall time, no CPU:
    what a loaded machine does to a small layout) and then runs the real one."""
    real, log = shutil.which("dot"), tmp_path / "nice.log"
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nnice >> "{log}"\nsleep {sleep}\nexec "{real}" "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    return str(log)


def test_a_small_drawing_slowed_by_the_machine_keeps_its_reserved_slot(tmp_path, monkeypatch):
    """The cheap budget counts dot's CPU time: a small drawing that waits 1 s for the CPU (here:
    sleeps) is still drawn in the reserved slot, not moved to the expensive queue, where a flood
    would shed it (the 503 a student saw when the machine was loaded)."""
    from tinygrad_edu.expr import parse_expression
    from viz import render
    from viz.graph import draw_graph

    log = _slow_starting_dot(tmp_path, monkeypatch, 1.0)
    r = render.Renderer(2, queue_timeout=0.5, reserved=1, cheap_timeout=0.3)
    small = draw_graph(parse_expression("tanh(x*w + b)", {"x": 1.0, "w": 2.0, "b": 3.0})).source
    t = time.monotonic()
    assert r.render(small, "svg", 5.0).startswith(b"<?xml")
    assert time.monotonic() - t >= 1.0  # it did wait, 3x its cheap budget, in wall time
    assert r.stats["cheap"] == 1 and r.stats["expensive"] == 0 and r.stats["killed"] == 0
    with open(log) as f:
        assert [int(n) for n in f.read().split()] == [0]  # small drawings run at normal priority
    with pytest.raises(render.RenderTimeout, match="more than 0.6 s"):  # the wall-clock limit still holds
        r.render(small + " ", "svg", 0.6)


def test_expensive_drawings_run_at_lower_priority(tmp_path, monkeypatch):
    from tinygrad_edu.expr import parse_expression
    from viz import render
    from viz.graph import draw_graph

    log = _slow_starting_dot(tmp_path, monkeypatch, 0.0)
    r = render.Renderer(2, reserved=1)
    wide = draw_graph(parse_expression("+".join(["x"] * 40), {"x": 1.0})).source
    assert not r.is_cheap(wide)
    assert r.render(wide, "svg", 20.0).startswith(b"<?xml")
    with open(log) as f:
        assert [int(n) for n in f.read().split()] == [render._EXPENSIVE_NICE]


def test_cpu_seconds_counts_the_process_and_its_children():
    import subprocess
    import sys

    from viz import render

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)"
    proc = subprocess.Popen(["timeout", "-s", "KILL", "60", sys.executable, "-c", burn])  # the work is a grandchild
    try:
        deadline = time.monotonic() + 20
        while (render._cpu_seconds(proc.pid) or 0.0) < 0.35 and time.monotonic() < deadline:
            time.sleep(0.05)
        used = render._cpu_seconds(proc.pid)
        assert used is not None and 0.35 <= used < 1.5
    finally:
        proc.kill()
        proc.wait()
    assert render._cpu_seconds(proc.pid) is None  # gone: /proc cannot tell
