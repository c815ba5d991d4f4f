"""Exploding and vanishing gradients through time: an RNN with and without gradient clipping, and GRU/LSTM.

    tinygrad-edu rnn-clipping                         # plain RNN without / with clipping, GRU, LSTM
    tinygrad-edu rnn-clipping --steps 500 --seq-len 20 --plot clipping.png

The task is the adding problem (Hochreiter & Schmidhuber, 1997): a sequence of T pairs (value in
[0, 1], marker in {0, 1}) with exactly two markers; the target is the sum of the two marked values,
read from the last hidden state (predicting the mean 1.0 gives MSE 1/6). Backpropagation through
time multiplies T Jacobians diag(tanh') W_hh: with W_hh ~ N(0, gain^2 / H) and gain > 1 their
product grows exponentially, one step's gradient is astronomically large and plain SGD is thrown
out of the basin (loss spikes to huge values or nan). `optim.clip_grad_norm_(params, max_norm)`
rescales the whole gradient to at most max_norm: the direction is kept, the step is bounded, and
the same network trains. A GRU's update gate and an LSTM's additive cell state give the gradient a
path through time that is neither multiplied up nor down, so they train without clipping.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from . import UsageError

CASES = (("RNN, no clipping", "rnn", None), ("RNN, clip_grad_norm_", "rnn", "clip"), ("GRU", "gru", None),
         ("LSTM", "lstm", None))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=1500, help="SGD steps per run (default 1500)")
    parser.add_argument("--seq-len", type=int, default=10, help="sequence length T (default 10)")
    parser.add_argument("--hidden", type=int, default=16, help="hidden units (default 16)")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
    parser.add_argument("--gain", type=float, default=1.8, help="RNN W_hh ~ N(0, gain^2/H) (default 1.8: explodes)")
    parser.add_argument("--max-norm", type=float, default=1.0, help="clip_grad_norm_ threshold (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plot", metavar="PNG", default=None, help="save gradient norm and loss per step here")


def adding_batch(rng: Any, steps: int, batch: int) -> tuple:
    """X (T, B, 2): values and two markers per sequence; y (B, 1): the sum of the marked values."""
    import numpy as np

    values = rng.random((steps, batch))
    marks = np.zeros((steps, batch))
    first = rng.integers(0, steps, batch)
    second = (first + rng.integers(1, steps, batch)) % steps  # a different position
    marks[first, np.arange(batch)] = 1.0
    marks[second, np.arange(batch)] = 1.0
    return np.stack([values, marks], axis=-1), (values * marks).sum(axis=0)[:, None]


def train(kind: str, clip: float | None, steps: int = 1500, seq_len: int = 10, hidden: int = 16, lr: float = 0.1,
          gain: float = 1.8, seed: int = 0, batch: int = 32) -> dict:
    """One run; returns {"grad_norm": [...], "loss": [...], "seconds"}: the gradient's L2 norm over all
    parameters before clipping, and the loss, per step (nan/inf recorded as they happen)."""
    import numpy as np

    import nn
    import optim

    from .. import manual_seed

    manual_seed(seed)
    rng = np.random.default_rng(seed)
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](2, hidden)
    head = nn.Linear(hidden, 1)
    if kind == "rnn":
        rnn.weight_hh_l0.data = rng.standard_normal((hidden, hidden)) * (gain / math.sqrt(hidden))
    params = rnn.parameters() + head.parameters()
    opt = optim.SGD(params, lr=lr)
    norms, losses = [], []
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            X, y = adding_batch(rng, seq_len, batch)
            out, _ = rnn(X)
            loss = ((head(out[-1]) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            norms.append(float(optim.clip_grad_norm_(params, clip if clip else math.inf)))
            losses.append(float(loss.data))
            opt.step()
    return {"grad_norm": norms, "loss": losses, "seconds": time.perf_counter() - t0}


def summary(results: dict) -> str:
    import numpy as np

    lines = [f"{'run':24s} {'max grad norm':>14s} {'median':>9s} {'loss (first 20)':>16s} {'loss (last 50)':>15s}"]
    for name, r in results.items():
        n, lo = np.asarray(r["grad_norm"]), np.asarray(r["loss"])
        first, last = np.mean(lo[:20]), np.mean(lo[-50:])
        lines.append(f"{name:24s} {np.nanmax(n) if np.isfinite(n).any() else float('nan'):14.3g} "
                     f"{np.nanmedian(n):9.3g} {first:16.4g} {last:15.4g}")
    return "\n".join(lines)


def plot(results: dict, path: str, max_norm: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    top_norm, top_loss = 1e12, 1e3
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    for name, r in results.items():
        n = np.asarray(r["grad_norm"], dtype=float)
        lo = np.asarray(r["loss"], dtype=float)
        bad = np.flatnonzero(~np.isfinite(lo) | (lo > top_loss))
        label = name + (f" (loss > {top_loss:g} or nan from step {bad[0]})" if bad.size else "")
        line, = a1.semilogy(np.minimum(np.where(np.isfinite(n), n, top_norm), top_norm), label=label, lw=1)
        smooth = np.convolve(np.minimum(np.where(np.isfinite(lo), lo, top_loss), top_loss), np.ones(25) / 25,
                             mode="valid")
        a2.semilogy(np.arange(smooth.size) + 24, smooth, color=line.get_color(), label=name, lw=1.2)
    a1.axhline(max_norm, color="k", ls=":", lw=1, label=f"max_norm = {max_norm}")
    a1.set_ylim(1e-2, top_norm * 3)
    a1.set_title(f"gradient norm per step, before clipping (capped at {top_norm:g})")
    a2.axhline(1 / 6, color="gray", ls="--", lw=1, label="predict the mean (1/6)")
    a2.set_ylim(5e-3, top_loss * 3)
    a2.set_title("training loss (MSE), running mean of 25 steps")
    for a in (a1, a2):
        a.set_xlabel("step")
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle("Adding problem: backpropagation through time with and without clipping")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    for name, lo, hi in (("steps", 1, 100_000), ("seq_len", 2, 1000), ("hidden", 1, 1024)):
        if not lo <= getattr(args, name) <= hi:
            raise UsageError(f"--{name.replace('_', '-')} must be between {lo} and {hi}, got {getattr(args, name)}")
    if not (args.lr > 0 and args.max_norm > 0 and args.gain > 0):
        raise UsageError("--lr, --max-norm and --gain must be positive")
    results = {}
    for name, kind, clip in CASES:
        r = train(kind, args.max_norm if clip else None, args.steps, args.seq_len, args.hidden, args.lr, args.gain,
                  args.seed)
        results[name] = r
        print(f"{name}: {r['seconds']:.1f} s", flush=True)
    print(summary(results))
    if args.plot:
        plot(results, args.plot, args.max_norm)
        print(f"plot: {args.plot}")
    return 0
