"""The training lab's job runner: one background thread per training run, polled by the page.

A `TrainingJob` runs `nn.fit` in a daemon thread with a callback that, after every epoch,
stores the epoch's loss and accuracy, the per-layer gradient statistics (from
`nn.diagnostics.GradientMonitor`; the table shows the epoch's mean gradient norm, the same number
the chart plots) and, for 2-D data, the model's class probabilities on a grid (the decision
boundary) and every hidden unit's output on a coarser grid with the weights between units (the
per-neuron view, as in TensorFlow Playground).

The inputs can be extended with features of the two coordinates (x1^2, x1*x2, sin(x1), ...),
the loss can carry an L1 and an L2 penalty on the weights, and each optimizer from
`optim.catalog` has its learning rate and, where it has one, its momentum / beta1 / alpha.

An epoch cut short by Stop (or the time budget) is not reported as an epoch: `partial` says
how many of its batches ran. The page polls `snapshot()`; nothing is pushed, so a closed tab costs
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

from .knobs import set_knob
from .validate import ApiError, finite, get_bool, get_choice, get_float, get_int, get_int_list, get_str_list

__all__ = ["TrainConfig", "TrainingJob", "JobManager", "parse_config", "LIMITS", "FEATURES", "optimizer_names"]

DATASETS = ("moons", "spirals", "blobs", "circles", "digits")
# name -> feature of the standardised coordinates (x1, x2)
FEATURES: dict[str, Any] = {
    "x1": lambda a, b: a, "x2": lambda a, b: b, "x1^2": lambda a, b: a * a, "x2^2": lambda a, b: b * b,
    "x1*x2": lambda a, b: a * b, "sin(x1)": lambda a, b: np.sin(a), "sin(x2)": lambda a, b: np.sin(b),
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu")
INITS = ("auto", "he", "xavier", "normal")

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
    "neuron_grid": 20,      # per-neuron heat map resolution
    "neurons": 8,           # units per layer shown in the per-neuron view
    "penalty": 0.1,         # largest L1 / L2 strength
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
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    l1: float = 0.0
    l2: float = 0.0
    optimizer: str = "adam"
    lr: float = 0.01
    knob: float | None = None  # momentum / beta1 / alpha of the optimizer (None: its default)
    batch_size: int = 32
    epochs: int = 100
    seed: int = 0
    delay_ms: int = 30


def optimizer_names() -> tuple[str, ...]:
    from optim import catalog

    return catalog.names()


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
    c.features = get_str_list(d, "features", tuple(FEATURES), len(FEATURES), c.features)
    c.l1 = get_float(d, "l1", 0.0, LIMITS["penalty"], c.l1)
    c.l2 = get_float(d, "l2", 0.0, LIMITS["penalty"], c.l2)
    c.optimizer = get_choice(d, "optimizer", optimizer_names(), c.optimizer)
    c.lr = get_float(d, "lr", 0.0, 10.0, c.lr, lo_open=True)
    c.knob = None if d.get("knob") is None else get_float(d, "knob", 0.0, 0.999)
    c.batch_size = get_int(d, "batch_size", 1, LIMITS["batch_size"], c.batch_size)
    c.epochs = get_int(d, "epochs", 1, LIMITS["epochs"], c.epochs)
    c.seed = get_int(d, "seed", 0, 2**31 - 1, c.seed)
    c.delay_ms = get_int(d, "delay_ms", 0, LIMITS["delay_ms"], c.delay_ms)
    n_in, n_out = (64, 10) if c.dataset == "digits" else (len(c.features), 3 if c.dataset == "blobs" else 2)
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
    elif c.dataset == "circles":
        X, y = _circles(c.samples, c.noise, rs)
    elif c.dataset == "blobs":
        centres = np.array([[-1.0, -0.6], [1.0, -0.6], [0.0, 1.0]])
        X, y = data.make_blobs(c.samples, centers=centres, cluster_std=0.2 + c.noise * 2, random_state=rs)
    else:
        X, y = data.load_digits()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, random_state=rs, stratify=y)
    return X_tr, X_te, y_tr, y_te, int(y.max()) + 1


def _circles(n: int, noise: float, rs: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc inside a ring (TensorFlow Playground's "circle"): linear features cannot split it,
    x1^2 + x2^2 can."""
    y = np.arange(n) % 2
    r = np.where(y == 0, rs.uniform(0.0, 0.5, n), rs.uniform(0.7, 1.0, n))
    t = rs.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + rs.normal(0, noise * 0.3, (n, 2))
    return X, y


def make_optimizer(c: TrainConfig, params: list) -> Any:
    """The catalog's optimizer with the form's learning rate and knob."""
    from optim import catalog

    return set_knob(catalog.make(c.optimizer, params, lr=c.lr), c.knob)


