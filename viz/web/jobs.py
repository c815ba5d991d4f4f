"""The training lab's engine room: one background thread per training run, polled by the page.

A `TrainingJob` runs `nn.fit` in a daemon thread with a callback that, after every epoch,
stores the epoch's loss and accuracy, the per-layer gradient statistics (from
`nn.diagnostics.GradientMonitor`) and, for 2-D data, the model's class probabilities on a grid
(the decision boundary). The page polls `snapshot()`; nothing is pushed, so a closed tab costs
nothing. The same callback stops the run when the user presses Stop or the time budget is spent
(`state.stop_training`, checked by `fit` after every batch).

`JobManager` bounds how many runs exist and how many train at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .validate import ApiError, finite, get_bool, get_choice, get_float, get_int, get_int_list

__all__ = ["TrainConfig", "TrainingJob", "JobManager", "parse_config", "LIMITS"]

DATASETS = ("moons", "spirals", "blobs", "digits")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu")
INITS = ("auto", "he", "xavier", "normal")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw")

# Sizes a laptop trains in seconds; the API refuses anything larger.
LIMITS = {
    "layers": 6,            # hidden layers
    "width": 128,           # units per hidden layer
    "params": 60_000,       # weights + biases of the whole network
    "epochs": 500,
    "batch_size": 1024,
    "samples": 1000,        # toy data sets
    "delay_ms": 1000,       # pause per epoch, so a fast run can be watched
    "grid": 60,             # decision boundary resolution (grid x grid)
}
GALLERY = 24  # test digits shown with their predicted labels


@dataclass
class TrainConfig:
    """Everything the training form sets (already validated)."""

    dataset: str = "moons"
    samples: int = 400
    noise: float = 0.15
    hidden: list[int] = field(default_factory=lambda: [16, 16])
    activation: str = "tanh"
    init: str = "auto"
    batchnorm: bool = False
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 32
    epochs: int = 100
    seed: int = 0
    delay_ms: int = 30


def parse_config(d: dict) -> TrainConfig:
    """A `TrainConfig` from the request's JSON, or ApiError naming the bad field."""
    c = TrainConfig()
    c.dataset = get_choice(d, "dataset", DATASETS, c.dataset)
    c.samples = get_int(d, "samples", 50, LIMITS["samples"], c.samples)
    c.noise = get_float(d, "noise", 0.0, 1.0, c.noise)
    c.hidden = get_int_list(d, "hidden", LIMITS["layers"], 1, LIMITS["width"], c.hidden)
    c.activation = get_choice(d, "activation", ACTIVATIONS, c.activation)
    c.init = get_choice(d, "init", INITS, c.init)
    c.batchnorm = get_bool(d, "batchnorm", c.batchnorm)
    c.dropout = get_float(d, "dropout", 0.0, 0.9, c.dropout)
    c.optimizer = get_choice(d, "optimizer", OPTIMIZERS, c.optimizer)
    c.lr = get_float(d, "lr", 0.0, 10.0, c.lr, lo_open=True)
    c.batch_size = get_int(d, "batch_size", 1, LIMITS["batch_size"], c.batch_size)
    c.epochs = get_int(d, "epochs", 1, LIMITS["epochs"], c.epochs)
    c.seed = get_int(d, "seed", 0, 2**31 - 1, c.seed)
    c.delay_ms = get_int(d, "delay_ms", 0, LIMITS["delay_ms"], c.delay_ms)
    n_in, n_out = (64, 10) if c.dataset == "digits" else (2, 3 if c.dataset == "blobs" else 2)
    widths = [n_in, *c.hidden, n_out]
    params = sum(a * b + b for a, b in zip(widths, widths[1:]))
    if params > LIMITS["params"]:
        raise ApiError(f"the network has {params:,} parameters; the playground trains at most "
                       f"{LIMITS['params']:,} (use fewer or narrower layers)")
    return c


