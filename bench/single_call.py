"""The single-call table (secondary): one call per system right after gc.collect(), interleaved in one process.

    .venv/bin/python bench/single_call.py            # `make bench` runs it with --quick after bench/sustained.py
    .venv/bin/python bench/single_call.py --quick    # fewer repetitions, W5 at 100,000 nodes
    .venv/bin/python bench/single_call.py --only W2,W4
    .venv/bin/python bench/single_call.py --extra    # also bench/optim_step.py, bench/digits_epoch.py

This is not how a user's loop runs (bench/sustained.py measures that, and its figures are the
ones that count): it shows the engine's own cost per call without the garbage collector and
allocator state of a long loop.

First installs the peers it compares against when it can (torch==2.13.0 CPU, micrograd==0.1.0,
into this interpreter's environment; a failure only makes that peer "n/a"). Then, per workload,
every system is timed in the same process, interleaved (A B C A B C ...), and the table shows
the median, the min-max, and ours divided by each peer. The targets of issue 6 follow, each MET
or MISSED with its measured ratio. A full run writes bench/results/single_call.md and .json.

Threads: BLAS/OpenMP thread counts are set before numpy or torch load, the same for every
system, and printed with the table. The default is one thread: systems timed side by side in one
process tax each other through idle threads that spin (OpenBLAS's and OpenMP's) and, on a 2-core
machine that anything else also uses, multi-threaded timings swing by 10x from run to run, while
single-threaded ones repeat. `--threads N` measures with N threads per library; then
OPENBLAS_THREAD_TIMEOUT and OMP_WAIT_POLICY=PASSIVE make idle threads of every library sleep
instead of spinning while the next system runs.
"""

from __future__ import annotations

import argparse
import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
OPENBLAS_TIMEOUT = "1"  # 2^(1+4) = 32 cycles of spinning; OpenBLAS clamps the value to [4, 30]
PEERS = ("torch==2.13.0", "micrograd==0.1.0")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions; W5 at 100,000 nodes")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2,W4")
    ap.add_argument("--extra", action="store_true",
                    help="also run bench/optim_step.py and bench/digits_epoch.py when present")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/OpenMP/torch threads for every system (default 1; see the module docstring)")
    ap.add_argument("--no-install", action="store_true", help="do not try to pip install the peers")
    ap.add_argument("--out", default=None,
                    help="write the markdown/JSON here (default: bench/results/single_call.md after a full run)")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # before numpy or torch is imported anywhere: they read these at load time
    for var in THREAD_VARS:
        os.environ[var] = str(ARGS.threads)
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = OPENBLAS_TIMEOUT
    if ARGS.threads > 1:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["BENCH_THREADS"] = str(ARGS.threads)

import datetime  # noqa: E402
import importlib.metadata as metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench import harness  # noqa: E402
from bench.harness import Result  # noqa: E402
from bench.workloads import floors, w1_scalar, w2_mlp, w3_cnn, w4_overhead, w5_depth, w6_gradcheck  # noqa: E402

OURS = "tinygrad_edu"
# workload key -> (module, repetitions in a full run, in a quick run)
TIMED = {"W1": (w1_scalar, 7, 3), "W2": (w2_mlp, 40, 10), "W3": (w3_cnn, 30, 10), "W4": (w4_overhead, 50, 20),
         "W6": (w6_gradcheck, 3, 1)}
W5_REPS = (3, 1)
EXTRAS = ("optim_step.py", "digits_epoch.py")


# --- setup -------------------------------------------------------------------------------------

def install_peers() -> list[str]:
    """pip install each missing peer at its pinned version; returns one line per peer."""
    lines = []
    for spec in PEERS:
        name, version = spec.split("==")
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is not None and have.split("+")[0] == version:
            lines.append(f"{name} {have} (present)")
            continue
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", spec], capture_output=True, text=True)
        if proc.returncode == 0:
            lines.append(f"{name}: installed {spec}")
        else:
            err = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
            lines.append(f"{name}: could not install {spec} ({err}); reported as n/a")
    return lines


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average n/a"


