"""The CNN lab: train a small convolutional network on the 8x8 digits and look inside it.

    x (1, 8, 8) -> Conv2d(1, C, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(C*16, 10)

`CnnJob` trains it in a background thread (same interface as the training lab's jobs, so the
same `JobManager` bounds them) and after every epoch keeps a copy of the weights. `inspect(job,
index)` runs one test digit through the latest copy with the engine, then backward from its
cross-entropy loss, and returns what the page draws:

- the kernels (C x 3 x 3) and biases,
- the input, each channel's convolution output z = conv(x) + b, the ReLU r = max(z, 0) and the
  pooled maps p (C x 4 x 4), with the prediction,
- the gradients dL/dp and dL/dr: max-pooling routes each pooled gradient to the one position in
  its 2x2 window that won the max, and every other position gets exactly zero.

The page animates one convolution from these numbers (the 3x3 window sliding over the padded
input, each output cell = sum(window * kernel) + b).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .jobs import BackgroundJob
from .validate import ApiError, finite, get_float, get_int

__all__ = ["CnnConfig", "CnnJob", "parse_config", "inspect", "build_model", "LIMITS"]

LIMITS = {"channels": 8, "epochs": 30, "test_digits": 36}


@dataclass
class CnnConfig:
    channels: int = 6
    epochs: int = 8
    lr: float = 0.01
    batch_size: int = 32
    seed: int = 0
    delay_ms: int = 0


def parse_config(d: dict) -> CnnConfig:
    c = CnnConfig()
    c.channels = get_int(d, "channels", 1, LIMITS["channels"], c.channels)
    c.epochs = get_int(d, "epochs", 1, LIMITS["epochs"], c.epochs)
    c.lr = get_float(d, "lr", 0.0, 1.0, c.lr, lo_open=True)
    c.batch_size = get_int(d, "batch_size", 1, 512, c.batch_size)
    c.seed = get_int(d, "seed", 0, 2**31 - 1, c.seed)
    c.delay_ms = get_int(d, "delay_ms", 0, 1000, c.delay_ms)
    return c


def build_model(channels: int) -> Any:
    import nn

    return nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(channels * 16, 10))


def _data(seed: int) -> tuple[np.ndarray, ...]:
    from nn import data

    X, y = data.load_digits()
    X = X.reshape(-1, 1, 8, 8)
    return data.train_test_split(X, y, test_size=0.2, random_state=np.random.default_rng(seed), stratify=y)


class CnnJob(BackgroundJob):
    """One CNN training run in a daemon thread; `snapshot()` and `weights()` are thread-safe."""

    kind = "cnn"

    def __init__(self, config: CnnConfig, time_budget: float) -> None:
        super().__init__(config, time_budget)
        self._weights: dict[str, np.ndarray] | None = None
        self.X_te, self.y_te = None, None

    def weights(self) -> dict[str, np.ndarray] | None:
        with self._lock:
            return self._weights

    def _train(self) -> None:
        import nn
        from optim import catalog
        from tinygrad_edu import manual_seed, no_grad

        c = self.config
        manual_seed(c.seed)
        X_tr, X_te, y_tr, y_te = _data(c.seed)
        self.X_te, self.y_te = X_te[:LIMITS["test_digits"]], y_te[:LIMITS["test_digits"]]
        model = build_model(c.channels)
        opt = catalog.make("adam", model.parameters(), lr=c.lr)
        with self._lock:
            self.status = "running"
            self._weights = {k: v.copy() for k, v in model.state_dict().items()}
        rng = np.random.default_rng(c.seed)
        for epoch in range(c.epochs):
            order = rng.permutation(len(X_tr))
            total, seen, correct = 0.0, 0, 0
            for i in range(0, len(order), c.batch_size):
                if self._stop.is_set() or time.monotonic() - self.started > self.time_budget:
                    break
                idx = order[i:i + c.batch_size]
                out = model(X_tr[idx])
                loss = nn.cross_entropy(out, y_tr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.item()) * len(idx)
                seen += len(idx)
                correct += int((np.argmax(np.asarray(out.data), axis=1) == y_tr[idx]).sum())
            else:
                with no_grad():
                    test_out = np.asarray(model(X_te).data)
                entry = {"epoch": epoch + 1, "loss": finite(total / max(seen, 1)), "accuracy": finite(correct / seen),
                         "val_accuracy": finite(float(np.mean(np.argmax(test_out, axis=1) == y_te)))}
                with self._lock:
                    self.epochs.append(entry)
                    self._weights = {k: v.copy() for k, v in model.state_dict().items()}
                if c.delay_ms:
                    self._stop.wait(c.delay_ms / 1000)
                continue
            break  # stopped mid-epoch: that epoch is not reported
        with self._lock:
            if self._stop.is_set():
                self.status = "stopped"
            elif time.monotonic() - self.started > self.time_budget:
                self.status, self.message = "timeout", f"stopped: over the time budget of {self.time_budget:g} s"
            else:
                self.status = "done"

    def snapshot(self, since: int = 0) -> dict:
        with self._lock:
            end = self.finished or time.monotonic()
            w = self._weights
            kernels = None if w is None else np.round(w["0.weight"][:, 0], 4).tolist()
            return {"id": self.id, "kind": "cnn", "status": self.status, "message": self.message,
                    "epochs_total": self.config.epochs, "elapsed": round(end - self.started, 2),
                    "epochs": self.epochs[since:], "n_epochs": len(self.epochs), "kernels": kernels,
                    "digits": None if self.X_te is None or since else
                    {"images": np.round(self.X_te[:, 0], 3).tolist(), "labels": self.y_te.tolist()}}


def inspect(job: CnnJob, d: dict) -> dict:
    """POST /api/cnn/<id>/inspect {index}: one test digit through the latest weights, forward and
    backward (see the module docstring)."""
    import nn

    w = job.weights()
    if w is None or job.X_te is None:
        raise ApiError("the network has no weights yet: wait for the run to start", status=409)
    index = get_int(d, "index", 0, len(job.X_te) - 1, 0)
    model = build_model(job.config.channels)
    model.load_state_dict(w)
    conv, relu, pool, flat, linear = list(model)
    from tinygrad_edu import Value

    x = Value(job.X_te[index:index + 1], requires_grad=False)
    z = conv(x)
    r = relu(z)
    p = pool(r)
    logits = linear(flat(p))
    label = int(job.y_te[index])
    loss = nn.cross_entropy(logits, np.array([label]))
    loss.backward()
    probs = np.exp(np.asarray(logits.data)[0] - np.asarray(logits.data)[0].max())
    probs /= probs.sum()
    rnd = lambda a: np.round(np.asarray(a, dtype=np.float64), 4).tolist()  # noqa: E731
    return {"index": index, "label": label, "predicted": int(np.argmax(probs)), "probs": rnd(probs),
            "image": rnd(job.X_te[index, 0]), "kernels": rnd(w["0.weight"][:, 0]), "bias": rnd(w["0.bias"]),
            "z": rnd(z.data[0]), "r": rnd(r.data[0]), "p": rnd(p.data[0]),
            "grad_p": rnd(p.grad[0]), "grad_r": rnd(r.grad[0]), "loss": finite(loss.item())}
