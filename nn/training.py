"""`fit`: the training loop every lesson writes by hand, once, with Keras's conventions.

One epoch of `fit` is exactly the loop a student would write::

    model.train()
    for xb, yb in DataLoader(X_train, y_train, batch_size, shuffle=True):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval(); with no_grad(): val_loss = loss_fn(model(X_val), y_val)

plus callbacks (see `nn.callbacks` for where each hook runs), metrics and a progress bar.
`fit` uses nothing of the optimizer but `zero_grad()` and `step()` (and reads `lr`, or
`param_groups[0]["lr"]`, for the history when present), so a ten-line hand-written SGD works.

Conventions (Keras):

- `validation_split=f` holds out the LAST `n - floor(n * (1 - f))` samples, taken before any
  shuffling; `validation_data=(X_val, y_val)` takes precedence over it.
- `batch_size=None` is full-batch gradient descent; batches are reshuffled every epoch with the
  library's generator (`manual_seed` makes a run repeatable).
- `History.history` maps names to one value per epoch: `loss`, each metric, `val_loss` and
  `val_<metric>` when validating, and `lr` (the learning rate the epoch trained with, read after
  the `on_epoch_begin` callbacks; absent if the optimizer exposes none). Training loss and metrics
  are averaged over the epoch's batches as they were seen (in train mode, weights changing),
  validation ones are computed at the end of the epoch in eval mode.
- Floating inputs are cast to the dtype of the model's parameters (float64 data into a float32
  model would otherwise promote every product to float64); integer inputs (token ids) are kept.

Metrics are names or callables `metric(pred: np.ndarray, target: np.ndarray) -> float`, computed
once per epoch on all the predictions of the epoch (see `nn.metrics`: the names, and how
"accuracy" reads the model's output from what the loss declares it `expects`).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Value, no_grad

from .callbacks import Callback, EarlyStopping, TrainerState, get_lr
from .data import DataLoader
from .metrics import Metric, accuracy, resolve_metrics

__all__ = ["fit", "evaluate", "predict", "History", "accuracy"]

# ----------------------------------------------------------------------------- History

class History:
    """What `fit` returns: per-epoch results, like Keras's `History`.

    - `history`: dict of lists, one entry per epoch run (`loss`, metrics, `val_*`, `lr`),
    - `epoch`: the epoch indices run (from 0),
    - `params`: `epochs`, `steps` (per epoch), `batch_size`, `samples`, `val_samples`, `verbose`,
      `metrics` (the logged names),
    - `stopped_epoch`, `best_epoch`, `best_value`, `monitor`: filled from an `EarlyStopping` callback
      when one was used (None otherwise); `best()` finds the best epoch of any key yourself.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self.best_value: float | None = None
        self.monitor: str | None = None

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def best(self, monitor: str | None = None, mode: str = "auto") -> tuple[int, float]:
        """(epoch, value) of the best epoch for `monitor` (default "val_loss" if logged, else
        "loss"); mode "auto" maximises names containing "acc", minimises the rest."""
        monitor = monitor or ("val_loss" if "val_loss" in self.history else "loss")
        if monitor not in self.history:
            raise KeyError(f"History.best: no '{monitor}' in {sorted(self.history)}")
        values = np.asarray(self.history[monitor], dtype=float)
        if mode == "auto":
            mode = "max" if "acc" in monitor.lower() else "min"
        i = int(np.nanargmax(values) if mode == "max" else np.nanargmin(values))
        return self.epoch[i], float(values[i])

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self)}, keys={list(self.history)})"


# ----------------------------------------------------------------------------- helpers

def _param_dtype(model: Any) -> np.dtype | None:
    for p in model.parameters():
        return np.asarray(p.data).dtype
    return None


def _as_input(X: Any, dtype: np.dtype | None) -> np.ndarray:
    """Numpy data; floating data takes the parameters' dtype (float32 models stay float32)."""
    X = np.asarray(X.data if isinstance(X, Value) else X)
    if dtype is not None and X.dtype.kind == "f" and X.dtype != dtype:
        X = X.astype(dtype)
    return X


def _loss_item(loss: Any) -> float:
    if not isinstance(loss, Value):
        raise TypeError(f"loss_fn must return a Value, got {type(loss).__name__}")
    if loss.size != 1:
        raise ValueError(f"loss_fn must return a single number (reduce by mean), got shape {loss.shape}")
    return loss.item()


