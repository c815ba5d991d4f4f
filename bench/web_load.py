"""Load test of the web playground: many graph-lab requests from concurrent clients.

    .venv/bin/python bench/web_load.py [--requests 200] [--clients 8] [--timeout 120] [--attack]

Starts the playground on 127.0.0.1 (a free port, in a thread of this process), sends
`--requests` POST /api/graph requests from `--clients` concurrent client threads over real HTTP,
and checks every answer: status 200, an SVG, and the gradients equal to the analytic ones of
tanh(x*w + b) for that request's random values. Prints throughput and p50/p95/max latency.
Bounded: at most 2,000 requests and 32 clients, and the run stops at `--timeout` seconds.
Not a unit test (timings depend on the machine); exit status 1 if any answer was wrong.

`--attack` adds, while the load runs, four attackers on loopback: cross-site GETs of the
step-through page (what an `<img src=http://127.0.0.1:8000/graph/steps?...>` on any web site
sends, with and without a page token), same-origin POSTs of the worst graph for Graphviz (a 98-term
fan-out, each with a different constant so nothing is cached) and same-origin step-through pages
of it, plus a student's tab doing ordinary requests (the page, a static file, /api/health, polls
of a training run). It reports the attack answers' statuses and worst time, the ordinary answers'
statuses and worst time, the most `dot` processes seen at once, whether any outlived the run, and
the peak RSS. The render slots shed only expensive drawings (viz.render: one of the two slots is
reserved for small ones), so under attack every graph request of the load and every ordinary
request must still answer 200: a 503 there is an error. The attack may get 403 (cross-site), 400
(stopped at the time limit) or 503 (shed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EXPR = "tanh(x*w + b)"


def expected(x: float, w: float, b: float) -> dict[str, float]:
    """d tanh(xw + b) / d(x, w, b), by hand."""
    t = 1.0 - math.tanh(x * w + b) ** 2
    return {"x": w * t, "w": x * t, "b": t}


def one_request(port: int, seed: int, deadline: float) -> tuple[float, bool, str]:
    """(latency in s, correct?, problem) for one graph request on its own connection."""
    if time.monotonic() > deadline:
        return 0.0, False, "skipped: over the time limit"
    rng = random.Random(seed)
    values = {"x": rng.uniform(-2, 2), "w": rng.uniform(-2, 2), "b": rng.uniform(-1, 1)}
    body = json.dumps({"expr": EXPR, "values": values})
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/graph", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
    except OSError as e:
        return time.perf_counter() - start, False, f"connection error: {e}"
    finally:
        conn.close()
    latency = time.perf_counter() - start
    if resp.status != 200:
        return latency, False, f"HTTP {resp.status}: {data[:100]!r}"
    answer = json.loads(data)
    want = expected(**values)
    if not answer.get("svg", "").startswith("<svg"):
        return latency, False, "no SVG"
    for name, g in want.items():
        if not math.isclose(answer["grads"].get(name, math.nan), g, rel_tol=1e-9, abs_tol=1e-12):
            return latency, False, f"wrong grad {name}: {answer['grads'].get(name)} != {g}"
    return latency, True, ""


ATTACK_EXPR = "+".join(["x"] * 98)


def _dot_children() -> int:
    """`dot` processes under this one (dot runs under coreutils' `timeout`: a grandchild)."""
    me, parent, dots = os.getpid(), {}, []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except OSError:
            continue
        parent[int(pid)] = int(tail.split()[1])
        if head.split("(", 1)[1] == "dot":
            dots.append(int(pid))
    return sum(me in (parent.get(p), parent.get(parent.get(p, 0))) for p in dots)


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


def _timed(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None) -> tuple:
    """(status, seconds, body) of one request on its own connection; status -1 if it failed."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        status, data = resp.status, resp.read()
    except OSError:
        status, data = -1, b""
    finally:
        conn.close()
    return status, time.perf_counter() - start, data


def _attack(port: int, token: str, me: int, stop: threading.Event, out: dict) -> None:
    """One attacker thread: in turn a cross-site GET of the steps page, an expensive POST and an
    expensive same-origin steps page (distinct expressions: nothing is cached)."""
    k = 0
    while not stop.is_set():
        k += 1
        expr = f"{ATTACK_EXPR} + {me * 100_000 + k}"
        if k % 3 == 1:
            kind, method, body = "cross-site GET", "GET", None
            path = f"/graph/steps?expr={quote(expr)}&vars=x=1" + ("&t=guess" if k % 2 else f"&t={token}")
            headers = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}
        elif k % 3 == 2:
            kind, method, path = "expensive POST", "POST", "/api/graph"
            body = json.dumps({"expr": expr, "values": {"x": 1}})
            headers = {"Content-Type": "application/json"}
        else:
            kind, method, body = "expensive steps", "GET", None
            path, headers = f"/graph/steps?expr={quote(expr)}&vars=x=1&t={token}", {"Sec-Fetch-Site": "same-origin"}
        status, seconds, _ = _timed(port, method, path, body, headers)
        with out["lock"]:
            out.setdefault(kind, []).append((status, seconds))


def _student(port: int, stop: threading.Event, out: list) -> None:
    """A student's tab: the page, a script, /api/health and polls of a training run, in turn."""
    status, _, data = _timed(port, "POST", "/api/train", json.dumps({"epochs": 500, "delay_ms": 50}),
                             {"Content-Type": "application/json"})
    job = json.loads(data)["id"] if status == 202 else "none"
    paths = ["/graph", "/static/graph.js", "/api/health", f"/api/train/{job}?since=0"]
    k = 0
    while not stop.is_set():
        status, seconds, _ = _timed(port, "GET", paths[k % len(paths)])
        out.append((paths[k % len(paths)].split("?")[0], status, seconds))
        k += 1
        time.sleep(0.05)
    _timed(port, "POST", f"/api/train/{job}/reset", "{}", {"Content-Type": "application/json"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=120.0, help="stop sending after this many seconds")
    parser.add_argument("--attack", action="store_true", help="attack the server at the same time (see above)")
    args = parser.parse_args(argv)
    n = max(1, min(args.requests, 2000))
    clients = max(1, min(args.clients, 32))

    from tinygrad_edu.cli.serve import make_server

    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    stop, attacks, watch = threading.Event(), {"lock": threading.Lock()}, {"dots": 0, "rss": 0.0}
    ordinary: list = []
    token = server.app.config["PAGE_TOKEN"]

    def sample() -> None:
        while not stop.is_set():
            watch["dots"] = max(watch["dots"], _dot_children())
            watch["rss"] = max(watch["rss"], _rss_mb())
            time.sleep(0.02)

    helpers = [threading.Thread(target=sample, daemon=True)]
    if args.attack:
        helpers += [threading.Thread(target=_attack, args=(port, token, i, stop, attacks), daemon=True)
                    for i in range(4)]
        helpers.append(threading.Thread(target=_student, args=(port, stop, ordinary), daemon=True))
    try:
        one_request(port, -1, time.monotonic() + 30)  # warm up: imports, first `dot` run
        deadline = time.monotonic() + args.timeout
        for h in helpers:
            h.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(lambda i: one_request(port, i, deadline), range(n)))
        wall = time.perf_counter() - t0
        stop.set()
        for h in helpers:
            h.join(70)
        time.sleep(0.2)
        left = _dot_children()
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)

    done = [r for r in results if not r[2].startswith("skipped")]
    latencies = sorted(r[0] * 1000 for r in done)
    wrong = [r[2] for r in done if not r[1]]
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else latencies * 99
    print(f"web playground load test: POST /api/graph {EXPR!r}, {len(done)}/{n} requests, {clients} clients, "
          f"127.0.0.1:{port}")
    print(f"  wall time     {wall:8.2f} s")
    print(f"  throughput    {len(done) / wall:8.1f} requests/s")
    print(f"  latency p50   {q[49]:8.1f} ms")
    print(f"  latency p95   {q[94]:8.1f} ms")
    print(f"  latency max   {latencies[-1]:8.1f} ms")
    problem = f"  first problem: {wrong[0]}" if wrong else ""
    print(f"  correct       {len(done) - len(wrong)}/{len(done)}{problem}")
    if len(done) < n:
        print(f"  stopped at the {args.timeout:g} s limit: {n - len(done)} requests not sent")
    bad_attack = 0
    for kind, answers in sorted((k, v) for k, v in attacks.items() if k != "lock"):
        statuses = sorted({s for s, _ in answers})
        allowed = {403} if kind == "cross-site GET" else {200, 400, 503}
        bad_attack += sum(s not in allowed for s, _ in answers)
        print(f"  attack {kind:15s} {len(answers):4d} answers, statuses {statuses}, "
              f"worst {max(t for _, t in answers) * 1000:8.1f} ms")
    bad_ordinary = sum(s != 200 for _, s, _ in ordinary)
    if ordinary:
        kinds = dict.fromkeys(k for k, _, _ in ordinary)
        worst = {k: max(t for kk, _, t in ordinary if kk == k) * 1000 for k in kinds}
        print(f"  ordinary GETs  {len(ordinary):4d} answers, statuses {sorted({s for _, s, _ in ordinary})}, worst "
              + ", ".join(f"{k} {v:.0f} ms" for k, v in worst.items()))
    print(f"  dot processes at most {watch['dots']} at once, {left} left after the run; peak RSS {watch['rss']:.0f} MB")
    ok = not wrong and len(done) == n and not bad_attack and not bad_ordinary and not left
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
