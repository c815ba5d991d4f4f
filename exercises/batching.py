"""Lesson 6, full batch vs mini-batch vs stochastic: steps per epoch and a shuffling batch iterator."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn

from .core import Wrong, exercise


@exercise("steps_per_epoch", hint="ceil(n / batch_size) steps, or floor(n / batch_size) with drop_last; "
                                  "batch_size=None is full batch (1 step).")
def _steps(fn: Any) -> None:
    """`steps_per_epoch(n, batch_size, drop_last=False) -> int`, as `len(DataLoader(...))`."""
    X = np.zeros((1, 1))
    for n in (1, 32, 100, 300):
        for bs in (None, 1, 7, 32, 500):
            for drop in (False, True):
                if drop and bs is not None and bs > n:
                    continue
                Xn = np.repeat(X, n, axis=0)
                expected = len(nn.data.DataLoader(Xn, np.zeros(n), batch_size=bs, drop_last=drop))
                got = fn(n, bs, drop)
                if got != expected:
                    raise Wrong(f"steps_per_epoch({n}, {bs}, drop_last={drop}): expected {expected}, got {got}")


@exercise("minibatches", hint="Permute the indices once per epoch (rng.permutation(n)), then slice the permuted "
                              "indices in chunks of batch_size: every sample once, the last batch may be smaller.")
def _batches(fn: Any) -> None:
    """`minibatches(X, y, batch_size, rng)` yields (xb, yb) pairs: shuffled, each sample exactly once."""
    X, y = np.arange(50.0).reshape(25, 2), np.arange(25)
    epochs = []
    for seed in (0, 1):
        batches = list(fn(X, y, 8, np.random.default_rng(seed)))
        sizes = [len(b[1]) for b in batches]
        if sizes != [8, 8, 8, 1]:
            raise Wrong(f"25 samples in batches of 8 should give sizes [8, 8, 8, 1], got {sizes}")
        ys = np.concatenate([b[1] for b in batches])
        xs = np.concatenate([b[0] for b in batches])
        if sorted(ys.tolist()) != list(range(25)):
            raise Wrong("every sample must appear exactly once per epoch")
        if not np.array_equal(xs[:, 0], 2 * ys):
            raise Wrong("the rows of xb and the labels yb got separated: index X and y with the same indices")
        epochs.append(ys)
    if np.array_equal(epochs[0], np.arange(25)) or np.array_equal(epochs[0], epochs[1]):
        raise Wrong("the order is not shuffled (or ignores rng)")
