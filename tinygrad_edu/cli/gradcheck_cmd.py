"""Check every op's gradient against finite differences and print a table.

Every op registered as a `Function` subclass by the library (the engine, nn) or by a module
given with --module runs on its own small float64 examples (see `tinygrad_edu.op_examples`), and the
analytic gradient from backward() is compared with central differences (eps 1e-6) by
`gradcheck_report`, with PyTorch's rule |analytic - numeric| <= atol + rtol |numeric|. Value
methods built from several ops (softmax, var, ...) are checked too, as "composite".
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import import_modules


def _load_ops(modules: Iterable[str] = ()) -> None:
    """Register nn's ops and examples, then the user's modules' ops."""
    import nn  # noqa: F401  (registers nn.functional's ops)
    import nn.op_examples  # noqa: F401  (their examples)

    import_modules(modules)


def check_all(seed: int = 0, packages: tuple[str, ...] | None = None, modules: Iterable[str] = ()) -> list[dict]:
    """One row per example of every registered op, then the composites: {"op" (the case),
    "kind" (the registered op name or "composite"), "max_abs_err", "max_rel_err", "ok", "status"}.

    `packages`: only ops whose class is defined in one of these packages (e.g. ("tinygrad_edu",
    "nn")); None: every registered op, wherever it was defined.
    """
    from ..function import Function
    from ..op_examples import COMPOSITES, as_examples, check_example, check_op

    _load_ops(modules)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for cls in list(Function.registry.values()):
        if packages is None or cls.__module__.split(".")[0] in packages:
            rows += check_op(cls, rng)
    for maker in COMPOSITES.values():
        rows += [check_example(ex) for ex in as_examples(maker(rng))]
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed for the test inputs")
    parser.add_argument("--module", action="append", default=[], metavar="NAME",
                        help="also import this module first (to check the ops it defines); repeatable")


LIBRARY = ("tinygrad_edu", "nn")


def run(args: argparse.Namespace) -> int:
    packages = LIBRARY + tuple(name.split(".")[0] for name in args.module)
    rows = check_all(args.seed, packages=packages, modules=args.module)
    width = max(len(r["op"]) for r in rows)
    kind = max(len(r["kind"]) for r in rows)
    print(f"{'op':<{kind}}  {'case':<{width}}  {'max abs err':>12}  {'max rel err':>12}  result")
    for r in rows:
        print(f"{r['kind']:<{kind}}  {r['op']:<{width}}  {r['max_abs_err']:>12.2e}  {r['max_rel_err']:>12.2e}  "
              f"{r['status']}")
    failed = sum(r["status"] == "FAIL" or r["status"].startswith("example does not") for r in rows)
    missing = sum(r["status"].startswith("no example") for r in rows)
    print(f"{sum(r['ok'] for r in rows)} passed, {failed} failed, {missing} without an example")
    return 1 if failed else 0
