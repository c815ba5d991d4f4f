"""Attack cases against the playground served over real HTTP on 127.0.0.1: Graphviz work is
bounded in time and concurrency, dies with its request, and cross-site GETs cost nothing.

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

import pytest

pytest.importorskip("flask", reason="the web playground needs Flask (extra 'web')")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

TIMEOUT, QUEUE, SLOTS = 2.0, 2.0, 2
SLOW = "+".join(["x"] * 98)  # minutes of `dot` without effort limits (and within the parser's 200 terms)
RSS_BOUND_MB = 1024


def dot_children() -> list[int]:
    """PIDs of `dot` processes whose parent is this process."""
    me, out = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
            ppid = int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if name == "dot" and ppid == me:
            out.append(int(pid))
    return out


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


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    try:
        data = None if body is None else json.dumps(body)
        h = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=data, headers={**h, **(headers or {})})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - start
    finally:
        conn.close()


def test_cross_site_gets_of_the_steps_page_cost_nothing(served):
    port, app = served
    renderer = app.extensions["tinygrad_edu_renderer"]
    q = "/graph/steps?expr=" + SLOW + "&vars=x=1"
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
    status, elapsed = request(port, "GET", f"/graph/steps?expr={SLOW}&vars=x=1&t={token}",
                              headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 400 and elapsed < TIMEOUT + 3.0
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
