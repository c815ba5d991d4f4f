"""Loss functions (all reduce by the mean, all numerically stable) and weight penalties.

Each takes the model's output as a Value and targets as arrays or Values. When the output and
target have the same number of elements but different shapes (a model's (N, 1) output against
labels of shape (N,)), the target is reshaped to the output's shape; other mismatches raise
ValueError naming both shapes (silent broadcasting of (N, 1) against (N,) would give an (N, N)
loss, a classic bug).

Each loss declares what it takes as the model's output in its `expects` attribute:
"probabilities" (binary_cross_entropy, and mse_loss, whose 0/1 targets make a score near 0.5 the
boundary) or "logits" (the *_with_logits, cross-entropy and hinge losses, boundary at 0). `fit`'s
"accuracy" reads it (`nn.metrics.expects_of`) to threshold a single score; a loss of your own can
set it the same way (`my_loss.expects = "logits"`), and one that does not leaves it to the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from tinygrad_edu import Value

from .functional import loss as _functional
from .functional.loss import BCEFn, BCEWithLogitsFn, CrossEntropyFn
from .module import Module

__all__ = ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "hinge_loss", "l1_penalty", "l2_penalty", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "HingeLoss", "NLLLoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "KLDivLoss"]


F = TypeVar("F", bound=Callable[..., Any])


def _expects(kind: str) -> Callable[[F], F]:
    """Declare what the decorated loss takes as the model's output ("probabilities" or "logits")."""
    def mark(fn: F) -> F:
        fn.expects = kind  # type: ignore[attr-defined]
        return fn
    return mark


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def _match(name: str, pred: Value, target: Any) -> Any:
    """target with pred's shape (reshaped if only the layout differs)."""
    t_shape = np.shape(target)
    if t_shape == pred.shape:
        return target
    if int(np.prod(t_shape)) == pred.size:
        return target.reshape(pred.shape) if isinstance(target, Value) else np.reshape(target, pred.shape)
    raise ValueError(f"{name}: prediction has shape {pred.shape} but target has shape {t_shape}; "
                     f"they must hold the same number of elements")


def _target(name: str, pred: Value, target: Any) -> Any:
    target = _match(name, pred, target)
    if not isinstance(target, Value):
        target = np.asarray(target)
        if target.dtype.kind not in "biuf":
            raise ValueError(f"{name}: target must be numeric, got dtype {target.dtype}")
        if pred.dtype.kind == "f" and target.dtype != pred.dtype:
            target = target.astype(pred.dtype)  # a float32 model's loss stays float32
    return target


@_expects("probabilities")
def mse_loss(pred: Value, target: Any) -> Value:
    """Mean squared error: mean((pred - target)^2)."""
    pred = _as_value(pred)
    diff = pred - _target("mse_loss", pred, target)
    return (diff * diff).mean()


@_expects("probabilities")
def binary_cross_entropy(prob: Value, target: Any) -> Value:
    """-mean(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at
    -100 as in PyTorch, so p = 0 or 1 gives finite values. Prefer the `_with_logits` form."""
    prob = _as_value(prob)
    return BCEFn.apply(prob, _target("binary_cross_entropy", prob, target))


@_expects("logits")
def binary_cross_entropy_with_logits(logits: Value, target: Any) -> Value:
    """BCE of sigmoid(logits), computed stably: mean(max(x, 0) - x y + log(1 + e^-|x|)).
    Its gradient is simply (sigmoid(x) - y) / N."""
    logits = _as_value(logits)
    return BCEWithLogitsFn.apply(logits, _target("binary_cross_entropy_with_logits", logits, target))