def load_data(c: TrainConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Train/test split of the chosen data set, and the number of classes."""
    from nn import data

    rs = np.random.default_rng(c.seed)
    if c.dataset == "moons":
        X, y = data.make_moons(c.samples, noise=c.noise, random_state=rs)
    elif c.dataset == "spirals":
        X, y = data.make_spirals(c.samples, n_classes=2, noise=c.noise * 0.3, random_state=rs)
    elif c.dataset == "blobs":
        centres = np.array([[-1.0, -0.6], [1.0, -0.6], [0.0, 1.0]])
        X, y = data.make_blobs(c.samples, centers=centres, cluster_std=0.2 + c.noise * 2, random_state=rs)
    else:
        X, y = data.load_digits()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, random_state=rs, stratify=y)
    return X_tr, X_te, y_tr, y_te, int(y.max()) + 1


def make_optimizer(name: str, params: list, lr: float) -> Any:
    import optim

    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    return {"adam": optim.Adam, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad,
            "adamw": optim.AdamW}[name](params, lr=lr)


def _grid(X: np.ndarray, n: int) -> tuple[np.ndarray, list[float]]:
    """An n x n grid of points covering the data with a margin, and its [x0, x1, y0, y1] box."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * (hi - lo) + 1e-9
    lo, hi = lo - pad, hi + pad
    xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys)  # row i is y = ys[i]
    return np.stack([gx.ravel(), gy.ravel()], axis=1), [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TrainingJob:
    """One training run in a background thread; `snapshot()` is safe to call from any thread."""

    def __init__(self, config: TrainConfig, time_budget: float) -> None:
        self.id = secrets.token_hex(8)
        self.config = config
        self.time_budget = time_budget
        self.status = "starting"      # starting -> running -> done | stopped | timeout | error
        self.message = ""
        self.epochs: list[dict] = []  # one dict per finished epoch
        self.layers: list[dict] = []  # latest per-layer gradient statistics with verdicts
        self.boundary: dict | None = None
        self.points: dict | None = None
        self.gallery: dict | None = None   # digits: a few test images ...
        self.predicted: list | None = None  # ... and the model's latest reading of them
        self.started = time.monotonic()
        self.finished: float | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"train-{self.id}", daemon=True)

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self.status in ("starting", "running")

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._train()
        except Exception as e:  # shown on the page; the server keeps serving
            with self._lock:
                self.status, self.message = "error", f"{type(e).__name__}: {e}"[:300]
        finally:
            self.finished = time.monotonic()

    def _train(self) -> None:
        import nn
        from nn.diagnostics import GradientMonitor
        from tinygrad_edu import manual_seed, no_grad

        c = self.config
        manual_seed(c.seed)  # repeatable runs (the generator is shared, so concurrent runs interleave)
        X_tr, X_te, y_tr, y_te, n_classes = load_data(c)
        # Standardise inputs with the training statistics: every data set then suits the same lr.
        mean, std = X_tr.mean(axis=0), X_tr.std(axis=0) + 1e-8
        norm = (lambda A: (A - mean) / std) if c.dataset != "digits" else (lambda A: A)
        two_d = X_tr.shape[1] == 2
        grid, box = _grid(np.concatenate([X_tr, X_te]), LIMITS["grid"]) if two_d else (None, None)
        gallery = X_te[:GALLERY] if not two_d else None
        if gallery is not None:  # no boundary in 64 dimensions: show test digits and what the net reads
            self.gallery = {"images": np.round(gallery, 2).tolist(), "labels": y_te[:GALLERY].tolist(),
                            "side": int(round(X_te.shape[1] ** 0.5))}
        if two_d:
            self.points = {"x": np.round(X_tr, 4).tolist(), "y": y_tr.tolist(),
                           "x_test": np.round(X_te, 4).tolist(), "y_test": y_te.tolist(),
                           "box": box, "classes": n_classes}

        model = nn.MLP(X_tr.shape[1], c.hidden, n_classes, activation=c.activation, dropout=c.dropout,
                       batchnorm=c.batchnorm, init=None if c.init == "auto" else c.init)
        opt = make_optimizer(c.optimizer, model.parameters(), c.lr)
        monitor = GradientMonitor(model)
        job = self

        class Live(nn.Callback):
            """Stops on request or over budget; publishes each epoch's results."""

            def on_batch_end(self, state: Any, logs: dict) -> None:
                if job._stop.is_set():
                    state.stop_training = True
                elif time.monotonic() - job.started > job.time_budget:
                    job.message = f"stopped: over the time budget of {job.time_budget:g} s"
                    state.stop_training = True

            def on_epoch_end(self, state: Any, logs: dict) -> None:
                layers = monitor.latest()
                # The epoch's mean grad norm per layer: one batch's value jumps around too much to read.
                norms = np.nanmean(monitor.series("grad_norm"), axis=0)
                monitor.records = monitor.records[-1:]  # keep memory flat on long runs
                boundary, predicted = None, None
                if gallery is not None:
                    model.eval()
                    with no_grad():
                        predicted = np.argmax(np.asarray(model(norm(gallery)).data), axis=1).tolist()
                    model.train()
                if two_d:
                    was_training = model.training
                    model.eval()
                    with no_grad():
                        probs = _softmax(np.asarray(model(norm(grid)).data, dtype=np.float64))
                    model.train() if was_training else model.eval()
                    boundary = {"n": LIMITS["grid"], "box": box,
                                "probs": np.round(probs, 3).T.tolist()}  # classes x (n*n), row-major from y0
                entry = {"epoch": state.epoch + 1, "loss": finite(logs.get("loss", float("nan"))),
                         "accuracy": finite(logs.get("accuracy", float("nan"))),
                         "val_loss": finite(logs.get("val_loss", float("nan"))),
                         "val_accuracy": finite(logs.get("val_accuracy", float("nan"))),
                         "grad_norms": [finite(g) for g in norms]}
                with job._lock:
                    job.epochs.append(entry)
                    job.layers = [_layer_row(r) for r in layers]
                    job.boundary = boundary
                    job.predicted = predicted
                if c.delay_ms and not job._stop.is_set():
                    job._stop.wait(c.delay_ms / 1000)  # pace the run so the page can show it move

        with self._lock:
            self.status = "running"
        try:
            nn.fit(model, nn.cross_entropy, opt, norm(X_tr), y_tr, epochs=c.epochs, batch_size=c.batch_size,
                   validation_data=(norm(X_te), y_te), callbacks=[monitor, Live()], verbose=0)
        finally:
            monitor.remove()
        with self._lock:
            if self._stop.is_set():
                self.status = "stopped"
            elif self.message.startswith("stopped: over"):
                self.status = "timeout"
            else:
                self.status = "done"

    # -- reading ---------------------------------------------------------------------------------
    def snapshot(self, since: int = 0) -> dict:
        """The job's state for the page: epochs from index `since` on, and the latest pictures."""
        with self._lock:
            end = self.finished or time.monotonic()
            return {"id": self.id, "status": self.status, "message": self.message,
                    "epochs_total": self.config.epochs, "elapsed": round(end - self.started, 2),
                    "epochs": self.epochs[since:], "n_epochs": len(self.epochs), "layers": self.layers,
                    "boundary": self.boundary, "points": self.points if since == 0 else None,
                    "gallery": self.gallery if since == 0 else None, "predicted": self.predicted,
                    "config": self.config.__dict__}


