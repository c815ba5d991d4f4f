"""Race the optimizers on a 2-D test function and print final loss and distance to the minimum.

    tinygrad-edu optimizers --fn rosenbrock --steps 500 --out race.png

Functions (optim.testfns): rosenbrock, beale, saddle, quadratic. Every optimizer of
`optim.catalog` starts from the function's standard start point with the learning rate the
catalog gives it for that function.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import UsageError, import_modules


def race(fn_name: str, steps: int) -> list[dict[str, Any]]:
    """One row per catalog optimizer: label, final loss, distance to the minimum, final point, status."""
    from optim import catalog

    fn = catalog.test_function(fn_name)
    rows = []
    for label, make in catalog.factories(fn).items():
        run = catalog.trajectory(fn, make, steps)
        rows.append({"optimizer": label, "loss": run.final_loss, "distance": run.distance(fn.minimum),
                     "x": run.final, "status": run.status, "steps": run.steps})
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fn", default="rosenbrock",
                        help="test function of optim.testfns: rosenbrock, beale, saddle, quadratic "
                             "(default rosenbrock)")
    parser.add_argument("--steps", type=int, default=500, help="steps per optimizer (default 500)")
    parser.add_argument("--out", metavar="PNG", default=None, help="also save the paths on the contour plot here")
    parser.add_argument("--module", action="append", default=[], metavar="NAME",
                        help="also import this module first (to race the optimizers it registers); repeatable")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.steps <= 100_000:
        raise UsageError(f"--steps must be between 1 and 100000, got {args.steps}")
    if args.out is not None and not args.out.lower().endswith((".png", ".svg", ".pdf")):
        raise UsageError(f"--out: use a .png, .svg or .pdf file name, got {args.out!r}")
    from optim import catalog

    import_modules(args.module)
    try:
        fn = catalog.test_function(args.fn)
    except ValueError as e:
        raise UsageError(f"--fn: {e}") from None
    rows = sorted(race(args.fn, args.steps), key=lambda r: (r["status"] != "ok", r["distance"]))
    print(f"{args.fn}: {args.steps} steps from {tuple(float(x) for x in fn.start)}, "
          f"minimum at {tuple(float(x) for x in fn.minimum)}\n")
    width = max(len(r["optimizer"]) for r in rows)
    print(f"{'rank':<5}{'optimizer':<{width}}  {'final loss':>12}  {'distance to min':>16}  final point")
    for i, r in enumerate(rows, 1):
        point = "(" + ", ".join(f"{x:.4f}" for x in r["x"]) + ")"
        note = f"  diverged after step {r['steps']}" if r["status"] != "ok" else ""
        print(f"{i:<5}{r['optimizer']:<{width}}  {r['loss']:>12.4e}  {r['distance']:>16.4e}  {point}{note}")
    if args.out:
        from viz import plot_optimizer_paths

        plot_optimizer_paths(fn, catalog.factories(fn), steps=args.steps, path=args.out)
        print(f"\nplot: {args.out}")
    return 0
