"""The optimizers (optim/sgd.py, optim/adaptive.py on optim/optimizer.py) against torch.optim:
trajectories recorded by scripts/make_optim_golden.py (tests/fixtures/optim_golden.npz; no torch
needed), some under a StepLR schedule. Tolerance: 1e-10 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from _optim_golden import GOLDEN, META, NAMES, PROBLEM, RTOL

import optim
from optim import lr_scheduler
from tinygrad_edu import Value


def grad_fn(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, s: np.ndarray):
    """Gradient of 0.5 * mean(sum((s * tanh(X @ W.T + b) - Y)**2, axis=1)) w.r.t. W, b, s."""
    h = np.tanh(X @ W.T + b)
    r = (s * h - Y) / X.shape[0]
    dz = r * s * (1 - h * h)
    return dz.T @ X, dz.sum(axis=0), np.sum(r * h)


def make_params() -> dict[str, Value]:
    return {n: Value(np.array(PROBLEM[n], dtype=np.float64)) for n in NAMES}


def make_optimizer(case: dict, params: dict[str, Value]) -> optim.Optimizer:
    cls = getattr(optim, case["class"])
    kwargs = dict(case["kwargs"])
    if "groups" in case:
        groups = [dict(g, params=[params[n] for n in g["params"]]) for g in case["groups"]]
        return cls(groups, **kwargs)
    return cls([params[n] for n in NAMES], **kwargs)


def flat(params: dict[str, Value]) -> np.ndarray:
    return np.concatenate([np.asarray(params[n].data).ravel() for n in NAMES])


def set_grads(params: dict[str, Value]) -> None:
    grads = grad_fn(PROBLEM["X"], PROBLEM["Y"], *(np.asarray(params[n].data) for n in NAMES))
    for n, g in zip(NAMES, grads):
        params[n].grad = np.asarray(g, dtype=np.float64)


def run_trajectory(case: dict, steps: int) -> np.ndarray:
    params = make_params()
    opt = make_optimizer(case, params)
    sched = lr_scheduler.StepLR(opt, **case["steplr"]) if "steplr" in case else None
    rows = [flat(params)]
    for _ in range(steps):
        set_grads(params)
        opt.step()
        if sched is not None:
            sched.step()
        rows.append(flat(params))
    return np.array(rows)


def max_rel_dev(ours: np.ndarray, ref: np.ndarray) -> float:
    """Largest |ours - ref| / |ref| over all entries (entries of ref that are exactly 0 compare absolutely)."""
    scale = np.where(ref == 0, 1.0, np.abs(ref))
    return float(np.max(np.abs(ours - ref) / scale))


def test_fixture_covers_every_optimizer():
    classes = {c["class"] for c in META["optimizers"].values()}
    assert classes == {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}


def test_numpy_gradient_matches_finite_differences():
    """The fixture's gradient formula is right (checked here without torch)."""
    W, b, s = (np.array(PROBLEM[n], dtype=np.float64) for n in NAMES)
    X, Y = PROBLEM["X"], PROBLEM["Y"]

    def loss(W, b, s):
        return 0.5 * np.mean(np.sum((s * np.tanh(X @ W.T + b) - Y) ** 2, axis=1))

    gW, gb, gs = grad_fn(X, Y, W, b, s)
    eps = 1e-6
    for idx in np.ndindex(W.shape):
        d = np.zeros_like(W)
        d[idx] = eps
        assert (loss(W + d, b, s) - loss(W - d, b, s)) / (2 * eps) == pytest.approx(gW[idx], rel=1e-6)
    assert (loss(W, b, s + eps) - loss(W, b, s - eps)) / (2 * eps) == pytest.approx(gs, rel=1e-6)
    assert (loss(W, b + eps, s) - loss(W, b - eps, s)) / (2 * eps) == pytest.approx(gb.sum(), rel=1e-6)


@pytest.mark.parametrize("name", sorted(META["optimizers"]))
def test_trajectory_matches_torch(name):
    ref = GOLDEN[f"optim/{name}"]
    ours = run_trajectory(META["optimizers"][name], META["steps"])
    assert ours.shape == ref.shape
    assert np.abs(ref[-1] - ref[0]).max() > 0.05  # the case really moves
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=1e-14)


def deviation_report() -> dict[str, float]:
    """Largest relative deviation from torch per optimizer class (printed by `python this_file`)."""
    worst: dict[str, float] = {}
    for name, case in META["optimizers"].items():
        dev = max_rel_dev(run_trajectory(case, META["steps"]), GOLDEN[f"optim/{name}"])
        worst[case["class"]] = max(worst.get(case["class"], 0.0), dev)
    return worst


if __name__ == "__main__":
    for cls, dev in deviation_report().items():
        print(f"{cls:8s} max relative deviation from torch: {dev:.2e}")