def _split_validation(X: np.ndarray, y: np.ndarray, validation_split: float):
    """Keras: train on the first floor(n * (1 - split)) samples, validate on the rest."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
    split_at = int(math.floor(len(X) * (1.0 - validation_split)))
    if split_at == 0 or split_at == len(X):
        raise ValueError(
            f"validation_split={validation_split} of {len(X)} samples leaves "
            f"{split_at} for training and {len(X) - split_at} for validation; both need at least one"
        )
    return X[:split_at], y[:split_at], X[split_at:], y[split_at:]


class _Callbacks:
    """Call one hook on every callback, in order."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.items = list(callbacks)

    def __call__(self, hook: str, state: TrainerState, logs: dict) -> None:
        for cb in self.items:
            method = getattr(cb, hook, None)
            if method is not None:
                method(state, logs)


# ----------------------------------------------------------------------------- evaluate, predict

def _batches(n: int, batch_size: int | None) -> Iterable[slice]:
    size = n if batch_size is None else batch_size
    return (slice(i, i + size) for i in range(0, n, size))


def predict(model: Any, X: Any, batch_size: int | None = None) -> np.ndarray:
    """The model's outputs for X as a numpy array, in eval mode and without a graph.

    The model's train/eval mode is restored afterwards. `batch_size` bounds memory on big inputs.
    """
    was_training = getattr(model, "training", False)
    X = _as_input(X, _param_dtype(model))
    model.eval()
    try:
        with no_grad():
            outs = [np.asarray(model(X[s]).data) for s in _batches(len(X), batch_size)]
    finally:
        if was_training:
            model.train()
    return np.concatenate(outs, axis=0) if len(outs) > 1 else outs[0]


def _loss_and_outputs(model, loss_fn, X, y, batch_size) -> tuple[float, np.ndarray]:
    """Mean loss and all outputs on (X, y), in eval mode without a graph (mode restored)."""
    was_training = getattr(model, "training", False)
    model.eval()
    total, outs = 0.0, []
    try:
        with no_grad():
            for s in _batches(len(X), batch_size):
                out = model(X[s])
                # size-weighted mean of batch means: exact for the mean reduction of every loss
                total += _loss_item(loss_fn(out, y[s])) * len(X[s])
                outs.append(np.asarray(out.data))
    finally:
        if was_training:
            model.train()
    return total / len(X), np.concatenate(outs, axis=0)


def evaluate(
    model: Any,
    loss_fn: Callable[[Value, Any], Value],
    X: Any,
    y: Any,
    metrics: Iterable[Metric] | None = ("accuracy",),
    batch_size: int | None = None,
) -> dict[str, float]:
    """{"loss": ..., metric: ...} on (X, y), in eval mode without a graph.

    Metrics see all predictions at once; `batch_size` only bounds memory.
    """
    fns = resolve_metrics(metrics, loss_fn)
    dtype = _param_dtype(model)
    X, y = _as_input(X, dtype), _as_input(y, dtype)
    if len(X) != len(y):
        raise ValueError(f"evaluate: X has {len(X)} samples but y has {len(y)}")
    loss, pred = _loss_and_outputs(model, loss_fn, X, y, batch_size)
    return {"loss": loss, **{name: float(fn(pred, y)) for name, fn in fns.items()}}


# ----------------------------------------------------------------------------- fit

