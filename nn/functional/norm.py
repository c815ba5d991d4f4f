"""Batch and layer normalisation as fused ops (their backward is the classic formula)."""

from __future__ import annotations

from typing import Any

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

    def composite(self, x, gamma, beta, axes=(0,), eps=1e-5, stats=None):
        """The same normalisation from primitives (mean, var, sqrt): differentiated under create_graph."""
        shape = [1] * x.ndim
        shape[1] = x.shape[1]
        centered = x - x.mean(axis=axes, keepdims=True)
        var = (centered * centered).mean(axis=axes, keepdims=True)
        return centered / (var + eps).sqrt() * gamma.reshape(shape) + beta.reshape(shape)


class LayerNormFn(Function):
    """Y = gamma * xhat + beta,  xhat = (X - mu) / sqrt(var + eps), with mu and the (biased) var
    taken over the last `nd` axes of each sample (Ba et al., 2016); m elements per normalisation.

    Backward, with dxhat = dL/dY * gamma (sums over the normalised axes):
        dL/dX     = (1/m) / sqrt(var + eps) * (m dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)),
        dL/dgamma = sum over the leading axes of dL/dY * xhat,   dL/dbeta = sum over them of dL/dY.
    gamma and beta are optional (elementwise_affine=False).
    """

    name = "layer_norm"

    def forward(self, x, gamma=None, beta=None, nd=1, eps=1e-5):
        axes = tuple(range(x.ndim - nd, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = centered * inv_std
        self.saved = (xhat, inv_std, gamma, axes)
        out = xhat
        if gamma is not None:
            out = out * gamma
        if beta is not None:
            out = out + beta
        return out

    def backward(self, grad):
        xhat, inv_std, gamma, axes = self.saved
        lead = tuple(range(grad.ndim - len(axes)))
        m = int(np.prod([xhat.shape[a] for a in axes]))
        grads = [None]
        if self.needs_grad(0):
            dxhat = grad if gamma is None else grad * gamma
            grads[0] = (inv_std / m) * (m * dxhat - dxhat.sum(axis=axes, keepdims=True)
                                        - xhat * np.sum(dxhat * xhat, axis=axes, keepdims=True))
        if gamma is not None:
            grads.append(np.sum(grad * xhat, axis=lead) if self.needs_grad(1) else None)
        if len(self.parents) == 3:
            grads.append(np.sum(grad, axis=lead) if self.needs_grad(2) else None)
        return tuple(grads) if len(grads) > 1 else grads[0]

    def composite(self, x, gamma=None, beta=None, nd=1, eps=1e-5):
        """From engine ops: (x - mean) / sqrt(mean((x - mean)^2) + eps) * gamma + beta."""
        axes = tuple(range(x.ndim - nd, x.ndim))
        centered = x - x.mean(axis=axes, keepdims=True)
        y = centered / ((centered * centered).mean(axis=axes, keepdims=True) + eps).sqrt()
        if gamma is not None:
            y = y * gamma
        if beta is not None:
            y = y + beta
        return y


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Any:
    """Normalise each sample over its last dimensions `normalized_shape` (an int or a tuple), then
    scale by `weight` and shift by `bias` (both of shape normalized_shape, optional)."""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    xs = np.shape(input)
    if len(xs) < len(shape) or tuple(xs[len(xs) - len(shape):]) != shape:
        raise ValueError(f"layer_norm: input of shape {xs} does not end with normalized_shape {shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(p)) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {np.shape(p)}")
    if bias is not None and weight is None:
        weight = np.ones(shape, dtype=getattr(input, "dtype", np.float64))
    args = [a for a in (input, weight, bias) if a is not None]
    return LayerNormFn.apply(*args, nd=len(shape), eps=float(eps))
