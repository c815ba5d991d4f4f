"""optim.lr_scheduler: state_dict round trip, errors, ReduceLROnPlateau."""

from __future__ import annotations

import numpy as np
import pytest

from optim import SGD, lr_scheduler
from tinygrad_edu import Value

# ---------------------------------------------------------------- schedulers


def test_scheduler_state_dict_round_trip():
    p = Value(np.ones(2))
    opt = SGD([p], lr=0.1)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    saved, lr = sched.state_dict(), opt.lr
    assert "optimizer" not in saved
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(opt.lr)

    opt2 = SGD([p], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    opt2.lr = lr
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    sched2.load_state_dict(saved)
    got = []
    for _ in range(5):
        sched2.step()
        got.append(opt2.lr)
    assert got == expected


def test_scheduler_errors():
    opt = SGD([Value(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="best")
    with pytest.raises(ValueError, match="threshold mode"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=3, last_epoch=5)
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=3)


def test_reduce_on_plateau_cuts_after_patience():
    opt = SGD([Value(np.ones(2))], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    for metric in [1.0, 1.0, 1.0]:
        sched.step(metric)
    assert opt.lr == 1.0
    sched.step(1.0)  # third bad epoch > patience
    assert opt.lr == 0.5 and sched.get_last_lr() == [0.5]
