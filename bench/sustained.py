"""Sustained training loops, timed the way a user runs them: each library in its own process,
thousands of steps back to back, in the default thread setting and with one thread.

    .venv/bin/python bench/sustained.py                 # all workloads, both settings, 5 rounds
    .venv/bin/python bench/sustained.py --quick         # 2 rounds, shorter windows, W5 at 100,000 nodes
    .venv/bin/python bench/sustained.py --only W2,D1 --settings 1

Method:
- One fresh process per (workload, system, thread setting, round). In it the step is built,
  warmed up (at least 2 steps and a fifth of the window), then run back to back for a fixed wall
  window (`--seconds`, at least MIN_STEPS steps). The process's figure is the window's wall time
  divided by its steps: a throughput, with the garbage collector, the allocator and page faults
  included exactly as in a user's loop (nothing is collected or frozen around the timing).
- Rounds: every workload, system and thread setting once per round, the order of the systems
  rotating from round to round, so drifts of a shared machine hit every system and both settings
  alike (on this 2-core machine the same code's step time drifts up to 2x over minutes). A figure
  is the median over rounds (5 by default: one slow window moves a median of five less than one of
  three); the spread is the min-max over rounds. Ratios are ratios of medians of one run.
- Thread settings. "default": every library as installed: numpy's and torch's own thread
  counts, and ours whatever `tinygrad_edu.threads` chooses; the runner removes
  OMP/OPENBLAS/MKL_NUM_THREADS from the children's environment (the Makefile exports one).
  "1": OMP/OPENBLAS/MKL_NUM_THREADS=1 and torch.set_num_threads(1) for every system.
  Each process reports the BLAS and torch thread counts it actually ran with.
- The machine's load (os.getloadavg) is printed before and after each round.
- W5 (the 1,000,000-node chain) is one build + backward per process (bench/workloads/w5_depth.py),
  in the first W5_ROUNDS rounds; its peak memory per node is measured in the same process.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
OURS, TORCH, FLOOR, MICRO = "tinygrad_edu", "torch", "numpy floor", "micrograd"
SYSTEMS = (OURS, TORCH, MICRO, FLOOR)
KEYS = ("W1", "W2", "W3", "W4", "W6", "D1", "D2", "M1", "M2")
MIN_STEPS = 3
W5_ROUNDS = 2  # one chain per process and round: 10-15 s each at 1,000,000 nodes
WINDOW_SCALE = {"W1": 2.0, "W6": 1.0}  # slow steps: a longer window keeps the step count up

# target key -> (workload, peer, limit, what)
TARGETS = [
    ("W1", MICRO, 0.1, "ours / micrograd time"),
    ("W2", TORCH, 0.8, "ours / torch time"),
    ("W3", TORCH, 0.5, "ours / torch time"),
    ("W4", TORCH, 1.0, "ours / torch per-op time"),
    ("D1", TORCH, 0.5, "ours (nn.fit) / torch loop time per batch"),
    ("D2", TORCH, 0.6, "ours (nn.fit) / torch loop time per batch"),
    ("M1", TORCH, 1.0, "ours / torch time"),
    ("M2", TORCH, 1.0, "ours / torch time"),
]


# --- the workloads ------------------------------------------------------------------------------

def workloads() -> dict:
    """key -> module-like object with NAME, UNIT, BUILDERS and optionally SCALE (seconds -> unit)."""
    from bench.workloads import digits_fit, w1_scalar, w2_mlp, w3_cnn, w4_overhead, w6_gradcheck

    found = {"W1": w1_scalar, "W2": w2_mlp, "W3": w3_cnn, "W4": w4_overhead, "W6": w6_gradcheck,
             **digits_fit.WORKLOADS}
    try:
        from bench.workloads import mnist1d_seq

        found.update(mnist1d_seq.WORKLOADS)
    except ImportError:  # the sequence layers (nn.Conv1d, nn.GRU) are not there yet
        pass
    return found


# --- inside one worker process ------------------------------------------------------------------

def _threads_in_use() -> dict:
    """The thread counts this process runs with: each BLAS/OpenMP pool, and torch's intra-op count."""
    out: dict = {}
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            out[f"{info['internal_api']}:{Path(info['filepath']).name}"] = info["num_threads"]
    except ImportError:
        pass
    if "torch" in sys.modules:
        out["torch.get_num_threads"] = sys.modules["torch"].get_num_threads()
    return out


