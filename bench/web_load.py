"""Load test of the web playground: many graph-lab requests from concurrent clients.

    .venv/bin/python bench/web_load.py [--requests 200] [--clients 8] [--timeout 120]

Starts the playground on 127.0.0.1 (a free port, in a thread of this process), sends
`--requests` POST /api/graph requests from `--clients` concurrent client threads over real HTTP,
and checks every answer: status 200, an SVG, and the gradients equal to the analytic ones of
tanh(x*w + b) for that request's random values. Prints throughput and p50/p95/max latency.
Bounded: at most 2,000 requests and 32 clients, and the run stops at `--timeout` seconds.
Not a unit test (timings depend on the machine); exit status 1 if any answer was wrong.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=120.0, help="stop sending after this many seconds")
    args = parser.parse_args(argv)
    n = max(1, min(args.requests, 2000))
    clients = max(1, min(args.clients, 32))

    from tinygrad_edu.cli.serve import make_server

    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    try:
        one_request(port, -1, time.monotonic() + 30)  # warm up: imports, first `dot` run
        deadline = time.monotonic() + args.timeout
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(lambda i: one_request(port, i, deadline), range(n)))
        wall = time.perf_counter() - t0
    finally:
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
    return 0 if not wrong and len(done) == n else 1


if __name__ == "__main__":
    sys.exit(main())
