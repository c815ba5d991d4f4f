"""What the library's process-wide settings (tinygrad_edu/runtime.py) gain: our sustained steps
with each setting on and off, in alternating processes.

    .venv/bin/python bench/runtime_gain.py [--rounds 3] [--seconds 1.5] [--only W2,W3,D1,D2]

- malloc: glibc's mmap/trim thresholds raised (default) vs TINYGRAD_EDU_MALLOC=0;
- BLAS threads: the library's one thread (default) vs numpy's own default
  (TINYGRAD_EDU_THREADS=default), in the "default" thread setting of bench/sustained.py.

Each cell is the median over rounds of one process's window time / steps (bench/sustained.py's
worker), with the page faults per step; the ratio is off / on (above 1: the setting helps).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sustained  # noqa: E402

TOGGLES = {  # name -> (environment when on, environment when off)
    "malloc": ({}, {"TINYGRAD_EDU_MALLOC": "0"}),
    "BLAS threads": ({}, {"TINYGRAD_EDU_THREADS": "default"}),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--only", default="W2,W3,D1,D2")
    args = ap.parse_args(argv)
    keys = [k.strip().upper() for k in args.only.split(",") if k.strip()]
    print(f"load at start {sustained.load()}")
    print("| setting | workload | unit | on | off | off / on | faults per step on / off |")
    print("|---|---|---|---|---|---|---|")
    for name, (on, off) in TOGGLES.items():
        for key in keys:
            runs: dict[str, list[dict]] = {"on": [], "off": []}
            for r in range(args.rounds):
                for which in (("on", "off") if r % 2 == 0 else ("off", "on")):
                    env = on if which == "on" else off
                    runs[which].append(sustained.spawn(key, sustained.OURS, "default", args.seconds, extra_env=env))
            med = {w: statistics.median(x["value"] for x in rs if "value" in x) for w, rs in runs.items()}
            faults = {w: statistics.median(x["faults_per_step"] for x in rs if "value" in x) for w, rs in runs.items()}
            unit = runs["on"][0].get("unit", "")
            print(f"| {name} | {key} | {unit} | {med['on']:.3g} | {med['off']:.3g} | {med['off'] / med['on']:.2f}x | "
                  f"{faults['on']:.0f} / {faults['off']:.0f} |", flush=True)
    print(f"load at end {sustained.load()}; cores {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
