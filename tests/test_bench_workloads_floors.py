"""The benchmark's numpy floors (bench/workloads/floors.py) compute the same math as our engine:
same loss, same gradients, same parameters after a few optimizer steps, on a tiny float64 batch.
(Speed is never tested here; `make bench` measures it.)"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn  # noqa: E402
import optim  # noqa: E402
from bench.workloads import common, floors  # noqa: E402


def _ours_mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def _ours_cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 10))


CASES = {
    "mlp": (_ours_mlp, common.mlp_params, floors.MLPFloor, (4, 784), lambda ps: optim.Adam(ps, lr=1e-3)),
    "cnn": (_ours_cnn, common.cnn_params, floors.CNNFloor, (4, 1, 28, 28),
            lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9)),
}


@pytest.mark.parametrize("which", sorted(CASES))
def test_floor_matches_engine(which):
    make_model, make_params, floor_cls, shape, make_opt = CASES[which]
    params = make_params(dtype=np.float64)
    X, y = common.batch(shape, dtype=np.float64)
    model = make_model()
    common.load_into(model, params)
    floor = floor_cls(params)

    loss = nn.cross_entropy(model(X), y)
    loss.backward()
    floor_loss, floor_grads = floor.loss_and_grads(X, y)
    assert floor_loss == pytest.approx(loss.item(), rel=1e-12)
    ours = {name: p.grad for name, p in model.named_parameters()}
    assert floors.max_rel_error(floor_grads, ours) < 1e-10

    opt = make_opt(model.parameters())
    for _ in range(3):
        opt.zero_grad()
        nn.cross_entropy(model(X), y).backward()
        opt.step()
        floor.step(X, y)
    after = {name: np.asarray(p.data) for name, p in model.named_parameters()}
    assert floors.max_rel_error(floor.p, after) < 1e-9
