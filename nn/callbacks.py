"""Callbacks: small objects that `fit` calls at fixed points of training (Keras style).

The training loop of `nn.training.fit`, with the place of every hook::

    on_train_begin(state, logs)
    for epoch in range(epochs):
        on_epoch_begin(state, logs)            # LearningRateScheduler sets the lr here
        for batch in loader:
            on_batch_begin(state, logs)
            optimizer.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward()
            on_after_backward(state, logs)     # gradients exist, the step has not happened:
                                               # GradientClipping clips, GradientMonitor records
            optimizer.step()
            on_batch_end(state, logs)
        (validation)
        on_epoch_end(state, logs)              # EarlyStopping decides here
    on_train_end(state, logs)                  # EarlyStopping restores the best weights here

Every hook receives the same `TrainerState` (`state`) and a `logs` dict:

- `TrainerState` fields: `model`, `optimizer`, `loss_fn`, `epochs` (the limit), `epoch` (from 0),
  `batch` (index within the epoch), `step` (optimizer steps so far, over all epochs),
  `steps_per_epoch`, `loss` (the current batch's loss Value, set before `on_after_backward`),
  `history` (the `History` being filled) and `stop_training` (set it to True to end training
  after the current batch; `fit` checks it after every batch and every epoch).
- `logs`: in batch hooks `{"batch", "size", "loss"}` (loss as a float; `on_batch_begin` gets only
  `batch` and `size`); in `on_epoch_end` the epoch's results (`loss`, metrics, `val_*`, `lr`);
  in `on_train_end` the last epoch's results.

Callbacks run in the order given, so `[GradientClipping(1.0), GradientMonitor(model)]` records
the clipped gradients and `[GradientMonitor(model), GradientClipping(1.0)]` the raw ones.

The learning rate is read and written through the optimizer's `lr` attribute when it has one,
else through every `param_groups[i]["lr"]` (see `get_lr` / `set_lr`); nothing else about the
optimizer is assumed (`nn` never imports `optim`).
"""

from __future__ import annotations

import csv
import inspect
import math
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import Value
from tinygrad_edu.grad_utils import clip_grad_norm_

__all__ = [
    "Callback",
    "TrainerState",
    "EarlyStopping",
    "LearningRateScheduler",
    "GradientClipping",
    "clip_grad_norm",
    "get_lr",
    "set_lr",
    "CSVLogger",
    "ModelCheckpoint",
    "TerminateOnNaN",
    "ReduceLROnPlateau",
]


# ----------------------------------------------------------------------------- the trainer state

@dataclass
class TrainerState:
    """What a callback can see and change while `fit` runs (one object for the whole run)."""

    model: Any
    optimizer: Any
    loss_fn: Any = None
    epochs: int = 1
    epoch: int = 0
    batch: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    loss: Value | None = None
    history: Any = None
    stop_training: bool = False
    extra: dict = field(default_factory=dict)  # room for callbacks to share notes


class Callback:
    """Base class: override the hooks you need; each receives `(state, logs)` and returns None."""

    def on_train_begin(self, state: TrainerState, logs: dict) -> None: ...
    def on_epoch_begin(self, state: TrainerState, logs: dict) -> None: ...
    def on_batch_begin(self, state: TrainerState, logs: dict) -> None: ...
    def on_after_backward(self, state: TrainerState, logs: dict) -> None: ...
    def on_batch_end(self, state: TrainerState, logs: dict) -> None: ...
    def on_epoch_end(self, state: TrainerState, logs: dict) -> None: ...
    def on_train_end(self, state: TrainerState, logs: dict) -> None: ...


# ----------------------------------------------------------------------------- learning rate access

def get_lr(optimizer: Any) -> float | None:
    """The optimizer's learning rate: its `lr` attribute, else `param_groups[0]["lr"]`, else None."""
    lr = getattr(optimizer, "lr", None)
    if isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, bool):
        return float(lr)
    groups = getattr(optimizer, "param_groups", None)
    if groups:
        return float(groups[0]["lr"])
    return None


