"""Time per epoch and accuracy of the two digits networks trained with `nn.fit`.

    .venv/bin/python bench/digits_epoch.py [--epochs-mlp 20] [--epochs-cnn 15]

- MLP 64-128-64-10 (ReLU), float32, Adam(lr=3e-3), batch 64;
- CNN Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256, 10), float32,
  Adam(lr=1e-2), batch 64, on the images reshaped to (N, 1, 8, 8).

Both train on 75% of `load_digits()` (1,347 images, 22 batches per epoch) and are tested on the
other 25% (450 images), split with `random_state=0`, seeded with `manual_seed(0)`.
"Epoch time" covers the training batches only (forward, loss, backward, step, the running
metrics), median over the epochs, timed by a callback; validation is not part of it. The same
epoch written as a bare loop (zero_grad, forward, loss, backward, step) is timed too, so the
cost of `fit` itself shows. `run()` returns one dict per network.

BLAS threads: these matrices are tiny (64 x 64 @ 64 x 128), where OpenBLAS's threads cost more
than they save and spin between calls; on a busy 2-core machine that made epochs 10-50x slower
and erratic. So the script sets OPENBLAS_NUM_THREADS=1 (and OMP/MKL) unless you set it yourself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS (see the docstring)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn  # noqa: E402
from nn.data import load_digits, train_test_split  # noqa: E402
from optim import Adam  # noqa: E402
from tinygrad_edu import manual_seed  # noqa: E402


class EpochTimer(nn.Callback):
    """Wall time from the start of each epoch to its last optimizer step."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def on_epoch_begin(self, state, logs) -> None:
        self._t0 = time.perf_counter()

    def on_batch_end(self, state, logs) -> None:
        self._last = time.perf_counter()

    def on_epoch_end(self, state, logs) -> None:
        self.times.append(self._last - self._t0)


def _mlp() -> nn.Module:
    return nn.MLP(64, [128, 64], 10, activation="relu", dtype=np.float32)


def _cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    ).to(np.float32)


def _measure(name: str, build, images: bool, epochs: int, lr: float) -> dict:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    if images:
        X_train, X_test = X_train.reshape(-1, 1, 8, 8), X_test.reshape(-1, 1, 8, 8)
    manual_seed(0)
    model = build()
    timer = EpochTimer()
    history = nn.fit(model, nn.cross_entropy, Adam(model.parameters(), lr=lr), X_train, y_train,
                     epochs=epochs, batch_size=64, validation_data=(X_test, y_test), callbacks=[timer],
                     verbose=0)
    test = nn.evaluate(model, nn.cross_entropy, X_test, y_test)
    manual = _bare_loop_ms(build, X_train.astype(np.float32), y_train, lr)
    return {
        "network": name,
        "lr": lr,
        "params": model.num_parameters(),
        "epochs": epochs,
        "steps_per_epoch": history.params["steps"],
        "epoch_ms_median": 1e3 * statistics.median(timer.times),
        "epoch_ms_min": 1e3 * min(timer.times),
        "step_ms_median": 1e3 * statistics.median(timer.times) / history.params["steps"],
        "bare_loop_epoch_ms": manual,
        "train_acc": history.history["accuracy"][-1],
        "test_acc": test["accuracy"],
        "best_test_acc": max(history.history["val_accuracy"]),
        "epochs_to_95": next((i + 1 for i, a in enumerate(history.history["val_accuracy"]) if a >= 0.95), None),
    }


def _bare_loop_ms(build, X: np.ndarray, y: np.ndarray, lr: float, epochs: int = 5) -> float:
    """Median epoch time of the loop `fit` runs, written out by hand (same batches, no extras)."""
    manual_seed(0)
    model = build()
    opt = Adam(model.parameters(), lr=lr)
    times = []
    for _ in range(epochs):
        order = np.random.default_rng(0).permutation(len(X))
        t0 = time.perf_counter()
        for i in range(0, len(X), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            nn.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def run(epochs_mlp: int = 20, epochs_cnn: int = 15) -> list[dict]:
    """Train both networks once; one row each (times in ms, accuracies as fractions)."""
    return [
        _measure("MLP 64-128-64-10", _mlp, images=False, epochs=epochs_mlp, lr=3e-3),
        _measure("CNN conv16-pool-fc10", _cnn, images=True, epochs=epochs_cnn, lr=1e-2),
    ]


def _table(rows: list[dict]) -> str:
    head = f"{'network':<22}{'params':>8}{'epochs':>8}{'ms/epoch':>10}{'ms/step':>9}{'bare loop':>11}" \
           f"{'train acc':>11}" \
           f"{'test acc':>10}{'best test':>11}{'epochs to 95%':>15}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['network']:<22}{r['params']:>8}{r['epochs']:>8}{r['epoch_ms_median']:>10.1f}"
                     f"{r['step_ms_median']:>9.2f}{r['bare_loop_epoch_ms']:>11.1f}{r['train_acc']:>11.2%}{r['test_acc']:>10.2%}"
                     f"{r['best_test_acc']:>11.2%}{str(r['epochs_to_95']):>15}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-mlp", type=int, default=20)
    parser.add_argument("--epochs-cnn", type=int, default=15)
    args = parser.parse_args()
    print("digits (1,347 train / 450 test), batch 64, float32, Adam; epoch = training batches only; "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print(_table(run(args.epochs_mlp, args.epochs_cnn)))
