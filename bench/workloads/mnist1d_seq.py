"""M1/M2: one training step on MNIST-1D with the paper's recipe (tinygrad_edu/cli/mnist1d.py):
Adam(lr=1e-2), batch 100 taken in order ((step * 100) % 4000), float32, cross-entropy.

- M1 CNN: three Conv1d (1->25 k5 s2 p1, 25->25 k3 s2 p1 twice) with ReLU, Linear(125, 10);
- M2 GRU: bidirectional GRU, hidden 6, over the 40 positions, Linear(480, 10).

The models are the CLI's (`build_ours`, `build_torch`); torch starts from our weights (copied by
parameter name). There is no numpy floor for these. Needs the `mnist1d` package (extra `data`).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .common import import_torch

BATCH = 100
SPECS = {"M1": ("M1 MNIST-1D CNN conv1d x3 b100 Adam", "cnn"), "M2": ("M2 MNIST-1D BiGRU h6 b100 Adam", "gru")}


def _data() -> tuple[np.ndarray, np.ndarray]:
    from nn.data import load_mnist1d

    (X, y), _ = load_mnist1d()
    return X.astype(np.float32), y.astype(np.int64)


def _ours_model(name: str):
    from tinygrad_edu import manual_seed
    from tinygrad_edu.cli.mnist1d import build_ours

    manual_seed(0)
    return build_ours(name)


def _ours(key: str):
    def build():
        import nn
        import optim

        X, y = _data()
        model = _ours_model(SPECS[key][1])
        opt = optim.Adam(model.parameters(), lr=1e-2)
        counter = [0]

        def step():
            i = (counter[0] * BATCH) % len(X)
            counter[0] += 1
            opt.zero_grad()
            loss = nn.cross_entropy(model(X[i:i + BATCH]), y[i:i + BATCH])
            loss.backward()
            opt.step()
            return loss

        return step

    return build


def _torch(key: str):
    def build():
        torch = import_torch()
        from tinygrad_edu.cli.mnist1d import build_torch

        name = SPECS[key][1]
        model = build_torch(name, torch)
        ours = dict(_ours_model(name).named_parameters())
        theirs = dict(model.named_parameters())
        if set(ours) == set(theirs):  # same starting point when the names agree
            with torch.no_grad():
                for k, p in theirs.items():
                    p.copy_(torch.from_numpy(np.array(ours[k].data, dtype=np.float32)))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        Xn, yn = _data()
        X, y = torch.from_numpy(Xn), torch.from_numpy(yn)
        counter = [0]

        def step():
            i = (counter[0] * BATCH) % len(X)
            counter[0] += 1
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[i:i + BATCH]), y[i:i + BATCH])
            loss.backward()
            opt.step()
            return loss

        return step

    return build


WORKLOADS = {key: SimpleNamespace(NAME=name, UNIT="ms", BUILDERS={"tinygrad_edu": _ours(key), "torch": _torch(key)})
             for key, (name, _) in SPECS.items()}
