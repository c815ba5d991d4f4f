"""Step time of optim.Adam on a 1,000,000-parameter model against a hand-written in-place numpy Adam.

    .venv/bin/python bench/optim_step.py

Only the optimizer step is timed (gradients are fixed arrays), median over repetitions. torch.optim.Adam
is added as a third row when PyTorch is installed. `run()` returns the rows for bench/run.py.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim import Adam  # noqa: E402
from tinygrad_edu import Value  # noqa: E402

SHAPES = [(1000, 800), (1000,), (199, 1000)]  # 1,000,000 parameters in a few arrays, like an MLP
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def _median_ms(step, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def _arrays(dtype, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _numpy_adam(dtype) -> Callable[[], object]:
    """The loop a student would write: in-place moments, one expression for the update."""
    params, grads = _arrays(dtype, 0), _arrays(dtype, 1)
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    t = 0
    b1, b2 = BETAS

    def step() -> None:
        nonlocal t
        t += 1
        step_size = LR / (1 - b1**t)
        bc2_sqrt = math.sqrt(1 - b2**t)
        for p, g, m, v in zip(params, grads, ms, vs):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= step_size * m / (np.sqrt(v) / bc2_sqrt + EPS)

    return step


def _ours(dtype) -> Callable[[], object]:
    params = [Value(a) for a in _arrays(dtype, 0)]
    for p, g in zip(params, _arrays(dtype, 1)):
        p.grad = g
    return Adam(params, lr=LR, betas=BETAS, eps=EPS).step


def _torch(dtype) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    params = [torch.tensor(a, dtype=tdtype, requires_grad=True) for a in _arrays(dtype, 0)]
    for p, g in zip(params, _arrays(dtype, 1)):
        p.grad = torch.tensor(g, dtype=tdtype)
    return torch.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS).step


def run(repeats: int = 30) -> list[dict]:
    """One row per (implementation, dtype): median step time in ms and the ratio to numpy."""
    rows = []
    n = sum(math.prod(s) for s in SHAPES)
    for dtype in (np.float32, np.float64):
        base = _median_ms(_numpy_adam(dtype), repeats)
        candidates = [("numpy (hand-written)", _numpy_adam(dtype)), ("optim.Adam", _ours(dtype))]
        torch_step = _torch(dtype)
        if torch_step is not None:
            candidates.append(("torch.optim.Adam", torch_step))
        for name, step in candidates:
            ms = base if name.startswith("numpy") else _median_ms(step, repeats)
            rows.append({"bench": "optim_step", "impl": name, "dtype": np.dtype(dtype).name, "params": n,
                         "ms": ms, "ratio_vs_numpy": ms / base})
    return rows


def format_table(rows: list[dict]) -> str:
    lines = [f"Adam step, {rows[0]['params']:,} parameters in {len(SHAPES)} arrays (median)",
             f"{'implementation':22s} {'dtype':8s} {'ms/step':>9s} {'vs numpy':>9s}"]
    for r in rows:
        lines.append(f"{r['impl']:22s} {r['dtype']:8s} {r['ms']:9.2f} {r['ratio_vs_numpy']:8.2f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(run()))