def set_lr(optimizer: Any, lr: float) -> None:
    """Write `lr` into the optimizer: its `lr` attribute if it has one, and every param group."""
    found = False
    if hasattr(optimizer, "lr"):
        optimizer.lr = lr
        found = True
    for group in getattr(optimizer, "param_groups", None) or ():
        group["lr"] = lr  # harmless when `lr` is a property that already wrote every group
        found = True
    if not found:
        raise AttributeError(
            f"{type(optimizer).__name__} has neither an `lr` attribute nor `param_groups`; "
            "a learning-rate schedule cannot change it"
        )


# ----------------------------------------------------------------------------- monitoring a logged value

def _mode_for(monitor: str, mode: str, who: str) -> str:
    """"min" or "max"; "auto" is "max" for accuracies/AUC, "min" for everything else (Keras)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        name = monitor.lower()
        return "max" if ("acc" in name or "auc" in name) else "min"
    return mode


def _worst(mode: str) -> float:
    """The best value before the first epoch: any value improves on it."""
    return math.inf if mode == "min" else -math.inf


def _improves(current: float, best: float, mode: str, min_delta: float = 0.0) -> bool:
    """Keras's rule: below `best - min_delta` in "min" mode, above `best + min_delta` in "max"."""
    return current < best - min_delta if mode == "min" else current > best + min_delta


def _monitored(who: str, monitor: str, logs: dict, otherwise: str) -> float | None:
    """logs[monitor] as a float; None, with a warning that says what is skipped, when it was not logged."""
    current = logs.get(monitor)
    if current is None:
        warnings.warn(f"{who}: '{monitor}' is not among the logged values {sorted(logs)}; {otherwise}",
                      stacklevel=3)
        return None
    return float(current)


# ----------------------------------------------------------------------------- EarlyStopping

class EarlyStopping(Callback):
    """Stop when the monitored quantity has stopped improving (Keras semantics).

    After every epoch, with `current = logs[monitor]`:

    - improvement means `current < best - min_delta` in "min" mode, `current > best + min_delta`
      in "max" mode; "auto" picks "max" when the name contains "acc" (accuracy) or "auc", else
      "min" (losses);
    - an improvement resets the wait counter and remembers the epoch (`best_epoch`, `best`) and,
      with `restore_best_weights=True`, a copy of `model.state_dict()`;
    - otherwise the counter grows, and when it reaches `patience` (and this is not the first
      epoch) training stops: `state.stop_training = True`, `stopped_epoch` = this epoch.
      `patience=0` therefore stops at the first epoch without improvement.

    With `restore_best_weights=True` the best weights are loaded back when training ends (whether
    it stopped early or ran out of epochs, as in Keras 3). Epoch numbers count from 0.
    A missing `monitor` key warns and does nothing (e.g. "val_loss" without validation data).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        self.mode = _mode_for(monitor, mode, "EarlyStopping")
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = bool(restore_best_weights)
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.best = _worst(self.mode)
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self._reset()

    def on_epoch_end(self, state: TrainerState, logs: dict) -> None:
        current = _monitored("EarlyStopping", self.monitor, logs,
                             "nothing is monitored (did you forget validation data?)")
        if current is None:
            return
        self.wait += 1
        if _improves(current, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = current, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy_state(state.model)
            return
        if self.wait >= self.patience and state.epoch > 0:
            self.stopped_epoch = state.epoch
            state.stop_training = True

    def on_train_end(self, state: TrainerState, logs: dict) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            state.model.load_state_dict(self.best_weights)


def _copy_state(model: Any) -> dict[str, np.ndarray]:
    """A deep copy of the state dict: later optimizer steps must not change the saved snapshot."""
    return {k: np.array(np.asarray(v), copy=True) for k, v in model.state_dict().items()}


# ----------------------------------------------------------------------------- LearningRateScheduler

class LearningRateScheduler(Callback):
    """At the start of every epoch set `lr = schedule(epoch, lr)` (Keras; epochs count from 0).

    `schedule(epoch, lr)` receives the optimizer's current lr and returns the new one; a schedule
    taking only `(epoch)` works too. Example, halve every 10 epochs::

        LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch and epoch % 10 == 0 else lr)

    `self.lrs` lists the lr set for each epoch.
    """

    def __init__(self, schedule: Callable[..., float]) -> None:
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule = schedule
        self._two_args = _accepts_two_args(schedule)
        self.lrs: list[float] = []

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self.lrs = []

    def on_epoch_begin(self, state: TrainerState, logs: dict) -> None:
        lr = get_lr(state.optimizer)
        if lr is None:
            raise AttributeError(
                f"LearningRateScheduler: {type(state.optimizer).__name__} exposes no `lr` "
                "attribute or `param_groups`, so its learning rate cannot be scheduled"
            )
        new = self.schedule(state.epoch, lr) if self._two_args else self.schedule(state.epoch)
        if isinstance(new, bool) or not isinstance(new, (int, float, np.integer, np.floating)) \
                or not math.isfinite(new):
            raise ValueError(f"LearningRateScheduler: schedule returned {new!r}, not a finite number")
        set_lr(state.optimizer, float(new))
        self.lrs.append(float(new))


def _accepts_two_args(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature: assume the Keras form
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


# ----------------------------------------------------------------------------- GradientClipping

def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Scale all gradients together so that their global L2 norm is at most `max_norm`; returns
    the norm before clipping. `tinygrad_edu.grad_utils.clip_grad_norm_` (also `optim.clip_grad_norm_`,
    torch's rule, NaN behaviour included) with a check that `max_norm` is > 0."""
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    return clip_grad_norm_(params, max_norm)