def worker(key: str, system: str, seconds: float) -> dict:
    """Build `system`'s step of workload `key`, warm it up, run it back to back for `seconds`."""
    module = workloads()[key]
    build = module.BUILDERS.get(system)
    if build is None:
        return {"status": "not part of this workload"}
    try:
        step = build()
    except ImportError as e:
        missing = str(e).startswith("No module named") and e.name
        return {"status": f"n/a: {e.name} not installed" if missing else f"n/a: {e}"}
    scale = getattr(module, "SCALE", 1e3)
    t0 = time.perf_counter()
    warm = 0
    while warm < 2 or time.perf_counter() - t0 < seconds / 5:
        step()
        warm += 1
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    per_step = []
    start = time.perf_counter()
    while len(per_step) < MIN_STEPS or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        step()
        per_step.append(time.perf_counter() - t)
    wall = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
    return {"steps": len(per_step), "value": wall / len(per_step) * scale, "unit": module.UNIT,
            "median_step": statistics.median(per_step) * scale, "faults_per_step": faults / len(per_step),
            "threads": _threads_in_use()}


# --- the runner ---------------------------------------------------------------------------------

def child_env(setting: str) -> dict[str, str]:
    env = os.environ.copy()
    for var in (*THREAD_VARS, "BENCH_THREADS"):
        env.pop(var, None)
    if setting == "1":
        env.update({var: "1" for var in THREAD_VARS}, BENCH_THREADS="1")
    return env


