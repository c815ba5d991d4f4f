"""Fused, numerically stable loss primitives (each returns the mean over all elements/samples)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Function, maximum


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
        picked = np.take_along_axis(logp, np.expand_dims(labels, 1), axis=1)
        n = labels.size
        self.saved = (logp, labels, n)
        return -picked.sum(dtype=z.dtype) / z.dtype.type(n)

    def backward(self, grad):
        logp, labels, n = self.saved
        g = np.exp(logp)
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