def _class_labels(logits: Value, labels: Any) -> np.ndarray:
    raw = labels.data if isinstance(labels, Value) else labels
    arr = np.asarray(raw)
    if arr.dtype.kind == "f":
        flat = arr.reshape(-1)
        not_int = ~np.isfinite(flat) | (flat != np.round(flat))
        if np.any(not_int):
            bad = flat[np.argmax(not_int)]
            raise ValueError(f"cross_entropy: labels must be integer class indices, got the non-integer {bad.item()!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"cross_entropy: labels must be integer class indices, got dtype {arr.dtype}")
    if logits.ndim < 1:
        raise ValueError("cross_entropy: logits must have a class axis, got a scalar")
    expected = () if logits.ndim == 1 else logits.shape[:1] + logits.shape[2:]
    if arr.shape != expected:
        if arr.size == int(np.prod(expected)) and arr.ndim == 2 and arr.shape[-1] == 1:
            arr = arr.reshape(expected)  # labels of shape (N, 1)
        else:
            raise ValueError(f"cross_entropy: logits have shape {logits.shape}, so labels must have shape "
                             f"{expected} (one class index per sample), got labels of shape {arr.shape}")
    n_classes = logits.shape[0] if logits.ndim == 1 else logits.shape[1]
    out = (arr < 0) | (arr >= n_classes)
    if np.any(out):
        bad = arr.reshape(-1)[np.argmax(out.reshape(-1))]
        raise ValueError(f"cross_entropy: label {bad} is out of range for {n_classes} classes "
                         f"(logits shape {logits.shape}); labels must be in [0, {n_classes - 1}]")
    return arr


@_expects("logits")
def cross_entropy(logits: Value, int_labels: Any) -> Value:
    """-mean over samples of log softmax(logits)[label]: softmax and negative log-likelihood in
    one stable op. logits (N, C) (or (C,), or (N, C, d...)), labels (N,) integer class indices.
    Wrong shapes, out-of-range or non-integer labels raise ValueError naming them."""
    logits = _as_value(logits)
    labels = _class_labels(logits, int_labels)
    if logits.ndim == 1:
        return CrossEntropyFn.apply(logits.reshape(1, -1), labels=labels.reshape(1))
    return CrossEntropyFn.apply(logits, labels=labels)


@_expects("logits")
def hinge_loss(scores: Value, labels_pm1: Any) -> Value:
    """The SVM hinge loss mean(max(0, 1 - y s)) for labels y in {-1, +1} (ValueError otherwise:
    convert 0/1 labels with 2*y - 1)."""
    scores = _as_value(scores)
    y = labels_pm1.data if isinstance(labels_pm1, Value) else labels_pm1
    y = np.asarray(_match("hinge_loss", scores, np.asarray(y)))
    if not np.all((y == 1) | (y == -1)):
        bad = y.reshape(-1)[np.argmax(~((y == 1) | (y == -1)).reshape(-1))]
        raise ValueError(f"hinge_loss: labels must be -1 or +1, got {bad.item()!r} (for 0/1 labels pass 2*y - 1)")
    return (1 - scores * y.astype(scores.dtype)).relu().mean()


def l1_penalty(params: Iterable[Value]) -> Value:
    """sum over all parameters of |p| (the lasso term; add lam * l1_penalty(...) to a loss)."""
    terms = [p.abs().sum() for p in params]
    return _total(terms)


def l2_penalty(params: Iterable[Value]) -> Value:
    """sum over all parameters of p^2 (the ridge term).

    Its gradient is 2p, so adding (wd / 2) * l2_penalty(params) to the loss adds wd * p to each
    gradient: exactly what an optimizer's `weight_decay=wd` does (for plain SGD; AdamW's
    decoupled decay differs)."""
    terms = [(p * p).sum() for p in params]
    return _total(terms)


def _total(terms: list[Value]) -> Value:
    if not terms:
        return Value(0.0, requires_grad=False)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


class _Loss(Module):
    """Module form of a loss: `loss_fn(pred, target)`; `expects` is the function's."""

    fn: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.expects = getattr(getattr(cls, "fn", None), "expects", None)

    def forward(self, pred: Value, target: Any) -> Value:
        return type(self).fn(pred, target)


class MSELoss(_Loss):
    """Module form of `mse_loss`."""

    fn = staticmethod(mse_loss)


class BCELoss(_Loss):
    """Module form of `binary_cross_entropy` (takes probabilities)."""

    fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of `binary_cross_entropy_with_logits`."""

    fn = staticmethod(binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """Module form of `cross_entropy` (logits and integer labels)."""

    fn = staticmethod(cross_entropy)


class HingeLoss(_Loss):
    """Module form of `hinge_loss` (labels -1/+1)."""

    fn = staticmethod(hinge_loss)


# --- module forms of nn.functional's losses with torch's options --------------------------------
class _FunctionalLoss(Module):
    """Module form of an nn.functional loss; the options given to the constructor are kept and
    passed on every call: `HuberLoss(delta=0.5)(pred, target)`."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def forward(self, pred: Value, target: Any) -> Value:
        return self._fn(pred, target, **self.options)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items() if not isinstance(v, np.ndarray))


class NLLLoss(_FunctionalLoss):
    """Module form of `nn.functional.nll_loss` (log-probabilities and integer classes)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)

    _fn = staticmethod(_functional.nll_loss)


class L1Loss(_FunctionalLoss):
    """Module form of `nn.functional.l1_loss`: |pred - target|, reduced."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    _fn = staticmethod(_functional.l1_loss)


class HuberLoss(_FunctionalLoss):
    """Module form of `nn.functional.huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction, delta=delta)

    _fn = staticmethod(_functional.huber_loss)


class SmoothL1Loss(_FunctionalLoss):
    """Module form of `nn.functional.smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction, beta=beta)

    _fn = staticmethod(_functional.smooth_l1_loss)


class KLDivLoss(_FunctionalLoss):
    """Module form of `nn.functional.kl_div` (input: log-probabilities)."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction=reduction, log_target=log_target)

    _fn = staticmethod(_functional.kl_div)
