"""Record torch.optim's trajectories and lr schedules as the golden fixture for
tests/test_optim_optimizer_golden.py and tests/test_optim_lr_scheduler_golden.py.

Run by hand where PyTorch is installed (the tests themselves never need torch):

    .venv/bin/python scripts/make_optim_golden.py          # writes tests/fixtures/optim_golden.npz

The problem is a tiny float64 regression with a nonlinearity,

    pred = s * tanh(X @ W.T + b),   loss = 0.5 * mean over samples of sum((pred - Y)**2)

with parameters W (3, 2), b (3,) and a 0-d scalar s. Its gradient is computed in plain numpy
(`grad_fn`, copied verbatim in the tests) and handed to torch as `.grad`, so the fixture tests
the optimizers alone. Each case stores the flattened parameters [W, b, s] after 0..100 steps;
each scheduler case stores the lr of every parameter group at the start of epochs 0..119.
The configurations are stored in the fixture as JSON (torch's keyword names, which are ours).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "optim_golden.npz"
STEPS = 100
EPOCHS = 120
NAMES = ("W", "b", "s")


def make_problem() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240611)
    X = rng.standard_normal((16, 2))
    W_true, b_true = rng.standard_normal((3, 2)), rng.standard_normal(3)
    Y = 0.8 * np.tanh(X @ W_true.T + b_true) + 0.05 * rng.standard_normal((16, 3))
    return {"X": X, "Y": Y, "W": 0.5 * rng.standard_normal((3, 2)), "b": np.zeros(3), "s": np.array(0.3)}


def grad_fn(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, s: np.ndarray):
    """Gradient of 0.5 * mean(sum((s * tanh(X @ W.T + b) - Y)**2, axis=1)) w.r.t. W, b, s."""
    h = np.tanh(X @ W.T + b)
    r = (s * h - Y) / X.shape[0]
    dz = r * s * (1 - h * h)
    return dz.T @ X, dz.sum(axis=0), np.sum(r * h)


# name -> optimizer class, keyword arguments, optional parameter groups, optional StepLR per step.
# Centered RMSprop keeps the default alpha: with alpha=0.9 the variance sq - ga**2 nearly cancels
# once the gradient settles, and a 1-ulp change of the start moves step 100 by ~1e-11, so no
# implementation could be held to 1e-10 there (torch's fused multiply-adds round differently).
OPTIMIZER_CASES: dict[str, dict] = {
    "sgd": {"class": "SGD", "kwargs": {"lr": 0.1}},
    "sgd_wd": {"class": "SGD", "kwargs": {"lr": 0.1, "weight_decay": 0.1}},
    "sgd_momentum": {"class": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9}},
    "sgd_momentum_dampening": {"class": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}},
    "sgd_momentum_wd": {"class": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}},
    "sgd_nesterov": {"class": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9, "nesterov": True}},
    "sgd_nesterov_wd": {"class": "SGD",
                        "kwargs": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}},
    "sgd_maximize": {"class": "SGD", "kwargs": {"lr": 0.01, "momentum": 0.5, "maximize": True}},
    "sgd_groups": {"class": "SGD", "kwargs": {"lr": 0.05, "momentum": 0.9},
                   "groups": [{"params": ["W"], "lr": 0.2}, {"params": ["b", "s"], "momentum": 0.5}]},
    "sgd_momentum_steplr": {"class": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9},
                            "steplr": {"step_size": 25, "gamma": 0.5}},
    "adagrad": {"class": "Adagrad", "kwargs": {"lr": 0.1}},
    "adagrad_decay_init": {"class": "Adagrad",
                           "kwargs": {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}},
    "adagrad_wd_eps": {"class": "Adagrad", "kwargs": {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-6}},
    "rmsprop": {"class": "RMSprop", "kwargs": {"lr": 0.01}},
    "rmsprop_momentum": {"class": "RMSprop", "kwargs": {"lr": 0.001, "alpha": 0.9, "momentum": 0.9}},
    "rmsprop_centered": {"class": "RMSprop", "kwargs": {"lr": 0.01, "centered": True}},
    "rmsprop_centered_momentum_wd": {"class": "RMSprop", "kwargs": {
        "lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1}},
    "adam": {"class": "Adam", "kwargs": {"lr": 0.01}},
    "adam_betas_wd": {"class": "Adam", "kwargs": {"lr": 0.01, "betas": [0.8, 0.99], "weight_decay": 0.1}},
    "adam_amsgrad": {"class": "Adam", "kwargs": {"lr": 0.01, "amsgrad": True}},
    "adam_decoupled": {"class": "Adam", "kwargs": {"lr": 0.01, "weight_decay": 0.1,
                                                   "decoupled_weight_decay": True}},
    "adamw": {"class": "AdamW", "kwargs": {"lr": 0.01}},
    "adamw_wd_amsgrad": {"class": "AdamW", "kwargs": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}},
}

# name -> scheduler class and keyword arguments; an SGD with two groups (lr 0.1 and 0.05) is scheduled.
# LambdaLR's functions are named (see LAMBDAS); ReduceLROnPlateau is fed the stored "metric"
# (mode "max" gets 1 - metric).
SCHEDULER_CASES: dict[str, dict] = {
    "steplr": {"class": "StepLR", "kwargs": {"step_size": 30, "gamma": 0.1}},
    "steplr_7": {"class": "StepLR", "kwargs": {"step_size": 7, "gamma": 0.5}},
    "multisteplr": {"class": "MultiStepLR", "kwargs": {"milestones": [30, 60, 90], "gamma": 0.1}},
    "multisteplr_repeat": {"class": "MultiStepLR", "kwargs": {"milestones": [10, 10, 50], "gamma": 0.5}},
    "exponentiallr": {"class": "ExponentialLR", "kwargs": {"gamma": 0.97}},
    "cosine": {"class": "CosineAnnealingLR", "kwargs": {"T_max": 120}},
    "cosine_restart": {"class": "CosineAnnealingLR", "kwargs": {"T_max": 50, "eta_min": 0.001}},
    "cosine_short": {"class": "CosineAnnealingLR", "kwargs": {"T_max": 30}},
    "lambdalr": {"class": "LambdaLR", "lambdas": ["inverse"]},
    "lambdalr_per_group": {"class": "LambdaLR", "lambdas": ["inverse", "exp_warmup"]},
    "plateau": {"class": "ReduceLROnPlateau", "kwargs": {}},
    "plateau_rel_cooldown": {"class": "ReduceLROnPlateau", "kwargs": {
        "factor": 0.5, "patience": 3, "threshold": 0.01, "cooldown": 2, "min_lr": 0.002}},
    "plateau_abs": {"class": "ReduceLROnPlateau", "kwargs": {
        "factor": 0.3, "patience": 5, "threshold": 0.02, "threshold_mode": "abs", "min_lr": [0.01, 0.0]}},
    "plateau_max": {"class": "ReduceLROnPlateau", "kwargs": {"mode": "max", "factor": 0.5, "patience": 4}},
    "plateau_max_abs_eps": {"class": "ReduceLROnPlateau", "kwargs": {
        "mode": "max", "factor": 0.9, "patience": 2, "threshold": 0.005, "threshold_mode": "abs",
        "eps": 0.004}},
}

LAMBDAS = {
    "inverse": lambda epoch: 1.0 / (1.0 + 0.05 * epoch),
    "exp_warmup": lambda epoch: min(1.0, (epoch + 1) / 10) * 0.98**epoch,
}


def make_metric() -> np.ndarray:
    """A validation-loss-like sequence: falling, noisy, with a long flat stretch."""
    rng = np.random.default_rng(7)
    t = np.arange(EPOCHS)
    metric = 1.0 / (1.0 + 0.05 * t) + 0.01 * rng.standard_normal(EPOCHS)
    metric[40:70] = metric[40]  # a plateau
    return metric


def torch_trajectory(torch, case: dict, problem: dict[str, np.ndarray]) -> np.ndarray:
    params = {n: torch.tensor(problem[n], dtype=torch.float64, requires_grad=True) for n in NAMES}
    cls = getattr(torch.optim, case["class"])
    kwargs = dict(case["kwargs"], foreach=False)  # the one-tensor-at-a-time reference path
    if "groups" in case:
        groups = [dict(g, params=[params[n] for n in g["params"]]) for g in case["groups"]]
        opt = cls(groups, **kwargs)
    else:
        opt = cls([params[n] for n in NAMES], **kwargs)
    sched = torch.optim.lr_scheduler.StepLR(opt, **case["steplr"]) if "steplr" in case else None

    def flat() -> np.ndarray:
        return np.concatenate([params[n].detach().numpy().ravel() for n in NAMES])

    rows = [flat()]
    for _ in range(STEPS):
        grads = grad_fn(problem["X"], problem["Y"], *(params[n].detach().numpy() for n in NAMES))
        for n, g in zip(NAMES, grads):
            params[n].grad = torch.tensor(np.asarray(g), dtype=torch.float64)
        opt.step()
        if sched is not None:
            sched.step()
        rows.append(flat())
    return np.array(rows)


def torch_lrs(torch, case: dict, metric: np.ndarray) -> np.ndarray:
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    v = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.05}], lr=0.1)
    cls = getattr(torch.optim.lr_scheduler, case["class"])
    if case["class"] == "LambdaLR":
        fns = [LAMBDAS[name] for name in case["lambdas"]]
        sched = cls(opt, fns if len(fns) > 1 else fns[0])
    else:
        sched = cls(opt, **case["kwargs"])
    feed = 1.0 - metric if case.get("kwargs", {}).get("mode") == "max" else metric
    rows = []
    for epoch in range(EPOCHS):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()  # no gradients: a no-op that keeps torch's call-order check quiet
        if case["class"] == "ReduceLROnPlateau":
            sched.step(float(feed[epoch]))
        else:
            sched.step()
    return np.array(rows)


def check_gradient(torch, problem: dict[str, np.ndarray]) -> None:
    """The numpy gradient must equal torch's autograd on the same loss."""
    t = {n: torch.tensor(problem[n], requires_grad=True) for n in NAMES}
    X, Y = torch.tensor(problem["X"]), torch.tensor(problem["Y"])
    loss = 0.5 * ((t["s"] * torch.tanh(X @ t["W"].T + t["b"]) - Y) ** 2).sum(dim=1).mean()
    loss.backward()
    for n, g in zip(NAMES, grad_fn(problem["X"], problem["Y"], *(problem[n] for n in NAMES))):
        np.testing.assert_allclose(t[n].grad.numpy(), g, rtol=1e-12, atol=1e-15)


def main() -> int:
    try:
        import torch
    except ImportError:
        print("make_optim_golden.py needs PyTorch (pip install torch)", file=sys.stderr)
        return 1
    torch.set_default_dtype(torch.float64)
    problem = make_problem()
    check_gradient(torch, problem)
    metric = make_metric()
    arrays = {f"problem/{k}": v for k, v in problem.items()}
    arrays["metric"] = metric
    for name, case in OPTIMIZER_CASES.items():
        arrays[f"optim/{name}"] = torch_trajectory(torch, case, problem)
    for name, case in SCHEDULER_CASES.items():
        arrays[f"sched/{name}"] = torch_lrs(torch, case, metric)
    meta = {"torch": torch.__version__, "steps": STEPS, "epochs": EPOCHS,
            "optimizers": OPTIMIZER_CASES, "schedulers": SCHEDULER_CASES}
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB): {len(OPTIMIZER_CASES)} optimizer cases, "
          f"{len(SCHEDULER_CASES)} scheduler cases, torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
