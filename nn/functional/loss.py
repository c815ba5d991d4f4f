"""Losses: the fused, numerically stable primitives (CrossEntropyFn, BCEFn, BCEWithLogitsFn: each
the mean over all elements/samples), and torch's functional losses with their options
(nll_loss, cross_entropy, binary_cross_entropy(_with_logits), huber_loss, smooth_l1_loss,
l1_loss, mse_loss, kl_div)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, Value, maximum, where


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


class CrossEntropyFn(Function):
    """L = -(1/N) sum_n log softmax(z_n)[y_n], classes on axis 1 (log-sum-exp shifted by the max).

    dL/dz = (softmax(z) - onehot(y)) / N.
    """

    name = "cross_entropy"

    def forward(self, z, labels=None):
        shifted = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        logp = shifted - lse
        if z.ndim == 2:  # (N, C): plain indexing, cheaper than take_along_axis for the same numbers
            picked = logp[np.arange(len(labels)), labels]
        else:
            picked = np.take_along_axis(logp, np.expand_dims(labels, 1), axis=1)
        n = labels.size
        self.saved = (logp, labels, n)
        return -picked.sum(dtype=z.dtype) / z.dtype.type(n)

    def backward(self, grad):
        logp, labels, n = self.saved
        g = np.exp(logp)
        if g.ndim == 2:
            g[np.arange(len(labels)), labels] -= 1
        else:
            np.put_along_axis(g, np.expand_dims(labels, 1), np.take_along_axis(g, np.expand_dims(labels, 1), 1) - 1,
                              axis=1)
        g *= grad / n
        return g

    def composite(self, z, labels=None):
        """-(1/N) sum(log_softmax(z) * onehot(y)), from primitives: differentiated under create_graph."""
        onehot = np.zeros(z.shape, dtype=z.dtype)
        np.put_along_axis(onehot, np.expand_dims(labels, 1), 1, axis=1)
        return -(z.log_softmax(axis=1) * onehot).sum() * (1.0 / labels.size)


class BCEFn(Function):
    """L = -mean(y log p + (1 - y) log(1 - p)), each log clamped at -100 (as PyTorch) so p = 0 or 1
    gives a finite loss.   dL/dp = (p - y) / max(p (1 - p), 1e-12) / N;
    dL/dy = (log(1 - p) - log p) / N (clamped logs)."""

    name = "binary_cross_entropy"

    def forward(self, p, y):
        if np.any((p < 0) | (p > 1)):
            raise ValueError("binary_cross_entropy: prob must be in [0, 1] (apply sigmoid first, or use "
                             "binary_cross_entropy_with_logits)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1p = np.maximum(np.log1p(-p), -100)
        self.saved = (p, y, log_p, log_1p)
        return -np.mean(y * log_p + (1 - y) * log_1p)

    def backward(self, grad):
        p, y, log_p, log_1p = self.saved
        n = np.size(p)
        gp = grad * (p - y) / np.maximum(p * (1 - p), 1e-12) / n if self.needs_grad(0) else None
        gy = grad * (log_1p - log_p) / n if self.needs_grad(1) else None
        return gp, gy

    def composite(self, p, y):
        """-mean(y log p + (1 - y) log(1 - p)) with the logs clamped at -100, from primitives."""
        with np.errstate(divide="ignore"):
            log_p = maximum(p.log(), -100.0)
            log_1p = maximum((1 - p).log(), -100.0)
        return -(y * log_p + (1 - y) * log_1p).mean()


class BCEWithLogitsFn(Function):
    """L = mean(max(x, 0) - x y + log(1 + e^-|x|)) = BCE(sigmoid(x), y) without overflow.

    dL/dx = (sigmoid(x) - y) / N,   dL/dy = -x / N."""

    name = "bce_with_logits"

    def forward(self, x, y):
        self.saved = (x, y)
        return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))))

    def backward(self, grad):
        x, y = self.saved
        n = np.size(x)
        gx = grad * (_sigmoid(x) - y) / n if self.needs_grad(0) else None
        gy = grad * -x / n if self.needs_grad(1) else None
        return gx, gy

    def composite(self, x, y):
        """mean(relu(x) - x y + softplus(-|x|)), from primitives: differentiated under create_graph."""
        return (x.relu() - x * y + (-x.abs()).softplus()).mean()


# --- torch's functional losses: reduction, weight, ignore_index, label_smoothing, pos_weight -------
# Each is written from engine ops (so it differentiates to any order); the common case of the
# three fused ops above (no weights, mean) takes the fused path.

_REDUCTIONS = ("mean", "sum", "none")


def _val(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def _check_reduction(op: str, reduction: str, extra: tuple[str, ...] = ()) -> None:
    if reduction not in _REDUCTIONS + extra:
        names = ", ".join(repr(r) for r in _REDUCTIONS + extra)
        raise ValueError(f"{op}: reduction must be one of {names}, got {reduction!r}")


def _reduce(loss: Value, reduction: str) -> Value:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _same_shape(op: str, x: Value, target: Any) -> Any:
    """target as a float Value/array of x's dtype, required to have x's shape (torch's rule)."""
    shape = np.shape(target._data if isinstance(target, Value) else target)
    if shape != x.shape:
        raise ValueError(f"{op}: target has shape {shape} but input has shape {x.shape}; they must match")
    return target if isinstance(target, Value) else np.asarray(target, dtype=x.dtype)


def _broadcast_pair(op: str, x: Value, target: Any) -> Any:
    """target broadcast against x (torch broadcasts, with a warning, when the shapes differ)."""
    t = target if isinstance(target, Value) else np.asarray(target, dtype=x.dtype)
    try:
        np.broadcast_shapes(x.shape, np.shape(t._data if isinstance(t, Value) else t))
    except ValueError:
        raise ValueError(f"{op}: input of shape {x.shape} and target of shape {np.shape(t)} do not "
                         f"broadcast") from None
    return t


def _class_weight(op: str, weight: Any, n_classes: int, dtype: Any) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Value) else weight, dtype=dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _index_target(op: str, x: Value, target: Any, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """(class indices with ignored entries set to 0, mask of the entries that count)."""
    t = np.asarray(target._data if isinstance(target, Value) else target)
    expected = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    if t.dtype.kind not in "iu":
        raise ValueError(f"{op}: a target of shape {t.shape} must hold integer class indices, got dtype {t.dtype} "
                         f"(class probabilities need the input's shape {x.shape})")
    if t.shape != expected:
        raise ValueError(f"{op}: input of shape {x.shape} needs a target of shape {expected} (one class index per "
                         f"sample), got {t.shape}")
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        raise ValueError(f"{op}: target {t[bad].reshape(-1)[0]} is out of range for {n_classes} classes "
                         f"(input shape {x.shape}); targets must be in [0, {n_classes - 1}] or ignore_index")
    return np.where(valid, t, 0), valid


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Value:
    """Negative log-likelihood of log-probabilities `input` (N, C) / (C,) / (N, C, d...) at the
    integer classes `target`: l_n = -w[y_n] input[n, y_n] (0 where y_n == ignore_index).
    reduction="mean" divides by sum_n w[y_n] over the counted samples (torch's weighted mean)."""
    _check_reduction("nll_loss", reduction)
    x = _val(input)
    if x.ndim == 0:
        raise ValueError("nll_loss: input must have a class dimension, got a 0-d input")
    t, valid = _index_target("nll_loss", x, target, ignore_index)
    axis = 0 if x.ndim == 1 else 1
    w = _class_weight("nll_loss", weight, x.shape[axis], x.dtype)
    w_t = (np.ones(t.shape, dtype=x.dtype) if w is None else w[t]) * valid
    picked = x.gather(axis, np.expand_dims(t, axis)).squeeze(axis)
    loss = -picked * w_t
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return loss.sum() * (np.asarray(1.0, dtype=x.dtype) / w_t.sum())  # all ignored: 0/0 = nan, as torch


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Value:
    """-sum_c w_c q_c log softmax(input)_c with classes on dim 1 (dim 0 for a (C,) input).

    `target` holds class indices ((N,) / () / (N, d...); q is one-hot, `ignore_index` entries
    count for nothing) or class probabilities (a float target of the input's shape). With
    label_smoothing e, q becomes (1 - e) q + e / C. reduction="mean" averages over samples,
    weighted by w[y_n] for index targets (torch's rule)."""
    _check_reduction("cross_entropy", reduction)
    x = _val(input)
    if x.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dimension, got a 0-d input")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    axis = 0 if x.ndim == 1 else 1
    n_classes = x.shape[axis]
    raw = target._data if isinstance(target, Value) else np.asarray(target)
    w = _class_weight("cross_entropy", weight, n_classes, x.dtype)
    w_b = None if w is None else w.reshape((-1,) + (1,) * (x.ndim - axis - 1))
    if np.asarray(raw).dtype.kind == "f" and np.shape(raw) == x.shape:  # class probabilities
        q = target if isinstance(target, Value) else np.asarray(raw, dtype=x.dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        terms = x.log_softmax(axis=axis) * q
        loss = -(terms if w_b is None else terms * w_b).sum(axis=axis)
        return _reduce(loss, reduction)
    t, valid = _index_target("cross_entropy", x, target, ignore_index)
    if w is None and not label_smoothing and reduction == "mean" and np.all(valid) and x.ndim <= 2:
        z = x.reshape(1, -1) if x.ndim == 1 else x
        return CrossEntropyFn.apply(z, labels=t.reshape(-1))  # the fused op
    logp = x.log_softmax(axis=axis)
    nll = nll_loss(logp, t, w, -1, reduction) if np.all(valid) else nll_loss(
        logp, np.where(valid, t, -1), w, -1, reduction)
    if not label_smoothing:
        return nll
    smooth = -(logp if w_b is None else logp * w_b).sum(axis=axis) * valid.astype(x.dtype)
    if reduction == "none":
        smooth_r = smooth
    elif reduction == "sum":
        smooth_r = smooth.sum()
    else:
        denom = float(valid.sum()) if w is None else float((w[t] * valid).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            smooth_r = smooth.sum() * (np.asarray(1.0, dtype=x.dtype) / denom)
    return nll * (1 - label_smoothing) + smooth_r * (label_smoothing / n_classes)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Value:
    """-w (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], each log clamped at -100
    (torch), reduced by `reduction`; `weight` broadcasts against the input."""
    _check_reduction("binary_cross_entropy", reduction)
    p = _val(input)
    y = _same_shape("binary_cross_entropy", p, target)
    if np.any((p._data < 0) | (p._data > 1)):
        raise ValueError(f"binary_cross_entropy: input (shape {p.shape}) must hold probabilities in [0, 1]; apply "
                         f"sigmoid first, or use binary_cross_entropy_with_logits")
    if weight is None and reduction == "mean" and p.size:
        return BCEFn.apply(p, y)  # the fused op
    with np.errstate(divide="ignore"):
        log_p = maximum(p.log(), -100.0)
        log_1p = maximum((-p).log1p(), -100.0)
    loss = -(y * log_p + (1 - y) * log_1p)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Value:
    """BCE of sigmoid(x), stably: l = (1 - y) x + (1 + (pos_weight - 1) y) softplus(-x), times
    `weight`; pos_weight (one per class, broadcast along the last dimension) weighs the positives."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = _val(input)
    y = _same_shape("binary_cross_entropy_with_logits", x, target)
    if weight is None and pos_weight is None and reduction == "mean" and x.size:
        return BCEWithLogitsFn.apply(x, y)  # the fused op
    soft = (-x).softplus()
    if pos_weight is None:
        loss = (1 - y) * x + soft
    else:
        loss = (1 - y) * x + ((pos_weight - 1) * y + 1) * soft
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _piecewise(op: str, input: Any, target: Any, width: float, scale_quadratic: bool) -> Value:
    x = _val(input)
    d = x - _broadcast_pair(op, x, target)
    ad = np.abs(d._data)
    quad = d * d * (0.5 / width if scale_quadratic else 0.5)
    lin = (d.abs() - 0.5 * width) * (1.0 if scale_quadratic else width)
    return where(ad < width, quad, lin)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Value:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2), d = input - target."""
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _reduce(_piecewise("huber_loss", input, target, float(delta), False), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Value:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (= huber_loss / beta; beta = 0: l1_loss)."""
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _reduce(_piecewise("smooth_l1_loss", input, target, float(beta), True), reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Value:
    """|input - target|, reduced."""
    _check_reduction("l1_loss", reduction)
    x = _val(input)
    return _reduce((x - _broadcast_pair("l1_loss", x, target)).abs(), reduction)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Value:
    """(input - target)^2, reduced."""
    _check_reduction("mse_loss", reduction)
    x = _val(input)
    d = x - _broadcast_pair("mse_loss", x, target)
    return _reduce(d * d, reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Value:
    """KL(target || model) pointwise, with `input` the model's log-probabilities:
    target (log target - input) (0 where target = 0), or e^t (t - input) with log_target.
    reduction="batchmean" (sum / batch size) is the true KL divergence; "mean" averages over
    every element, as torch."""
    _check_reduction("kl_div", reduction, ("batchmean",))
    x = _val(input)
    t = _broadcast_pair("kl_div", x, target)
    if log_target:
        tv = _val(t)
        loss = tv.exp() * (tv - x)
    else:
        tv = _val(t)
        pos = tv._data > 0
        safe = where(pos, tv, np.ones((), dtype=tv.dtype))
        loss = where(pos, tv * safe.log(), np.zeros((), dtype=tv.dtype)) - tv * x
    if reduction == "batchmean":
        n = x.shape[0] if x.ndim else 1
        return loss.sum() * (1.0 / n)
    return _reduce(loss, reduction)