class GradientClipping(Callback):
    """Clip the global gradient norm to `max_norm` after every backward, before the step.

    See `tinygrad_edu.grad_utils.clip_grad_norm_` for the formula (and what a NaN/Inf norm does).
    `self.norms` records the norm before clipping at every
    step (a quick view of exploding gradients); `self.clipped` counts the steps that were clipped.
    """

    def __init__(self, max_norm: float) -> None:
        if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm > 0:
            raise ValueError(f"GradientClipping: max_norm must be a positive number, got {max_norm!r}")
        self.max_norm = float(max_norm)
        self.norms: list[float] = []
        self.clipped = 0

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self.norms, self.clipped = [], 0

    def on_after_backward(self, state: TrainerState, logs: dict) -> None:
        total = clip_grad_norm(state.model.parameters(), self.max_norm)
        self.norms.append(total)
        self.clipped += total > self.max_norm


# ----------------------------------------------------------------------------- Keras's logging and safety callbacks

class CSVLogger(Callback):
    """Write one CSV row per epoch: `epoch` (from 0) and every logged value (Keras's CSVLogger).

    The header is `epoch` then the log keys in sorted order, taken from the first epoch; the file
    is flushed after every row, so it can be read (e.g. plotted) while training runs.
    `append=True` adds to an existing file without repeating its header.
    """

    def __init__(self, path: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        self.path = os.fspath(path)
        self.separator = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._file: Any = None
        self._writer: Any = None

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        exists = self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0
        self._file = open(self.path, "a" if self.append else "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = csv.writer(self._file, delimiter=self.separator)
        self.keys = None
        self._has_header = exists

    def on_epoch_end(self, state: TrainerState, logs: dict) -> None:
        if self._writer is None:  # used outside fit: open lazily
            self.on_train_begin(state, {})
        if self.keys is None:
            self.keys = sorted(logs)
            if not self._has_header:
                self._writer.writerow(["epoch", *self.keys])
        self._writer.writerow([state.epoch, *(_csv_value(logs.get(k, "")) for k in self.keys)])
        self._file.flush()

    def on_train_end(self, state: TrainerState, logs: dict) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _csv_value(v: Any) -> Any:
    return repr(float(v)) if isinstance(v, (float, np.floating)) else v


class ModelCheckpoint(Callback):
    """Save the model (`Module.save`: an `.npz`, written atomically) after an epoch (Keras semantics).

    With `save_best_only=True` (the default here) the file is written only when `logs[monitor]`
    improves on the best seen so far (`mode` as in EarlyStopping), so `path` always holds the
    best model; otherwise every epoch. `path` may contain `{epoch}` (counted from 1, as Keras
    names files) and any log key, e.g. "ckpt-{epoch:03d}-{val_loss:.3f}.npz".
    `self.best`, `self.best_epoch` (from 0) and `self.saved` (the paths written) record what happened.
    A missing `monitor` key warns and saves nothing when `save_best_only`.
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss", save_best_only: bool = True,
                 mode: str = "auto", verbose: int = 0) -> None:
        self.path = os.fspath(path)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = _mode_for(monitor, mode, "ModelCheckpoint")
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self.best = _worst(self.mode)
        self.best_epoch: int | None = None
        self.saved: list[str] = []

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self._reset()

    def on_epoch_end(self, state: TrainerState, logs: dict) -> None:
        path = self.path.format(epoch=state.epoch + 1, **logs)
        if self.save_best_only:
            current = _monitored("ModelCheckpoint", self.monitor, logs,
                                 "nothing is saved (did you forget validation data?)")
            if current is None or not _improves(current, self.best, self.mode):
                return
            self.best, self.best_epoch = current, state.epoch
        state.model.save(path)
        self.saved.append(path)
        if self.verbose:
            print(f"Epoch {state.epoch + 1}: saved the model to {path}")


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite (Keras's TerminateOnNaN).

    Checked after every batch; `self.stopped_batch` is the global step of the bad batch (from 0).
    """

    def __init__(self) -> None:
        self.stopped_batch: int | None = None

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self.stopped_batch = None

    def on_batch_end(self, state: TrainerState, logs: dict) -> None:
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.stopped_batch = state.step - 1
            state.stop_training = True
            print(f"Batch {state.batch}: invalid loss {loss}, terminating training")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` has not improved for `patience` epochs.

    Keras semantics, checked at the end of every epoch: improvement means `current < best -
    min_delta` ("min" mode) or `current > best + min_delta` ("max"); without one for `patience`
    epochs, `lr = max(lr * factor, min_lr)` and the counter restarts after a `cooldown` (as Keras:
    the cooldown counts down once per epoch and the epoch on which it reaches 0 already counts).
    `self.reductions` lists `(epoch, new_lr)`. (The same rule as `optim.lr_scheduler.ReduceLROnPlateau`,
    as a `fit` callback; `nn` does not import `optim`.)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, mode: str = "auto",
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, verbose: int = 0) -> None:
        if not 0.0 < factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        if patience < 0 or cooldown < 0:
            raise ValueError(f"ReduceLROnPlateau: patience and cooldown must be >= 0, got {patience}, {cooldown}")
        self.monitor, self.factor, self.patience = monitor, float(factor), int(patience)
        self.mode = _mode_for(monitor, mode, "ReduceLROnPlateau")
        self.min_delta, self.cooldown, self.min_lr = abs(float(min_delta)), int(cooldown), float(min_lr)
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self.best = _worst(self.mode)
        self.wait = 0
        self.cooldown_counter = 0
        self.reductions: list[tuple[int, float]] = []

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self._reset()

    def on_epoch_end(self, state: TrainerState, logs: dict) -> None:
        current = _monitored("ReduceLROnPlateau", self.monitor, logs, "the learning rate is left alone")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if _improves(current, self.best, self.mode, self.min_delta):
            self.best, self.wait = current, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            lr = get_lr(state.optimizer)
            if lr is None:
                raise AttributeError(f"ReduceLROnPlateau: {type(state.optimizer).__name__} exposes no `lr` "
                                     "attribute or `param_groups`")
            new = max(lr * self.factor, self.min_lr)
            if new < lr:
                set_lr(state.optimizer, new)
                self.reductions.append((state.epoch, new))
                if self.verbose:
                    print(f"Epoch {state.epoch + 1}: ReduceLROnPlateau reducing the learning rate to {new:.4g}")
            self.cooldown_counter, self.wait = self.cooldown, 0
