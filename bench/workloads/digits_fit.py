"""D1/D2: one training epoch on the 8x8 digits, the way a user trains: `nn.fit` against the
equivalent PyTorch loop and the numpy floor.

- D1 MLP 64-128-64-10 (ReLU), float32, Adam(lr=3e-3), batch 64;
- D2 CNN Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256, 10),
  float32, Adam(lr=1e-2), batch 64, on the images as (N, 1, 8, 8).

Both train on 75% of `load_digits()` (1,347 images, 22 batches per epoch, the last one of 3),
split with `random_state=0`. Every system starts from the same weights (ours, drawn after
`manual_seed(0)`, copied into torch and the floor) and reshuffles the training set every epoch.
One step is one epoch; the figure is milliseconds per batch (epoch time / 22).

- ours: `nn.fit(model, nn.cross_entropy, opt, X, y, epochs=1, batch_size=64, verbose=0)`,
  which also keeps the running loss and accuracy;
- torch: `randperm`, index the batch, zero_grad / forward / cross_entropy / backward / step,
  and the same running loss (`loss.item()`) and accuracy (`argmax`), no DataLoader;
- numpy floor: `bench.workloads.floors`' hand-written MLP / CNN with Adam, same batches, loss only.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .common import import_torch
from .floors import CNNFloor, MLPFloor

BATCH = 64
SPECS = {  # key -> (name, images?, lr)
    "D1": ("D1 digits fit MLP 64-128-64-10 b64 Adam", False, 3e-3),
    "D2": ("D2 digits fit CNN conv16-pool-fc b64 Adam", True, 1e-2),
}


def _data(images: bool) -> tuple[np.ndarray, np.ndarray]:
    from nn.data import load_digits, train_test_split

    X, y = load_digits()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    X_train = X_train.astype(np.float32)
    return (X_train.reshape(-1, 1, 8, 8) if images else X_train), y_train


def _model(images: bool):
    import nn
    from tinygrad_edu import manual_seed

    manual_seed(0)
    if images:
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(16 * 4 * 4, 10)).to(np.float32)
    return nn.MLP(64, [128, 64], 10, activation="relu", dtype=np.float32)


def _weights(images: bool) -> dict[str, np.ndarray]:
    """The initial weights, by torch's Sequential names ("0.weight", ...), as float32 arrays."""
    return {name: np.array(p.data, dtype=np.float32) for name, p in _model(images).named_parameters()}


def steps_per_epoch() -> int:
    n = len(_data(False)[0])
    return -(-n // BATCH)


def _ours(key: str):
    def build():
        import nn
        import optim

        _, images, lr = SPECS[key]
        X, y = _data(images)
        model = _model(images)
        opt = optim.Adam(model.parameters(), lr=lr)
        return lambda: nn.fit(model, nn.cross_entropy, opt, X, y, epochs=1, batch_size=BATCH, verbose=0)

    return build


def _torch(key: str):
    def build():
        torch = import_torch()
        _, images, lr = SPECS[key]
        n_ = torch.nn
        torch.manual_seed(0)
        if images:
            model = n_.Sequential(n_.Conv2d(1, 16, 3, padding=1), n_.ReLU(), n_.MaxPool2d(2), n_.Flatten(),
                                  n_.Linear(256, 10))
        else:
            model = n_.Sequential(n_.Linear(64, 128), n_.ReLU(), n_.Linear(128, 64), n_.ReLU(), n_.Linear(64, 10))
        weights = _weights(images)
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(torch.from_numpy(weights[name]))
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        Xn, yn = _data(images)
        X, y = torch.from_numpy(Xn), torch.from_numpy(yn)
        loss_fn = torch.nn.functional.cross_entropy

        def epoch():
            order = torch.randperm(len(X))
            total, correct = 0.0, 0
            for i in range(0, len(X), BATCH):
                idx = order[i:i + BATCH]
                xb, yb = X[idx], y[idx]
                opt.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
                correct += int((out.argmax(1) == yb).sum().item())
            return total / len(X), correct / len(X)

        return epoch

    return build


def _numpy(key: str):
    def build():
        from .floors import Adam

        _, images, lr = SPECS[key]
        X, y = _data(images)
        net = CNNFloor(_weights(images)) if images else MLPFloor(_weights(images))
        net.opt = Adam(net.p, lr=lr)
        rng = np.random.default_rng(0)

        def epoch():
            order = rng.permutation(len(X))
            total = 0.0
            for i in range(0, len(X), BATCH):
                idx = order[i:i + BATCH]
                total += net.step(X[idx], y[idx]) * len(idx)
            return total / len(X)

        return epoch

    return build


def _workload(key: str) -> SimpleNamespace:
    return SimpleNamespace(NAME=SPECS[key][0], UNIT="ms/batch", SCALE=1e3 / 22,
                           BUILDERS={"tinygrad_edu": _ours(key), "torch": _torch(key), "numpy floor": _numpy(key)})


WORKLOADS = {key: _workload(key) for key in SPECS}
