"""Exploding gradients through time, gradient clipping, and why gates help (the adding problem).

    python examples/09_rnn_clipping.py

A sequence of T (value, marker) pairs with two markers; the target is the sum of the two marked
values, read from the last hidden state. Backpropagation through time multiplies T Jacobians
diag(tanh') W_hh: with a recurrent weight of gain 1.8 their product explodes, and without clipping
one step throws the weights out (loss -> inf/nan). clip_grad_norm_ rescales the gradient to norm
<= 1 and the same RNN trains; a GRU (update gate) and an LSTM (additive cell state) need no clipping.
"""

import math

import numpy as np
from _common import OUT, QUICK
from tqdm import tqdm

import nn
import optim
from tinygrad_edu import manual_seed

T, H, STEPS, LR, GAIN = 10, 16, (150 if QUICK else 1500), 0.1, 1.8


def adding_batch(rng, batch=32):
    values, marks = rng.random((T, batch)), np.zeros((T, batch))
    first = rng.integers(0, T, batch)
    second = (first + rng.integers(1, T, batch)) % T
    marks[first, np.arange(batch)] = marks[second, np.arange(batch)] = 1.0
    return np.stack([values, marks], axis=-1), (values * marks).sum(axis=0)[:, None]


def train(kind, max_norm):
    manual_seed(0)
    rng = np.random.default_rng(0)
    rnn, head = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}[kind](2, H), nn.Linear(H, 1)
    if kind == "RNN":
        rnn.weight_hh_l0.data = rng.standard_normal((H, H)) * GAIN / math.sqrt(H)
    params = rnn.parameters() + head.parameters()
    opt = optim.SGD(params, lr=LR)
    norms, losses = [], []
    for _ in tqdm(range(STEPS), desc=f"{kind} max_norm={max_norm}", unit="step", leave=False):
        X, y = adding_batch(rng)
        out, h_n = rnn(X)                       # out: (T, B, H); the answer is read from the last step
        loss = ((head(out[-1]) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        norms.append(float(optim.clip_grad_norm_(params, max_norm)))  # returns the norm before clipping
        losses.append(float(loss.data))
        opt.step()
    return np.array(norms), np.array(losses)


runs = {}
with np.errstate(all="ignore"):
    for name, kind, max_norm in [("RNN, no clipping", "RNN", math.inf), ("RNN, clip_grad_norm_(1.0)", "RNN", 1.0),
                                 ("GRU", "GRU", math.inf), ("LSTM", "LSTM", math.inf)]:
        runs[name] = train(kind, max_norm)
        n, lo = runs[name]
        print(f"{name:26s} largest gradient norm {np.nanmax(np.where(np.isfinite(n), n, np.inf)):9.3g}   "
              f"loss over the last 50 steps {np.mean(lo[-50:]):.4g}   (predicting the mean gives {1 / 6:.3f})")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
for name, (n, lo) in runs.items():
    a1.semilogy(np.where(np.isfinite(n), n, np.nan), lw=1, label=name)
    a2.semilogy(np.where(np.isfinite(lo), lo, np.nan), lw=1, label=name)
a1.set_title("gradient norm per step (before clipping)")
a2.set_title("training loss per step")
for a in (a1, a2):
    a.set_xlabel("step")
    a.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "rnn_clipping.png", dpi=110)
print(f"plot: {OUT / 'rnn_clipping.png'}")