def featurize(A: np.ndarray, features: list[str]) -> np.ndarray:
    """(N, 2) standardised coordinates -> (N, len(features)) chosen features."""
    return np.stack([FEATURES[f](A[:, 0], A[:, 1]) for f in features], axis=1)


def penalized(loss_fn: Any, weights: list, l1: float, l2: float) -> Any:
    """loss_fn + l1 * sum|w| + l2 * sum w^2 over the weight matrices (biases are not penalised)."""
    import nn

    if not l1 and not l2:
        return loss_fn

    def loss(out: Any, target: Any) -> Any:
        total = loss_fn(out, target)
        if l1:
            total = total + l1 * nn.l1_penalty(weights)
        if l2:
            total = total + l2 * nn.l2_penalty(weights)
        return total
    loss.expects = getattr(loss_fn, "expects", "logits")  # what fit's accuracy needs to know
    return loss


def neuron_view(model: Any, grid: np.ndarray, n: int, limit: int) -> dict:
    """Each shown hidden unit's output over the grid (n x n, rows from the lowest y) and the
    weights between shown units: what the per-neuron view draws."""
    import nn
    from nn.activations import Activation
    from tinygrad_edu import Value, no_grad

    layers, weights, h = [], [], Value(grid, requires_grad=False)
    shown_prev = list(range(grid.shape[1]))
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Linear):
                w = np.asarray(layer.weight.data)
                weights.append(w)
            elif isinstance(layer, Activation):
                a = np.asarray(h.data)
                keep = list(range(min(limit, a.shape[1])))
                lo, hi = float(a.min()), float(a.max())
                layers.append({"units": a.shape[1], "range": [lo, hi],
                               "maps": [np.round(a[:, j], 3).tolist() for j in keep]})
    edges = []
    widths = [len(shown_prev)] + [len(L["maps"]) for L in layers] + [weights[-1].shape[0] if weights else 0]
    for k, w in enumerate(weights):
        edges.append(np.round(w[:widths[k + 1], :widths[k]], 3).tolist())
    return {"n": n, "layers": layers, "weights": edges}


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


class BackgroundJob:
    """A run in a daemon thread: `start`, `stop` (asks it to finish), `join`, `running`; a
    subclass writes `_train()`. An exception ends it with status "error" and its message."""

    kind = "job"

    def __init__(self, config: Any, time_budget: float) -> None:
        self.id = secrets.token_hex(8)
        self.config = config
        self.time_budget = time_budget
        self.status = "starting"      # starting -> running -> done | stopped | timeout | error
        self.message = ""
        self.epochs: list[dict] = []  # one dict per finished epoch
        self.started = time.monotonic()
        self.finished: float | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"{self.kind}-{self.id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self.status in ("starting", "running")

    def _run(self) -> None:
        try:
            self._train()
        except Exception as e:  # shown on the page; the server keeps serving
            with self._lock:
                self.status, self.message = "error", f"{type(e).__name__}: {e}"[:300]
        finally:
            self.finished = time.monotonic()

    def _train(self) -> None:
        raise NotImplementedError


