"""Race the optimizers on a 2-D test function and print final loss and distance to the minimum.

    tinygrad-edu optimizers --fn rosenbrock --steps 500 --out race.png

Functions (optim.testfns): rosenbrock, beale, saddle, quadratic. Each optimizer starts from the
function's standard start point with a learning rate that suits that function.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from . import UsageError

FUNCTIONS = ("rosenbrock", "beale", "saddle", "quadratic")

# Learning rates per function (plain SGD diverges on Rosenbrock above ~2e-3; Adam needs a larger
# step on the flat Beale plateau). The point of the race is the comparison, not tuning.
_LR = {
    "rosenbrock": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "rmsprop": 1e-2, "adagrad": 0.5, "adam": 5e-2},
    "beale": {"sgd": 1e-2, "momentum": 1e-3, "nesterov": 1e-3, "rmsprop": 1e-2, "adagrad": 0.5, "adam": 5e-2},
    "saddle": {"sgd": 5e-2, "momentum": 2e-2, "nesterov": 2e-2, "rmsprop": 1e-2, "adagrad": 0.3, "adam": 5e-2},
    "quadratic": {"sgd": 4e-2, "momentum": 2e-2, "nesterov": 2e-2, "rmsprop": 5e-2, "adagrad": 1.0, "adam": 1e-1},
}


def factories(fn_name: str) -> dict[str, Callable[[Any], Any]]:
    """{display name: factory(params) -> Optimizer} with learning rates suited to `fn_name`."""
    import optim

    lr = _LR[fn_name]
    return {
        f"SGD (lr={lr['sgd']:g})": lambda p: optim.SGD(p, lr=lr["sgd"]),
        f"Momentum 0.9 (lr={lr['momentum']:g})": lambda p: optim.SGD(p, lr=lr["momentum"], momentum=0.9),
        f"Nesterov 0.9 (lr={lr['nesterov']:g})": lambda p: optim.SGD(p, lr=lr["nesterov"], momentum=0.9,
                                                                     nesterov=True),
        f"Adagrad (lr={lr['adagrad']:g})": lambda p: optim.Adagrad(p, lr=lr["adagrad"]),
        f"RMSprop (lr={lr['rmsprop']:g})": lambda p: optim.RMSprop(p, lr=lr["rmsprop"]),
        f"Adam (lr={lr['adam']:g})": lambda p: optim.Adam(p, lr=lr["adam"]),
    }


def race(fn_name: str, steps: int) -> list[dict[str, Any]]:
    """Run every optimizer; one row per optimizer: final loss, distance to the minimum."""
    import numpy as np

    import optim

    from .. import Value

    fn = getattr(optim.testfns, fn_name)
    rows = []
    for name, make in factories(fn_name).items():
        v = Value(np.array(fn.start, dtype=np.float64))
        opt = make([v])
        with np.errstate(all="ignore"):
            for _ in range(steps):
                opt.zero_grad()
                fn(v).backward()
                opt.step()
                if not np.all(np.isfinite(v.data)):
                    break
            loss = float(fn(v).item())
        dist = float(np.linalg.norm(np.asarray(v.data) - fn.minimum))
        rows.append({"optimizer": name, "loss": loss, "distance": dist, "x": np.asarray(v.data).copy()})
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fn", default="rosenbrock",
                        help=f"test function: {', '.join(FUNCTIONS)} (default rosenbrock)")
    parser.add_argument("--steps", type=int, default=500, help="steps per optimizer (default 500)")
    parser.add_argument("--out", metavar="PNG", default=None, help="also save the paths on the contour plot here")


def run(args: argparse.Namespace) -> int:
    if args.fn not in FUNCTIONS:
        raise UsageError(f"--fn: unknown function {args.fn!r}; choose one of {', '.join(FUNCTIONS)}")
    if not 1 <= args.steps <= 100_000:
        raise UsageError(f"--steps must be between 1 and 100000, got {args.steps}")
    if args.out is not None and not args.out.lower().endswith((".png", ".svg", ".pdf")):
        raise UsageError(f"--out: use a .png, .svg or .pdf file name, got {args.out!r}")
    import optim

    fn = getattr(optim.testfns, args.fn)
    rows = sorted(race(args.fn, args.steps), key=lambda r: (not r["distance"] == r["distance"], r["distance"]))
    print(f"{args.fn}: {args.steps} steps from {tuple(float(x) for x in fn.start)}, "
          f"minimum at {tuple(float(x) for x in fn.minimum)}\n")
    width = max(len(r["optimizer"]) for r in rows)
    print(f"{'rank':<5}{'optimizer':<{width}}  {'final loss':>12}  {'distance to min':>16}  final point")
    for i, r in enumerate(rows, 1):
        point = "(" + ", ".join(f"{x:.4f}" for x in r["x"]) + ")"
        print(f"{i:<5}{r['optimizer']:<{width}}  {r['loss']:>12.4e}  {r['distance']:>16.4e}  {point}")
    if args.out:
        from viz import plot_optimizer_paths

        plot_optimizer_paths(fn, factories(args.fn), steps=args.steps, path=args.out)
        print(f"\nplot: {args.out}")
    return 0