def _layer_row(r: dict) -> dict:
    """The per-layer numbers the page shows (JSON-safe)."""
    keep = ("layer", "type", "grad_norm", "grad_mean_abs", "update_ratio", "ratio_to_last", "act_mean",
            "act_std", "saturated", "dead", "activation", "verdict")
    out = {}
    for k in keep:
        v = r.get(k)
        out[k] = v if v is None or isinstance(v, str) else finite(v)
    return out


class JobManager:
    """Holds the training runs: at most `max_running` train at once, at most `max_jobs` are kept
    (the oldest finished ones are forgotten first)."""

    def __init__(self, max_running: int = 2, max_jobs: int = 8, time_budget: float = 120.0) -> None:
        self.max_running, self.max_jobs, self.time_budget = max_running, max_jobs, time_budget
        self._jobs: dict[str, TrainingJob] = {}
        self._lock = threading.Lock()

    def start(self, config: TrainConfig) -> TrainingJob:
        with self._lock:
            running = sum(j.running for j in self._jobs.values())
            if running >= self.max_running:
                raise ApiError(f"{running} training runs are already going (at most {self.max_running}); "
                               "stop one first", status=429)
            finished = [k for k, j in self._jobs.items() if not j.running]
            while len(self._jobs) >= self.max_jobs and finished:
                del self._jobs[finished.pop(0)]
            if len(self._jobs) >= self.max_jobs:
                raise ApiError("too many training runs are kept; reset one first", status=429)
            job = TrainingJob(config, self.time_budget)
            self._jobs[job.id] = job
        job.start()
        return job

    def get(self, job_id: str) -> TrainingJob:
        with self._lock:
            job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise ApiError("no such training run (it may have been reset)", status=404)
        return job

    def remove(self, job_id: str) -> None:
        job = self.get(job_id)
        job.stop()
        with self._lock:
            self._jobs.pop(job_id, None)

    def stop_all(self, wait: float = 5.0) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for j in jobs:
            j.stop()
        for j in jobs:
            j.join(wait)
