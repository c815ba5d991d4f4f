"""W3 CNN: Conv2d(1->8, 3x3, padding 1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1568->10),
batch 64 of 1x28x28, float32, cross-entropy; one step is forward + backward + SGD(lr=0.01,
momentum=0.9). Same weights and the same fixed batch on every system."""

from __future__ import annotations

from .common import batch, cnn_params, import_torch, load_into, torch_load_into
from .floors import CNNFloor, torch_cnn

NAME, UNIT = "W3 CNN conv8-pool-fc b64 SGD-m", "ms"
SHAPE = (64, 1, 28, 28)
LR, MOMENTUM = 0.01, 0.9


def ours():
    import nn
    import optim

    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(1568, 10))
    load_into(model, cnn_params())  # float32 copies: the parameters become float32
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    X, y = batch(SHAPE)

    def step():
        opt.zero_grad()
        loss = nn.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch():
    torch = import_torch()
    model = torch_cnn(torch)
    torch_load_into(model, cnn_params())
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    X, y = (torch.from_numpy(a) for a in batch(SHAPE))

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss

    return step


def numpy():
    net = CNNFloor(cnn_params(), lr=LR, momentum=MOMENTUM)
    X, y = batch(SHAPE)
    return lambda: net.step(X, y)


BUILDERS = {"tinygrad_edu": ours, "torch": torch, "numpy floor": numpy}
