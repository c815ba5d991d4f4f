"""Inductive bias on MNIST-1D: an MLP, a CNN and a GRU on the same 40-sample signals, then shuffled.

    python examples/10_mnist1d.py            # needs the data extra: pip install 'tinygrad-edu[data]'

The paper's recipe (Greydanus & Kobak, 2024): Adam lr 1e-2, batch 100 in order, 8000 steps
(here fewer; `tinygrad-edu mnist1d` runs the full recipe, with PyTorch alongside). A CNN shares
weights across positions and a GRU reads the signal in order: both assume that neighbouring
samples belong together. Shuffle the 40 positions (one fixed permutation) and that assumption
is false: the CNN and GRU lose much of their advantage while the MLP, which never assumed it,
does exactly as well as before.
"""

import numpy as np
from _common import QUICK
from tqdm import tqdm

import nn
import optim
from tinygrad_edu import manual_seed, no_grad

STEPS = 60 if QUICK else 1500
f32 = np.float32


class CNN(nn.Module):
    def __init__(self):
        self.conv1 = nn.Conv1d(1, 25, 5, stride=2, padding=1, dtype=f32)   # 40 -> 19 positions
        self.conv2 = nn.Conv1d(25, 25, 3, stride=2, padding=1, dtype=f32)  # 19 -> 10
        self.conv3 = nn.Conv1d(25, 25, 3, stride=2, padding=1, dtype=f32)  # 10 -> 5
        self.linear = nn.Linear(25 * 5, 10, dtype=f32)

    def forward(self, x):
        h = self.conv1(x.reshape(-1, 1, 40)).relu()
        h = self.conv3(self.conv2(h).relu()).relu()
        return self.linear(h.reshape(h.shape[0], -1))


class GRU(nn.Module):
    def __init__(self):
        self.gru = nn.GRU(1, 6, batch_first=True, bidirectional=True, dtype=f32)
        self.linear = nn.Linear(40 * 12, 10, dtype=f32)

    def forward(self, x):
        out, h_n = self.gru(x.reshape(-1, 40, 1))  # (B, 40, 2*6): both directions at every position
        return self.linear(out.reshape(out.shape[0], -1))


def mlp():
    return nn.MLP(40, [100, 100], 10, dtype=f32)


def train(name, make, data):
    (X, y), (Xt, yt) = data
    manual_seed(0)
    model = make()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for step in tqdm(range(STEPS), desc=name, unit="step", leave=False):
        i = (step * 100) % len(X)
        loss = nn.cross_entropy(model(X[i:i + 100]), y[i:i + 100])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        return float((model(Xt).data.argmax(axis=1) == yt).mean() * 100)


for shuffled in (False, True):
    data = nn.data.load_mnist1d(shuffle_seq=shuffled)
    tag = " (shuffled)" if shuffled else ""
    accs = {name: train(name + tag, make, data) for name, make in [("MLP", mlp), ("CNN", CNN), ("GRU", GRU)]}
    print(f"{'shuffled' if shuffled else 'original'} MNIST-1D, {STEPS} steps: "
          + "  ".join(f"{k} {v:.1f}%" for k, v in accs.items()))
