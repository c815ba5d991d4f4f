"""Metrics for `fit` and `evaluate`: functions `metric(pred, target) -> float` on numpy arrays.

Names `fit` accepts: "accuracy" (or "acc"), "mse" ("mean_squared_error"), "mae"
("mean_absolute_error"); any callable works too and is logged under its `__name__`.

How "accuracy" turns a single score per sample into a class depends on what the loss expects
the model to output: probabilities (threshold 0.5) or logits (threshold 0). Each loss of
`nn.losses` declares it in its `expects` attribute; `expects_of` reads it (through
functools.partial and `Module` forms too), and for a loss that does not say (a lambda, your own
function) the data decide (see `accuracy`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["accuracy", "mse", "mae", "expects_of", "threshold_for", "resolve_metrics", "Metric"]

Metric = str | Callable[[np.ndarray, np.ndarray], float]

THRESHOLDS = {"probabilities": 0.5, "logits": 0.0}


def accuracy(pred: np.ndarray, target: np.ndarray, threshold: float | None = None) -> float:
    """Fraction of samples classified right. How the prediction becomes a class:

    - `pred` of shape (N, C) with C > 1 (logits or probabilities): `argmax` over axis 1, compared
      with integer labels (N,) or with the argmax of one-hot targets (N, C);
    - `pred` of shape (N,) or (N, 1), a single score per sample:
      - labels containing negative values are +-1 (hinge loss): the class is `sign(pred)`
        (a score > 0 means +1);
      - labels 0/1: class 1 when `pred > threshold`. `threshold=None` decides from the data:
        0.5 when every prediction lies in [0, 1] (probabilities), else 0 (logits). `fit` fixes it
        from the loss's declared `expects` (see `threshold_for`): 0.5 for binary_cross_entropy,
        BCELoss, mse_loss, MSELoss (they take probabilities); 0 for the *_with_logits,
        cross-entropy and hinge losses; for a loss that declares nothing the data decide.
    """
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.ndim == 2 and pred.shape[1] > 1:
        classes = pred.argmax(axis=1)
        if target.ndim == 2 and target.shape == pred.shape:
            target = target.argmax(axis=1)
        return float(np.mean(classes == target.reshape(-1)))
    scores, labels = pred.reshape(-1), target.reshape(-1)
    if labels.size != scores.size:
        raise ValueError(f"accuracy: {scores.size} predictions but {labels.size} labels")
    if np.any(labels < 0):
        return float(np.mean(np.where(scores > 0, 1, -1) == labels))
    if threshold is None:
        threshold = 0.5 if scores.size and scores.min() >= 0 and scores.max() <= 1 else 0.0
    return float(np.mean((scores > threshold).astype(labels.dtype) == labels))


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """mean((pred - target)^2), pred reshaped to the target's shape."""
    return float(np.mean((np.asarray(pred).reshape(np.shape(target)) - target) ** 2))


def mae(pred: np.ndarray, target: np.ndarray) -> float:
    """mean(|pred - target|), pred reshaped to the target's shape."""
    return float(np.mean(np.abs(np.asarray(pred).reshape(np.shape(target)) - target)))


def expects_of(loss_fn: Any) -> str | None:
    """What `loss_fn` takes as the model's output: "probabilities", "logits", or None when it
    does not say. Looks through functools.partial and at a loss Module's class."""
    while isinstance(loss_fn, functools.partial):
        loss_fn = loss_fn.func
    for obj in (loss_fn, getattr(loss_fn, "__wrapped__", None), type(loss_fn)):
        value = getattr(obj, "expects", None)
        if value in THRESHOLDS:
            return value
    return None


def threshold_for(loss_fn: Any) -> float | None:
    """accuracy's threshold for a single score trained with `loss_fn`: 0.5, 0.0 or None (data)."""
    return THRESHOLDS.get(expects_of(loss_fn))


_NAMED: dict[str, Callable[..., float]] = {"mse": mse, "mean_squared_error": mse, "mae": mae,
                                           "mean_absolute_error": mae}


def resolve_metrics(metrics: Iterable[Metric] | Metric | None, loss_fn: Any) -> dict[str, Callable]:
    """{log name: fn(pred, target) -> float} from names and callables."""
    if metrics is None or isinstance(metrics, str) or callable(metrics):
        metrics = () if metrics is None else (metrics,)
    threshold = threshold_for(loss_fn)
    resolved: dict[str, Callable] = {}
    for m in metrics:
        if isinstance(m, str):
            key = m.lower()
            if key in ("accuracy", "acc"):
                resolved[m] = lambda p, t, th=threshold: accuracy(p, t, th)
            elif key in _NAMED:
                resolved[m] = _NAMED[key]
            else:
                raise ValueError(f"unknown metric {m!r}; use 'accuracy', 'mse', 'mae' or a callable")
        elif callable(m):
            resolved[getattr(m, "__name__", type(m).__name__)] = m
        else:
            raise TypeError(f"a metric must be a name or a callable, got {m!r}")
    if "loss" in resolved:
        raise ValueError("a metric may not be called 'loss' (the key is taken by the loss)")
    return resolved
