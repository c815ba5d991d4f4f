"""`make bench`: sustained training loops (the figures that count), then the single-call table.

    make bench                                   # or: .venv/bin/python bench/run.py   (about 15 min)
    .venv/bin/python bench/run.py --quick        # about 3 min
    .venv/bin/python bench/run.py --only W2,D1 --settings 1 --no-single-call

1. bench/sustained.py: each system (ours, PyTorch, micrograd, the numpy floor) in its own
   process, thousands of steps back to back, several rounds alternating the processes, in the
   default thread setting and with one thread for every library; medians, spreads, ratios to
   torch and to the numpy floor, the machine's load, and the targets of issue 14.
2. bench/single_call.py --quick: one call per system after gc.collect(), interleaved in one
   process, one BLAS thread (secondary, labelled as such).

First installs the peers when it can (torch==2.13.0 CPU, micrograd==0.1.0 into this environment;
a failure makes that peer "n/a"). A full run (no --quick, no --only) writes
bench/results/latest.md and latest.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import sustained  # noqa: E402  (imports no numerical library at module level)


def install_peers() -> list[str]:
    from bench.single_call import install_peers as install

    return install()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 rounds, short windows, W5 at 100,000 nodes")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2,D1,W5")
    ap.add_argument("--settings", default="default,1", help="thread settings: default, 1, or default,1")
    ap.add_argument("--no-single-call", action="store_true", help="skip the secondary single-call table")
    ap.add_argument("--no-install", action="store_true", help="do not pip install the peers")
    args = ap.parse_args(argv)
    started = time.time()
    if not args.no_install:
        for line in install_peers():
            print("peer: " + line, flush=True)
    full = not args.quick and not args.only
    out = ROOT / "bench" / "results" / "latest.md"
    cmd = [*(["--quick"] if args.quick else []), *(["--only", args.only] if args.only else []),
           "--settings", args.settings, *(["--out", str(out)] if full else [])]
    code = sustained.main(cmd)
    if code:
        return code
    if not args.no_single_call:
        print("\nSecondary table: single calls after gc.collect(), systems interleaved in one process "
              "(not a user's loop; see bench/single_call.py)", flush=True)
        only = [k for k in args.only.split(",") if k.strip() and k.strip().upper() in ("W1", "W2", "W3", "W4", "W6")]
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "single_call.py"), "--quick", "--no-install",
                               *(["--only", ",".join(only)] if only else ["--only", "W1,W2,W3,W4,W6"])],
                              cwd=ROOT, capture_output=True, text=True)
        text = proc.stdout if proc.returncode == 0 else f"failed (exit {proc.returncode}):\n{proc.stderr}"
        print(text)
        if full:
            with out.open("a") as f:
                f.write("\n## Secondary: single calls (not a user's loop)\n\n"
                        "`bench/single_call.py --quick`: one call per system after gc.collect(), gc frozen, "
                        "systems interleaved in one process, one BLAS thread.\n\n```\n" + text.strip() + "\n```\n")
    print(f"\nmake bench took {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
