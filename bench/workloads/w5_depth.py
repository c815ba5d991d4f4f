"""W5 depth: a chain of N scalar multiplications (`z = z * 1.0000001`, N = 1,000,000), then
backward from the end. Each run is a fresh subprocess (`python -m bench.workloads.w5_depth
SYSTEM N`) that prints one JSON line: build and backward seconds, and peak memory: the peak
resident set size during build + backward minus the resident size just before, divided by N.
micrograd runs at 5,000 nodes, past its recursion limit, to show that it fails.
"""

from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

NAME, UNIT = "W5 depth: 1M-node scalar chain", "s"
NODES = 1_000_000
MICROGRAD_NODES = 5_000
FACTOR = 1.0000001
ROOT = Path(__file__).resolve().parents[2]


def _chain_ours(n: int):
    from tinygrad_edu import Value

    def run():
        x = Value(1.0)
        z = x
        t0 = time.perf_counter()
        for _ in range(n):
            z = z * FACTOR
        t1 = time.perf_counter()
        z.backward()
        t2 = time.perf_counter()
        assert abs(float(x.grad) - FACTOR**n) < 1e-6 * FACTOR**n
        return t1 - t0, t2 - t1

    return run


def _chain_torch(n: int):
    import os

    import torch

    if os.environ.get("BENCH_THREADS"):  # the thread setting the runner asked for
        torch.set_num_threads(int(os.environ["BENCH_THREADS"]))

    def run():
        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        z = x
        t0 = time.perf_counter()
        for _ in range(n):
            z = z * FACTOR
        t1 = time.perf_counter()
        z.backward()
        t2 = time.perf_counter()
        assert abs(float(x.grad) - FACTOR**n) < 1e-6 * FACTOR**n
        return t1 - t0, t2 - t1

    return run


def _chain_micrograd(n: int):
    from micrograd.engine import Value

    def run():
        x = Value(1.0)
        z = x
        t0 = time.perf_counter()
        for _ in range(n):
            z = z * FACTOR
        t1 = time.perf_counter()
        z.backward()
        return t1 - t0, time.perf_counter() - t1

    return run


CHAINS = {"tinygrad_edu": _chain_ours, "torch": _chain_torch, "micrograd": _chain_micrograd}


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Make VmHWM (peak RSS) restart from the current RSS (Linux 4.0+); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(system: str, n: int) -> dict:
    """Run in this (fresh) process: warm up on a short chain, then time and measure the long one."""
    try:
        run = CHAINS[system](n)
        CHAINS[system](100)()  # imports and first-call costs out of the way
    except ImportError as e:
        return {"status": f"n/a: {e.name or e} not installed"}
    gc.collect()
    base = _rss_kib("VmRSS")
    reset = _reset_peak()
    base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        build, back = run()
    except RecursionError:
        return {"status": "fails: RecursionError", "nodes": n}
    peak = _rss_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not reset and peak <= base_peak:
        return {"nodes": n, "build_s": build, "backward_s": back, "kib_per_node": float("nan")}
    return {"nodes": n, "build_s": build, "backward_s": back, "seconds": build + back,
            "kib_per_node": (peak - base) / n, "peak_mib": (peak - base) / 1024}


def run_subprocess(system: str, n: int, timeout: float = 300, env: dict[str, str] | None = None) -> dict:
    """`measure(system, n)` in a fresh process (with environment `env`, default this one's)."""
    try:
        out = subprocess.run([sys.executable, "-m", "bench.workloads.w5_depth", system, str(n)], cwd=ROOT,
                             capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"error: timed out after {timeout:.0f} s"}
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: exit {out.returncode}: {tail}"}
    return json.loads(lines[-1])


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))  # Python's default, stated
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
