"""The lr schedulers (optim/lr_scheduler.py) against torch.optim.lr_scheduler: schedules recorded by
scripts/make_optim_golden.py (tests/fixtures/optim_golden.npz; no torch needed), two parameter
groups, every scheduler class. Tolerance: 1e-10 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from _optim_golden import GOLDEN, META, RTOL

import optim
from optim import lr_scheduler
from tinygrad_edu import Value

LAMBDAS = {  # the named functions of scripts/make_optim_golden.py
    "inverse": lambda epoch: 1.0 / (1.0 + 0.05 * epoch),
    "exp_warmup": lambda epoch: min(1.0, (epoch + 1) / 10) * 0.98**epoch,
}


def test_fixture_covers_every_scheduler():
    scheds = {c["class"] for c in META["schedulers"].values()}
    assert scheds == {"StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
                      "LambdaLR"}
    milestones = [c.get("kwargs", {}).get("milestones") for c in META["schedulers"].values()]
    assert [30, 60, 90] in milestones


def scheduled_lrs(case: dict, metric: np.ndarray, epochs: int) -> np.ndarray:
    w, v = Value(np.zeros(2)), Value(np.zeros(2))
    opt = optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.05}], lr=0.1)
    cls = getattr(lr_scheduler, case["class"])
    if case["class"] == "LambdaLR":
        fns = [LAMBDAS[name] for name in case["lambdas"]]
        sched = cls(opt, fns if len(fns) > 1 else fns[0])
    else:
        sched = cls(opt, **case["kwargs"])
    feed = 1.0 - metric if case.get("kwargs", {}).get("mode") == "max" else metric
    rows = []
    for epoch in range(epochs):
        lrs = [g["lr"] for g in opt.param_groups]
        assert sched.get_last_lr() == lrs
        assert opt.lr == lrs[0]
        rows.append(lrs)
        opt.step()
        if case["class"] == "ReduceLROnPlateau":
            sched.step(float(feed[epoch]))
        else:
            sched.step()
    return np.array(rows)


@pytest.mark.parametrize("name", sorted(META["schedulers"]))
def test_lr_schedule_matches_torch(name):
    ref = GOLDEN[f"sched/{name}"]
    ours = scheduled_lrs(META["schedulers"][name], GOLDEN["metric"], META["epochs"])
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0)


def test_multisteplr_30_60_90_exact():
    ref = GOLDEN["sched/multisteplr"][:, 0]
    assert ref[29] == 0.1 and ref[30] == pytest.approx(0.01) and ref[90] == pytest.approx(1e-4)