def busy_warning(threads: int) -> str | None:
    """A warning when other processes keep the cores busy: timings are then noisy, and
    multi-threaded BLAS/OpenMP (torch especially) suffers most from waiting on descheduled threads."""
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return None
    cores = os.cpu_count() or 1
    if busy <= 0.5 * cores:
        return None
    advice = "rerun on an idle machine" + (", or with --threads 1" if threads > 1 else "")
    return (f"WARNING: the machine is busy (1-minute load {busy:.1f} on {cores} cores) before this run: "
            f"timings are noisier, multi-threaded ones most; {advice}")


def machine_lines(args: argparse.Namespace) -> list[str]:
    cores = os.cpu_count()
    return [
        f"machine: {cpu_model()}, {cores} cores, {platform.system()} {platform.release()}",
        f"python {platform.python_version()}; numpy {np.__version__}; torch {version('torch')}; "
        f"micrograd {version('micrograd')}; autograd {version('autograd')}",
        f"threads: {', '.join(f'{v}={args.threads}' for v in THREAD_VARS)}, torch.set_num_threads({args.threads}), "
        f"OPENBLAS_THREAD_TIMEOUT={OPENBLAS_TIMEOUT}"
        + (", OMP_WAIT_POLICY=PASSIVE (idle threads sleep instead of spinning)" if args.threads > 1 else "")
        + "; W5 torch: 1 thread",
        "timing: median over interleaved repetitions, one call per system per round, the order rotating "
        "(A B C, B C A, C A B, ...), after a warm-up call each; "
        "gc.freeze() after setup, gc.collect() before every timed call, outside the timing",
    ]


def correctness_lines() -> list[str]:
    """Proof, once per run, that the systems of a workload compute the same math."""
    lines = []
    for which in ("mlp", "cnn"):
        try:
            err = floors.check_against_torch(which)
            lines.append(f"numpy floor {which.upper()} vs torch (float64, grads + 3 optimizer steps): "
                         f"max rel. error {err:.1e} {'OK' if err < 1e-8 else 'MISMATCH'}")
        except ImportError:
            lines.append(f"numpy floor {which.upper()} vs torch: n/a (torch not installed)")
    try:
        diff = w1_scalar.check_same_loss()
        lines.append(f"W1 first loss, ours vs micrograd from the same weights: |diff| {diff:.1e} "
                     f"{'OK' if diff < 1e-9 else 'MISMATCH'}")
    except ImportError:
        lines.append("W1 loss vs micrograd: n/a (micrograd not installed)")
    except Exception as e:  # noqa: BLE001 - our side not ready is reported, not fatal
        lines.append(f"W1 loss vs micrograd: error {type(e).__name__}: {e}")
    return lines


# --- running -----------------------------------------------------------------------------------

def run_timed(key: str, quick: bool) -> list[Result]:
    module, full, fast = TIMED[key]
    return harness.time_interleaved(f"{key} {module.NAME.split(' ', 1)[1]}", module.UNIT, module.BUILDERS,
                                    reps=fast if quick else full, warmup=1,
                                    scale=getattr(module, "SCALE", 1e3))


def run_w5(quick: bool) -> list[Result]:
    nodes = 100_000 if quick else w5_depth.NODES
    reps = W5_REPS[1] if quick else W5_REPS[0]
    name = f"W5 depth: {nodes:,}-node scalar chain"
    systems = {OURS: nodes, "torch": nodes}
    out = {s: Result(name, s, "s", note=f"{n:,} nodes") for s, n in systems.items()}
    kib: dict[str, list[float]] = {s: [] for s in systems}
    for _ in range(reps):  # interleaved, a fresh process each time
        for system, n in systems.items():
            r = w5_depth.run_subprocess(system, n)
            if "status" in r:
                out[system].status = r["status"]
            elif not out[system].status:
                out[system].samples.append(r["seconds"])
                kib[system].append(r["kib_per_node"])
    for system, res in out.items():
        if res.ok:
            res.extra["kib_per_node"] = float(np.median(kib[system]))
            res.note = f"{nodes:,} nodes, peak {res.extra['kib_per_node']:.2f} KiB/node"
    mg = w5_depth.run_subprocess("micrograd", w5_depth.MICROGRAD_NODES)
    micro = Result(name, "micrograd", "s", note=f"{w5_depth.MICROGRAD_NODES:,} nodes")
    if "status" in mg:
        micro.status = mg["status"]
    else:
        micro.samples, micro.extra["kib_per_node"] = [mg["seconds"]], mg["kib_per_node"]
    return [*out.values(), micro]