class TrainingJob(BackgroundJob):
    """One training run in a background thread; `snapshot()` is safe to call from any thread."""

    kind = "train"

    def __init__(self, config: TrainConfig, time_budget: float) -> None:
        super().__init__(config, time_budget)
        self.layers: list[dict] = []  # latest per-layer gradient statistics with verdicts
        self.boundary: dict | None = None
        self.points: dict | None = None
        self.gallery: dict | None = None   # digits: a few test images ...
        self.predicted: list | None = None  # ... and the model's latest reading of them
        self.neurons: dict | None = None    # 2-D: every shown hidden unit's output over the plane
        self.partial: dict | None = None    # the epoch Stop cut short: {epoch, batches, of}

    def _train(self) -> None:
        import nn
        from nn.diagnostics import GradientMonitor
        from tinygrad_edu import manual_seed, no_grad

        c = self.config
        manual_seed(c.seed)  # repeatable runs (the generator is shared, so concurrent runs interleave)
        X_tr, X_te, y_tr, y_te, n_classes = load_data(c)
        # Standardise inputs with the training statistics: every data set then suits the same lr;
        # 2-D sets then get the chosen features of the standardised coordinates.
        mean, std = X_tr.mean(axis=0), X_tr.std(axis=0) + 1e-8
        two_d = X_tr.shape[1] == 2
        if c.dataset == "digits":
            norm = lambda A: A  # noqa: E731
        else:
            norm = lambda A: featurize((A - mean) / std, c.features)  # noqa: E731
        grid, box = _grid(np.concatenate([X_tr, X_te]), LIMITS["grid"]) if two_d else (None, None)
        ngrid = _grid(np.concatenate([X_tr, X_te]), LIMITS["neuron_grid"])[0] if two_d else None
        gallery = X_te[:GALLERY] if not two_d else None
        if gallery is not None:  # no boundary in 64 dimensions: show test digits and what the net reads
            self.gallery = {"images": np.round(gallery, 2).tolist(), "labels": y_te[:GALLERY].tolist(),
                            "side": int(round(X_te.shape[1] ** 0.5))}
        if two_d:
            self.points = {"x": np.round(X_tr, 4).tolist(), "y": y_tr.tolist(),
                           "x_test": np.round(X_te, 4).tolist(), "y_test": y_te.tolist(),
                           "box": box, "classes": n_classes, "features": c.features}

        n_in = X_tr.shape[1] if c.dataset == "digits" else len(c.features)
        model = nn.MLP(n_in, c.hidden, n_classes, activation=c.activation, dropout=c.dropout,
                       batchnorm=c.batchnorm, init=None if c.init == "auto" else c.init)
        opt = make_optimizer(c, model.parameters())
        loss_fn = penalized(nn.cross_entropy, [p for p in model.parameters() if p.ndim == 2], c.l1, c.l2)
        monitor = GradientMonitor(model)
        job = self
        batches = {"done": 0}

        class Live(nn.Callback):
            """Stops on request or over budget; publishes each full epoch's results."""

            def on_epoch_begin(self, state: Any, logs: dict) -> None:
                batches["done"] = 0

            def on_batch_end(self, state: Any, logs: dict) -> None:
                batches["done"] += 1
                if job._stop.is_set():
                    state.stop_training = True
                elif time.monotonic() - job.started > job.time_budget:
                    job.message = f"stopped: over the time budget of {job.time_budget:g} s"
                    state.stop_training = True

            def on_epoch_end(self, state: Any, logs: dict) -> None:
                if batches["done"] < state.steps_per_epoch:  # cut short: not an epoch to plot
                    with job._lock:
                        job.partial = {"epoch": state.epoch + 1, "batches": batches["done"],
                                       "of": state.steps_per_epoch}
                    return
                layers = monitor.latest()
                # The epoch's mean grad norm per layer: one batch's value jumps around too much to read.
                norms = np.nanmean(monitor.series("grad_norm"), axis=0)
                monitor.records = monitor.records[-1:]  # keep memory flat on long runs
                boundary, predicted, neurons = None, None, None
                was_training = model.training
                model.eval()
                with no_grad():
                    if gallery is not None:
                        predicted = np.argmax(np.asarray(model(norm(gallery)).data), axis=1).tolist()
                    if two_d:
                        probs = _softmax(np.asarray(model(norm(grid)).data, dtype=np.float64))
                        boundary = {"n": LIMITS["grid"], "box": box,
                                    "probs": np.round(probs, 3).T.tolist()}  # classes x (n*n), row-major from y0
                        neurons = neuron_view(model, norm(ngrid), LIMITS["neuron_grid"], LIMITS["neurons"])
                        neurons["inputs"] = [np.round(col, 3).tolist() for col in norm(ngrid).T]
                model.train() if was_training else model.eval()
                entry = {"epoch": state.epoch + 1, "loss": finite(logs.get("loss", float("nan"))),
                         "accuracy": finite(logs.get("accuracy", float("nan"))),
                         "val_loss": finite(logs.get("val_loss", float("nan"))),
                         "val_accuracy": finite(logs.get("val_accuracy", float("nan"))),
                         "grad_norms": [finite(g) for g in norms]}
                rows = [_layer_row(r) for r in layers]
                last = float(norms[-1]) if len(norms) else float("nan")
                for row, g in zip(rows, norms):  # the table shows the chart's number: the epoch mean
                    row["grad_norm"] = finite(g)
                    row["ratio_to_last"] = finite(g / last) if last else "nan"
                with job._lock:
                    job.epochs.append(entry)
                    job.layers = rows
                    job.boundary = boundary
                    job.predicted = predicted
                    job.neurons = neurons
                if c.delay_ms and not job._stop.is_set():
                    job._stop.wait(c.delay_ms / 1000)  # pace the run so the page can show it move

        with self._lock:
            self.status = "running"
        try:
            nn.fit(model, loss_fn, opt, norm(X_tr), y_tr, epochs=c.epochs, batch_size=c.batch_size,
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
                    "neurons": self.neurons, "partial": self.partial,
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

    def start(self, config: Any, factory: Any = None) -> Any:
        """Start `factory(config, time_budget)` (by default a TrainingJob): any object with id,
        running, start(), stop(), join() and snapshot() (the CNN lab's CnnJob is one)."""
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
            job = (factory or TrainingJob)(config, self.time_budget)
            self._jobs[job.id] = job
        job.start()
        return job

    def get(self, job_id: str) -> Any:
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