def fit(
    model: Any,
    loss_fn: Callable[[Value, Any], Value],
    optimizer: Any,
    X: Any,
    y: Any,
    epochs: int = 1,
    batch_size: int | None = 32,
    validation_data: tuple[Any, Any] | None = None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    callbacks: Sequence[Callback] = (),
    metrics: Iterable[Metric] | None = ("accuracy",),
    verbose: int = 1,
) -> History:
    """Train `model` to minimise `loss_fn(model(X), y)` with `optimizer`; return a `History`.

    `loss_fn(pred_value, target_array) -> scalar Value` (e.g. `nn.cross_entropy`).
    `verbose`: 0 silent, 1 a tqdm progress bar over all batches of all epochs (the postfix shows
    the last epoch's results), 2 one printed line per epoch.
    The model's train/eval mode before the call is restored at the end.
    See the module docstring for validation, shuffling, metrics and the history keys.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    dtype = _param_dtype(model)
    X, y = _as_input(X, dtype), _as_input(y, dtype)
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)}")
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        X_val, y_val = (_as_input(a, dtype) for a in validation_data)
        X_train, y_train = X, y
    elif validation_split:
        X_train, y_train, X_val, y_val = _split_validation(X, y, validation_split)
    else:
        X_train, y_train, X_val, y_val = X, y, None, None

    fns = resolve_metrics(metrics, loss_fn)
    loader = DataLoader(X_train, y_train, batch_size=batch_size, shuffle=shuffle)
    history = History()
    history.params = {
        "epochs": epochs, "steps": len(loader), "batch_size": batch_size, "samples": len(X_train),
        "val_samples": 0 if X_val is None else len(X_val), "verbose": verbose, "metrics": list(fns),
    }
    state = TrainerState(model=model, optimizer=optimizer, loss_fn=loss_fn, epochs=epochs,
                         steps_per_epoch=len(loader), history=history)
    cbs = _Callbacks(callbacks)
    eval_batch = None if batch_size is None else max(batch_size, 512)  # no graph: bigger is fine
    bar = _progress_bar(epochs * len(loader)) if verbose == 1 else None
    was_training = getattr(model, "training", True)
    logs: dict[str, float] = {}
    try:
        cbs("on_train_begin", state, {})
        for epoch in range(epochs):
            state.epoch = epoch
            cbs("on_epoch_begin", state, {})
            lr = get_lr(optimizer)  # after the callbacks: the lr this epoch trains with
            if bar is not None:
                bar.set_description(f"Epoch {epoch + 1}/{epochs}", refresh=False)
            logs = _train_epoch(model, loss_fn, optimizer, loader, fns, state, cbs, bar)
            if X_val is not None:
                val_loss, val_pred = _loss_and_outputs(model, loss_fn, X_val, y_val, eval_batch)
                logs["val_loss"] = val_loss
                logs.update({f"val_{name}": float(fn(val_pred, y_val)) for name, fn in fns.items()})
            if lr is not None:
                logs["lr"] = lr
            history.append(epoch, logs)
            cbs("on_epoch_end", state, logs)
            if bar is not None:
                bar.set_postfix_str(_format_logs(logs), refresh=True)
            elif verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs} - {_format_logs(logs)}")
            if state.stop_training:
                break
        cbs("on_train_end", state, dict(logs))
    finally:
        if bar is not None:
            bar.close()
        model.train() if was_training else model.eval()
    for cb in callbacks:
        if isinstance(cb, EarlyStopping):
            history.stopped_epoch, history.best_epoch = cb.stopped_epoch, cb.best_epoch
            history.best_value = None if cb.best_epoch is None else cb.best
            history.monitor = cb.monitor
    return history


def _train_epoch(model, loss_fn, optimizer, loader, fns, state, cbs, bar) -> dict[str, float]:
    """One pass over the loader; returns {"loss": mean batch loss, metric: value on the epoch}."""
    model.train()
    total, seen, preds, targets = 0.0, 0, [], []
    for i, (xb, yb) in enumerate(loader):
        state.batch = i
        cbs("on_batch_begin", state, {"batch": i, "size": len(xb)})
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        value = _loss_item(loss)
        state.loss = loss
        loss.backward()
        cbs("on_after_backward", state, {"batch": i, "size": len(xb), "loss": value})
        optimizer.step()
        state.step += 1
        total += value * len(xb)
        seen += len(xb)
        if fns:
            preds.append(np.asarray(out.data))
            targets.append(yb)
        cbs("on_batch_end", state, {"batch": i, "size": len(xb), "loss": value})
        if bar is not None:
            bar.update(1)
        if state.stop_training:
            break
    state.loss = None  # let the graph of the last batch be freed
    logs = {"loss": total / max(seen, 1)}
    if fns and preds:
        pred, target = np.concatenate(preds), np.concatenate(targets)
        logs.update({name: float(fn(pred, target)) for name, fn in fns.items()})
    return logs


def _progress_bar(total: int):
    """tqdm's widget bar inside Jupyter when ipywidgets is installed, else the text bar, never a warning.

    (`tqdm.auto` would warn "IProgress not found" in a notebook without ipywidgets.)
    """
    if _in_jupyter() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm  # imported only when a bar is wanted
    else:
        from tqdm.std import tqdm
    return tqdm(total=total, unit="batch", dynamic_ncols=True, leave=True)


def _in_jupyter() -> bool:
    """Running in a Jupyter kernel (IPython is already loaded there; we never import it ourselves)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _format_logs(logs: dict[str, float]) -> str:
    return " - ".join(f"{k}: {v:.4g}" for k, v in logs.items())