def spawn(key: str, system: str, setting: str, seconds: float, timeout: float = 300,
          extra_env: dict[str, str] | None = None) -> dict:
    """One worker process: `worker(key, system, seconds)` in thread setting `setting`."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", key, system, str(seconds)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env={**child_env(setting), **(extra_env or {})}, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"error: timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def run(keys: list[str], settings: list[str], rounds: int, seconds: float, w5_nodes: int | None,
        log=print) -> dict:
    """All measurements: {"runs": {setting: {key: {system: [per-round dicts]}}}, "loads": [...]}."""
    from bench.workloads import w5_depth

    mods = workloads()
    runs: dict = {s: {} for s in settings}
    loads: list[str] = []
    for r in range(rounds):  # both settings in every round: a drift of the machine hits both alike
        for setting in settings:
            before = load()
            t_round = time.time()
            for key in keys:
                if key == "W5":
                    continue
                systems = [s for s in SYSTEMS if s in mods[key].BUILDERS]
                k = r % len(systems)
                for system in systems[k:] + systems[:k]:
                    window = seconds * WINDOW_SCALE.get(key, 1.0)
                    res = spawn(key, system, setting, window)
                    runs[setting].setdefault(key, {}).setdefault(system, []).append(res)
            if w5_nodes and "W5" in keys and r < W5_ROUNDS:
                systems = [OURS, TORCH] if r % 2 == 0 else [TORCH, OURS]
                for system in systems:
                    res = w5_depth.run_subprocess(system, w5_nodes, env=child_env(setting))
                    if "seconds" in res:
                        res["value"], res["unit"] = res["seconds"], "s"
                    runs[setting].setdefault("W5", {}).setdefault(system, []).append(res)
            line = (f"setting {setting} round {r + 1}/{rounds}: {time.time() - t_round:.0f} s, "
                    f"load before {before}, after {load()}")
            loads.append(line)
            log(line, flush=True)
    if w5_nodes and "W5" in keys:  # micrograd's recursive backward fails long before 1M nodes
        res = w5_depth.run_subprocess(MICRO, w5_depth.MICROGRAD_NODES)
        for setting in settings:
            runs[setting]["W5"][MICRO] = [res]
    return {"runs": runs, "loads": loads}


# --- summaries ----------------------------------------------------------------------------------

def summary(per_round: list[dict]) -> dict | None:
    vals = [r["value"] for r in per_round if "value" in r]
    if not vals:
        return None
    out = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "rounds": len(vals)}
    for extra in ("kib_per_node", "faults_per_step", "steps"):
        xs = [r[extra] for r in per_round if extra in r]
        if xs:
            out[extra] = statistics.median(xs)
    out["threads"] = next((r["threads"] for r in per_round if "threads" in r), {})
    return out


def status(per_round: list[dict]) -> str:
    return next((r["status"] for r in per_round if "status" in r), "n/a")


def fmt(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def ratio(res: dict, key: str, peer: str) -> float | None:
    a, b = res.get(key, {}).get(OURS), res.get(key, {}).get(peer)
    if a is None or b is None or a.get("summary") is None or b.get("summary") is None:
        return None
    return a["summary"]["median"] / b["summary"]["median"]


def summarize(data: dict) -> dict:
    """{setting: {key: {system: {"summary": ..., "status": ...}}}}."""
    out: dict = {}
    for setting, per_key in data["runs"].items():
        out[setting] = {}
        for key, per_sys in per_key.items():
            out[setting][key] = {s: {"summary": summary(rs), "status": status(rs)} for s, rs in per_sys.items()}
    return out


def table(summ: dict, setting: str, names: dict[str, str]) -> str:
    cols = [OURS, TORCH, MICRO, FLOOR]
    head = ["workload", "unit", *cols, "ours/torch", "ours/floor", "ours/micrograd"]
    rows = [head, ["---"] * len(head)]
    for key, per_sys in summ[setting].items():
        cells = []
        for s in cols:
            v = per_sys.get(s)
            if v is None:
                cells.append("")
            elif v["summary"] is None:
                cells.append(v["status"])
            else:
                sm = v["summary"]
                cell = f"{fmt(sm['median'])} ({fmt(sm['min'])}-{fmt(sm['max'])})"
                if "kib_per_node" in sm:
                    cell += f", {sm['kib_per_node']:.2f} KiB/node"
                cells.append(cell)
        rats = [ratio(summ[setting], key, p) for p in (TORCH, FLOOR, MICRO)]
        unit = names.get(key + ":unit", "")
        rows.append([names.get(key, key), unit, *cells, *("" if x is None else f"{x:.2f}x" for x in rats)])
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def targets(summ: dict, w5_nodes: int | None) -> list[dict]:
    out = []
    for setting, per_key in summ.items():
        for key, peer, limit, what in TARGETS:
            if key not in per_key:
                continue
            x = ratio(per_key, key, peer)
            out.append({"setting": setting, "workload": key, "target": what, "limit": f"<= {limit:g}x",
                        "measured": "n/a" if x is None else f"{x:.2f}x",
                        "verdict": "n/a" if x is None else ("MET" if x <= limit else "MISSED")})
        if "W5" in per_key:
            x = ratio(per_key, "W5", TORCH)
            label = "ours / torch time" + ("" if w5_nodes == 1_000_000 else f" ({w5_nodes:,} nodes)")
            out.append({"setting": setting, "workload": "W5", "target": label, "limit": "<= 0.5x",
                        "measured": "n/a" if x is None else f"{x:.2f}x",
                        "verdict": "n/a" if x is None else ("MET" if x <= 0.5 else "MISSED")})
            ours = per_key["W5"].get(OURS, {}).get("summary")
            kib = ours.get("kib_per_node") if ours else None
            out.append({"setting": setting, "workload": "W5", "target": "peak memory per node", "limit": "<= 0.4 KiB",
                        "measured": "n/a" if kib is None else f"{kib:.2f} KiB",
                        "verdict": "n/a" if kib is None else ("MET" if kib <= 0.4 else "MISSED")})
    return out


def targets_md(ts: list[dict]) -> str:
    rows = ["| setting | workload | target | measured | limit | verdict |", "|---|---|---|---|---|---|"]
    rows += [f"| {t['setting']} | {t['workload']} | {t['target']} | {t['measured']} | {t['limit']} | {t['verdict']} |"
             for t in ts]
    return "\n".join(rows)


def threads_md(summ: dict) -> str:
    """Which thread counts each system actually ran with, per setting (from the workers)."""
    lines = []
    for setting, per_key in summ.items():
        seen: dict[str, dict] = {}
        for per_sys in per_key.values():
            for s, v in per_sys.items():
                if v["summary"] and v["summary"].get("threads") and s not in seen:
                    seen[s] = v["summary"]["threads"]
        lines.append(f"- setting {setting}: " + "; ".join(
            f"{s}: " + ", ".join(f"{k}={n}" for k, n in th.items()) for s, th in seen.items()))
    return "\n".join(lines)


def names_of(keys: list[str], w5_nodes: int | None) -> dict[str, str]:
    mods = workloads()
    names = {k: mods[k].NAME for k in keys if k in mods}
    for k in keys:
        if k in mods:
            names[k + ":unit"] = mods[k].UNIT
    if w5_nodes:
        names["W5"], names["W5:unit"] = f"W5 depth: {w5_nodes:,}-node scalar chain", "s"
    return names


def machine() -> list[str]:
    import numpy as np

    def ver(d: str) -> str:
        from importlib import metadata

        try:
            return metadata.version(d)
        except metadata.PackageNotFoundError:
            return "absent"

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return [f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            f"python {platform.python_version()}; numpy {np.__version__}; torch {ver('torch')}; "
            f"micrograd {ver('micrograd')}"]


def report(data: dict, args: argparse.Namespace, started: float) -> str:
    summ = summarize(data)
    keys = [k for k in (*KEYS, "W5") if any(k in summ[s] for s in summ)]
    names = names_of(keys, data.get("w5_nodes"))
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [f"Sustained benchmark of {when} (`bench/sustained.py {' '.join(sys.argv[1:])}`)",
          "", *[f"- {m}" for m in machine()],
          f"- method: one process per workload, system, setting and round; {args.rounds} rounds, systems rotating; "
          f"{args.seconds:g} s timed window per process after warm-up; figure = window time / steps, "
          "median over rounds (min-max over rounds in brackets)",
          *[f"- {ln}" for ln in data["loads"]],
          f"- whole run {time.time() - started:.0f} s", "", "Threads each system ran with:", threads_md(summ)]
    for setting in summ:
        md += ["", f"Setting `{setting}` threads:", "", table(summ, setting, names)]
    md += ["", "Targets (issue 14), ratios of medians from this run:", "",
           targets_md(targets(summ, data.get("w5_nodes")))]
    return "\n".join(md) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds, 0.6 s windows, W5 at 100,000 nodes")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2,D1,W5")
    ap.add_argument("--settings", default="default,1", help="thread settings: default, 1, or both (default,1)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None, help="timed window per process")
    ap.add_argument("--out", default=None, help="write the markdown (and .json) here")
    ap.add_argument("--worker", nargs=3, metavar=("KEY", "SYSTEM", "SECONDS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    if args.seconds is None:
        args.seconds = 0.6 if args.quick else 1.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        key, system, seconds = args.worker
        print(json.dumps(worker(key, system, float(seconds))))
        return 0
    started = time.time()
    available = [*workloads(), "W5"]
    keys = ([k.strip().upper() for k in args.only.split(",") if k.strip()]
            or [k for k in (*KEYS, "W5") if k in available])
    unknown = [k for k in keys if k not in available]
    if unknown:
        print(f"unknown or unavailable workload(s) {', '.join(unknown)}; choose from {', '.join(available)}",
              file=sys.stderr)
        return 2
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    w5_nodes = (100_000 if args.quick else 1_000_000) if "W5" in keys else None
    print(f"sustained benchmark: {', '.join(keys)}; settings {', '.join(settings)}; {args.rounds} rounds; "
          f"load at start {load()}", flush=True)
    data = run(keys, settings, args.rounds, args.seconds, w5_nodes)
    data["w5_nodes"] = w5_nodes
    text = report(data, args, started)
    print(text)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        out.with_suffix(".json").write_text(json.dumps({"summary": summarize(data), **data}, indent=1) + "\n")
        print(f"wrote {out} and {out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
