"""Check every op's gradient against finite differences and print a table.

Each op runs on random float64 inputs (broadcast shapes where the op broadcasts); the analytic
gradient from backward() is compared with central differences (eps 1e-6).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from .. import Value, concat, maximum, minimum, stack, where
from ..gradcheck import _leaf64, _numeric, _scalar_fn


def _cases(rng: np.random.Generator) -> list[tuple[str, Callable[..., Value], list[np.ndarray]]]:
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    pos = lambda *s: rng.uniform(0.5, 2.0, s)  # noqa: E731
    away = lambda *s: r(*s) + np.sign(r(*s)) * 0.2  # keeps kinks (relu, abs, max) out of reach of eps  # noqa: E731
    idx = np.array([0, 2, 2, 1])
    return [
        ("add (broadcast)", lambda a, b: a + b, [r(3, 4), r(4)]),
        ("sub", lambda a, b: a - b, [r(3, 1), r(1, 4)]),
        ("mul (broadcast)", lambda a, b: a * b, [r(2, 3, 4), r(3, 1)]),
        ("div", lambda a, b: a / b, [r(3, 4), pos(3, 4)]),
        ("neg", lambda a: -a, [r(5)]),
        ("pow (const exp)", lambda a: a**3, [r(3, 4)]),
        ("pow (value exp)", lambda a, b: a**b, [pos(3, 4), r(3, 4)]),
        ("matmul 2-D", lambda a, b: a @ b, [r(3, 4), r(4, 5)]),
        ("matmul 1-D @ 2-D", lambda a, b: a @ b, [r(4), r(4, 5)]),
        ("matmul batched", lambda a, b: a @ b, [r(2, 3, 4), r(4, 5)]),
        ("exp", lambda a: a.exp(), [r(3, 4)]),
        ("log", lambda a: a.log(), [pos(3, 4)]),
        ("sqrt", lambda a: a.sqrt(), [pos(3, 4)]),
        ("abs", lambda a: a.abs(), [away(3, 4)]),
        ("sin", lambda a: a.sin(), [r(3, 4)]),
        ("cos", lambda a: a.cos(), [r(3, 4)]),
        ("tanh", lambda a: a.tanh(), [r(3, 4)]),
        ("sigmoid", lambda a: a.sigmoid(), [r(3, 4)]),
        ("relu", lambda a: a.relu(), [away(3, 4)]),
        ("leaky_relu", lambda a: a.leaky_relu(0.1), [away(3, 4)]),
        ("elu", lambda a: a.elu(1.0), [away(3, 4)]),
        ("softplus", lambda a: a.softplus(), [r(3, 4)]),
        ("gelu", lambda a: a.gelu(), [r(3, 4)]),
        ("clip", lambda a: a.clip(-0.5, 0.5), [away(3, 4) * 2]),
        ("maximum", lambda a, b: maximum(a, b), [r(3, 4), r(3, 4)]),
        ("minimum", lambda a, b: minimum(a, b), [r(3, 4), r(3, 4)]),
        ("where", lambda a, b: where(a.data > 0, a, b), [r(3, 4), r(3, 4)]),
        ("sum axis=1", lambda a: a.sum(axis=1), [r(3, 4)]),
        ("mean keepdims", lambda a: a.mean(axis=0, keepdims=True), [r(3, 4)]),
        ("max axis=-1", lambda a: a.max(axis=-1), [r(3, 4)]),
        ("min", lambda a: a.min(), [r(3, 4)]),
        ("var axis=0", lambda a: a.var(axis=0), [r(3, 4)]),
        ("logsumexp", lambda a: a.logsumexp(axis=1), [r(3, 4)]),
        ("softmax", lambda a: a.softmax(axis=-1), [r(3, 4)]),
        ("log_softmax", lambda a: a.log_softmax(axis=0), [r(3, 4)]),
        ("reshape", lambda a: a.reshape(4, 3), [r(3, 4)]),
        ("transpose", lambda a: a.transpose(2, 0, 1), [r(2, 3, 4)]),
        ("flatten", lambda a: a.flatten(), [r(2, 3)]),
        ("getitem slice", lambda a: a[1:, ::2], [r(3, 4)]),
        ("getitem repeated idx", lambda a: a[idx], [r(3, 4)]),
        ("concat", lambda a, b: concat([a, b], axis=1), [r(3, 2), r(3, 4)]),
        ("stack", lambda a, b: stack([a, b], axis=0), [r(3, 4), r(3, 4)]),
    ]


def check_all(seed: int = 0) -> list[dict]:
    """Max abs and rel error of analytic vs numeric gradients for every op case."""
    rows = []
    for name, fn, inputs in _cases(np.random.default_rng(seed)):
        xs = [_leaf64(x) for x in inputs]
        f, _ = _scalar_fn(fn, xs)
        f(*xs).backward()
        analytic = [np.asarray(x.grad) for x in xs]
        numeric = _numeric(f, xs, 1e-6)
        abs_err = max(float(np.max(np.abs(a - n))) for a, n in zip(analytic, numeric))
        rel_err = max(float(np.max(np.abs(a - n) / np.maximum(np.abs(n), 1e-8))) for a, n in zip(analytic, numeric))
        ok = all(np.all(np.abs(a - n) <= 1e-5 + 1e-3 * np.abs(n)) for a, n in zip(analytic, numeric))
        rows.append({"op": name, "max_abs_err": abs_err, "max_rel_err": rel_err, "ok": ok})
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed for the test inputs")


def run(args: argparse.Namespace) -> int:
    rows = check_all(args.seed)
    width = max(len(r["op"]) for r in rows)
    print(f"{'op':<{width}}  {'max abs err':>12}  {'max rel err':>12}  result")
    for r in rows:
        print(f"{r['op']:<{width}}  {r['max_abs_err']:>12.2e}  {r['max_rel_err']:>12.2e}  "
              f"{'ok' if r['ok'] else 'FAIL'}")
    failed = sum(not r["ok"] for r in rows)
    print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0