def ratio(results: list[Result], peer: str) -> float | None:
    by = {r.system: r for r in results}
    ours, other = by.get(OURS), by.get(peer)
    if ours is None or other is None or not ours.ok or not other.ok:
        return None
    return ours.median / other.median


# --- report ------------------------------------------------------------------------------------

def fmt(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def table_rows(all_results: dict[str, list[Result]]) -> list[list[str]]:
    rows = []
    for results in all_results.values():
        for r in results:
            if r.ok:
                med, rng = fmt(r.median), f"{fmt(min(r.samples))}-{fmt(max(r.samples))}"
                rel = ratio(results, r.system) if r.system != OURS else None
                rel_s = "" if r.system == OURS else ("n/a" if rel is None else f"{rel:.2f}x")
            else:
                med, rng, rel_s = r.status, "", ""
            rows.append([r.workload, r.system, med, rng, r.unit if r.ok else "", rel_s, r.note,
                         str(len(r.samples)) if r.ok else ""])
    return rows


HEADER = ["workload", "system", "median", "min-max", "unit", "ours / this", "note", "reps"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADER, widths))
    out = [line, "-" * len(line)]
    last = None
    for r in rows:
        cells = [("" if r[0] == last else r[0]), *r[1:]]
        last = r[0]
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(out)


def md_table(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    return "\n".join(out)


def targets(all_results: dict[str, list[Result]], quick: bool) -> list[dict]:
    """The targets of issue 6: each with the measured figure, the limit and MET / MISSED / n/a."""
    out = []

    def add(key: str, what: str, value: float | None, limit: float, unit: str = "x", why_na: str = "") -> None:
        if value is None:
            verdict, shown = "n/a", why_na or "not measured (system missing or failed)"
        else:
            verdict, shown = ("MET" if value <= limit else "MISSED"), f"{value:.2f}{unit}"
        out.append({"workload": key, "target": what, "measured": shown, "limit": f"{limit:g}{unit}",
                    "verdict": verdict, "value": value})

    def get(key: str) -> list[Result]:
        return all_results.get(key, [])

    if "W1" in all_results:
        add("W1", "ours / micrograd time", ratio(get("W1"), "micrograd"), 0.5)
        unfused = {r.system: r for r in get("W1")}
        u, m = unfused.get("tinygrad_edu unfused graph"), unfused.get("micrograd")
        add("W1", "unfused (micrograd's graph) / micrograd", u.median / m.median if u and m and u.ok and m.ok else None,
            0.5)
    if "W2" in all_results:
        add("W2", "ours / torch time", ratio(get("W2"), "torch"), 1.0)
        add("W2", "ours / numpy floor time", ratio(get("W2"), "numpy floor"), 1.5)
    if "W3" in all_results:
        add("W3", "ours / torch time", ratio(get("W3"), "torch"), 1.5)
    if "W4" in all_results:
        add("W4", "ours / torch per-op time", ratio(get("W4"), "torch"), 3.0)
    if "W5" in all_results:
        ours = next((r for r in get("W5") if r.system == OURS), None)
        ok = ours is not None and ours.ok
        nodes = 100_000 if quick else w5_depth.NODES
        scale = w5_depth.NODES / nodes
        label = "1M-node chain seconds" + (f" (extrapolated x{scale:g} from {nodes:,} nodes)" if scale != 1 else "")
        add("W5", label, ours.median * scale if ok else None, 3.0, " s",
            why_na=ours.status if ours is not None else "")
        add("W5", "peak memory per node", ours.extra.get("kib_per_node") if ok else None, 1.0, " KiB",
            why_na=ours.status if ours is not None else "")
    if "W6" in all_results:
        add("W6", "ours / torch gradcheck time", ratio(get("W6"), "torch"), 1.0)
    return out


def targets_text(ts: list[dict]) -> str:
    lines = []
    for t in ts:
        lines.append(f"{t['workload']}  {t['target']:<55s} {t['measured']:>10s}  (limit {t['limit']:>7s})  "
                     f"{t['verdict']}")
    return "\n".join(lines)


def run_extras() -> list[str]:
    texts = []
    for name in EXTRAS:
        path = ROOT / "bench" / name
        if not path.exists():
            texts.append(f"bench/{name}: not present")
            continue
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True)
        ok = proc.returncode == 0
        body = proc.stdout.strip() if ok else f"failed (exit {proc.returncode}):\n{proc.stderr.strip()}"
        texts.append(f"bench/{name}:\n{body}")
    return texts


