"""Batch normalisation in training mode as one fused op (its backward is the classic formula)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Function


class BatchNormFn(Function):
    """Y = gamma * xhat + beta,  xhat = (X - mu) / sqrt(var + eps), with mu and the (biased)
    var taken over `axes` (the batch, and the spatial axes for images); m elements per channel.

    Backward, with dxhat = dL/dY * gamma (sums over `axes`):
        dL/dX     = (1/m) / sqrt(var + eps) * (m dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
        dL/dgamma = sum(dL/dY * xhat),   dL/dbeta = sum(dL/dY).
    If `stats` (a list) is given, the batch (mean, var) per channel are appended to it, for the
    running averages (this also works under no_grad(), when the op is not recorded).
    """

    name = "batchnorm"

    def forward(self, x, gamma, beta, axes=(0,), eps=1e-5, stats=None):
        shape = [1] * x.ndim
        shape[1] = x.shape[1]
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = centered * inv_std
        g, b = gamma.reshape(shape), beta.reshape(shape)
        self.saved = (xhat, inv_std, g, axes)
        if stats is not None:
            stats.append((mean.reshape(-1), var.reshape(-1)))
        return xhat * g + b

    def backward(self, grad):
        xhat, inv_std, g, axes = self.saved
        m = xhat.size // xhat.shape[1]
        dgamma = np.sum(grad * xhat, axis=axes)
        dbeta = np.sum(grad, axis=axes)
        gx = None
        if self.needs_grad(0):
            dxhat = grad * g
            gx = (inv_std / m) * (m * dxhat - dbeta.reshape(g.shape) * g
                                  - xhat * (dgamma.reshape(g.shape) * g))
        return gx, dgamma, dbeta
