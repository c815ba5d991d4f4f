"""Lesson 8, learning-rate decay: the step schedule x0.1 at epochs 30/60/90, and cosine annealing."""

from __future__ import annotations

import math
from typing import Any

import optim
from optim.lr_scheduler import CosineAnnealingLR, MultiStepLR
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


def _lrs(make: Any, epochs: int, lr0: float) -> list[float]:
    opt = optim.SGD([Value(0.0)], lr=lr0)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(sched.get_last_lr()[0])
        sched.step()
    return out


@exercise("step_decay", hint="Count the milestones already passed: lr = lr0 * 0.1 ** (number of m in (30, 60, 90) "
                             "with epoch >= m). Epoch 30 is the first with the smaller rate.")
def _step(fn: Any) -> None:
    """`step_decay(epoch, lr0) -> lr`: multiply by 0.1 at epochs 30, 60 and 90 (epochs from 0)."""
    ref = _lrs(lambda o: MultiStepLR(o, milestones=[30, 60, 90], gamma=0.1), 120, 0.1)
    for epoch, lr in enumerate(ref):
        assert_close(fn(epoch, 0.1), lr, f"step_decay({epoch}, 0.1)", atol=0, rtol=1e-9)


@exercise("cosine_lr", hint="lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: lr0 at epoch 0, "
                           "eta_min at epoch T_max.")
def _cosine(fn: Any) -> None:
    """`cosine_lr(epoch, lr0, T_max, eta_min=0.0) -> lr`: cosine annealing from lr0 down to eta_min."""
    ref = _lrs(lambda o: CosineAnnealingLR(o, T_max=50, eta_min=1e-3), 51, 0.1)
    for epoch, lr in enumerate(ref):
        assert_close(fn(epoch, 0.1, 50, 1e-3), lr, f"cosine_lr({epoch}, 0.1, T_max=50, eta_min=1e-3)",
                     atol=1e-12, rtol=1e-9)
    if not math.isclose(fn(0, 0.1, 50), 0.1):
        raise Wrong("cosine_lr(0, lr0, ...) must be lr0")