def main(args: argparse.Namespace) -> int:
    started = time.time()
    print("tinygrad_edu benchmark suite" + (" (--quick)" if args.quick else ""))
    setup = [] if args.no_install else install_peers()
    for line in setup:
        print("peer: " + line)
    header = machine_lines(args)
    header.append(f"at start: {load()}")
    warning = busy_warning(args.threads)
    if warning:
        header.append(warning)
    print("\n".join(header))
    checks = correctness_lines()
    print("\n".join(checks))

    wanted = [k.strip().upper() for k in args.only.split(",") if k.strip()] or ["W1", "W2", "W3", "W4", "W5", "W6"]
    unknown = [k for k in wanted if k not in (*TIMED, "W5")]
    if unknown:
        print(f"unknown workload(s) {', '.join(unknown)}; choose from W1..W6", file=sys.stderr)
        return 2
    all_results: dict[str, list[Result]] = {}
    for key in wanted:
        t0 = time.time()
        print(f"running {key} ...", flush=True)
        all_results[key] = run_w5(args.quick) if key == "W5" else run_timed(key, args.quick)
        print(f"  {key} took {time.time() - t0:.0f} s", flush=True)

    rows = table_rows(all_results)
    ts = targets(all_results, args.quick)
    header.append(f"at end: {load()}; whole run {time.time() - started:.0f} s")
    print()
    print(text_table(rows))
    print("\nTargets (issue 6), ratios of medians from this run:")
    print(targets_text(ts))
    extras = run_extras() if args.extra else []
    for text in extras:
        print("\n" + text)

    full = not args.quick and not args.only
    out = Path(args.out) if args.out else (ROOT / "bench" / "results" / "single_call.md" if full else None)
    if out is not None:
        write_results(out, args, header, checks, rows, ts, all_results, extras)
        shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
        print(f"\nwrote {shown} and {out.with_suffix('.json').name}")
    return 0


def write_results(out: Path, args, header, checks, rows, ts, all_results, extras) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "bench/single_call.py " + " ".join(a for a in sys.argv[1:])
    md = [f"Benchmark run of {when} (`{cmd.strip()}`)", "", *[f"- {h}" for h in header],
          *[f"- {c}" for c in checks], "", md_table(rows), "",
          "Targets (issue 6), ratios of medians from this run:", "",
          "| workload | target | measured | limit | verdict |", "|---|---|---|---|---|",
          *[f"| {t['workload']} | {t['target']} | {t['measured']} | {t['limit']} | {t['verdict']} |" for t in ts]]
    for text in extras:
        md += ["", "```", text, "```"]
    out.write_text("\n".join(md) + "\n")
    data = {"when": when, "command": cmd.strip(), "machine": header, "checks": checks,
            "results": [r.as_dict() for rs in all_results.values() for r in rs],
            "targets": ts, "extras": extras}
    out.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(ARGS))
