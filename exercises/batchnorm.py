"""Lesson 10, batch norm: the training-mode forward, the running statistics, the backward."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


def _batch(seed: int = 9) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc=3.0, scale=2.0, size=(16, 5))


@exercise("batchnorm_forward", hint="Per feature (axis 0): mean mu and the biased variance var (divide by N); "
                                   "x_hat = (x - mu) / sqrt(var + eps); y = gamma * x_hat + beta.")
def _forward(fn: Any) -> None:
    """`batchnorm_forward(x, gamma, beta, eps=1e-5) -> y` for x of shape (N, C), in training mode."""
    x = _batch()
    bn = nn.BatchNorm1d(5)
    gamma, beta = np.linspace(0.5, 2, 5), np.linspace(-1, 1, 5)
    bn.weight.data, bn.bias.data = gamma.copy(), beta.copy()
    assert_close(fn(x, gamma, beta, 1e-5), bn(x).data, "batchnorm_forward(x, gamma, beta)")


@exercise("running_stats", hint="r = (1 - momentum) * r + momentum * batch_stat; for the variance torch uses the "
                               "UNBIASED batch variance (divide by N - 1) in the running estimate.")
def _running(fn: Any) -> None:
    """`running_stats(mean, var, x, momentum=0.1) -> (mean, var)`: one update of BatchNorm's running estimates."""
    x = _batch()
    bn = nn.BatchNorm1d(5)
    mean, var = np.zeros(5), np.ones(5)
    for step in range(3):
        xb = x + step
        bn(xb)
        out = fn(mean, var, xb, 0.1)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong("return the pair (new_mean, new_var)")
        mean, var = out
        assert_close(mean, bn.running_mean, f"running mean after {step + 1} batches")
        assert_close(var, bn.running_var, f"running var after {step + 1} batches")


@exercise("batchnorm_backward", hint="With x_hat and inv = 1/sqrt(var + eps): dx = gamma * inv / N * (N * g - "
                                    "g.sum(0) - x_hat * (g * x_hat).sum(0)). The mean and the variance depend on "
                                    "every x, which gives the two subtracted terms.")
def _backward(fn: Any) -> None:
    """`batchnorm_backward(x, gamma, g, eps=1e-5) -> dx`: dL/dx of training-mode batch norm given g = dL/dy."""
    x = _batch()
    gamma = np.linspace(0.5, 2, 5)
    g = np.random.default_rng(10).normal(size=x.shape)
    bn = nn.BatchNorm1d(5)
    bn.weight.data = gamma.copy()
    xv = Value(x)
    bn(xv).backward(g)
    assert_close(fn(x, gamma, g, 1e-5), xv.grad, "batchnorm_backward(x, gamma, g)", atol=1e-8)
