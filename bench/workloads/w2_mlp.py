"""W2 tensor MLP: 784-256-128-10 with ReLU, batch 128, float32, cross-entropy; one step is
forward + backward + Adam(lr=1e-3). Every system starts from the same weights and sees the
same fixed batch."""

from __future__ import annotations

from .common import batch, import_torch, load_into, mlp_params, torch_load_into
from .floors import MLPFloor, torch_mlp

NAME, UNIT = "W2 MLP 784-256-128-10 b128 Adam", "ms"
BATCH = 128


def ours():
    import nn
    import optim

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    load_into(model, mlp_params())  # float32 copies: the parameters become float32
    opt = optim.Adam(model.parameters(), lr=1e-3)
    X, y = batch((BATCH, 784))

    def step():
        opt.zero_grad()
        loss = nn.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch():
    torch = import_torch()
    model = torch_mlp(torch)
    torch_load_into(model, mlp_params())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, y = (torch.from_numpy(a) for a in batch((BATCH, 784)))

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss

    return step


def numpy():
    net = MLPFloor(mlp_params(), lr=1e-3)
    X, y = batch((BATCH, 784))
    return lambda: net.step(X, y)


BUILDERS = {"tinygrad_edu": ours, "torch": torch, "numpy floor": numpy}
