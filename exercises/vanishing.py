"""Lesson 4, vanishing gradients: the bound on sigmoid's chain of factors, and a deep network that learns."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
from nn.diagnostics import gradient_flow
from tinygrad_edu import manual_seed

from .core import Wrong, assert_close, exercise


@exercise("sigmoid_chain_bound", hint="Each sigmoid layer multiplies the gradient by sigma'(z) <= 1/4, so "
                                      "`depth` layers multiply it by at most 0.25 ** depth (ignoring the weights).")
def _bound(fn: Any) -> None:
    """`sigmoid_chain_bound(depth) -> float`: the largest product of `depth` sigmoid derivatives."""
    for depth in (1, 5, 20):
        assert_close(fn(depth), 0.25 ** depth, f"sigmoid_chain_bound({depth})", atol=0, rtol=1e-9)


def first_to_last_ratio(model: Any, seed: int = 0) -> float:
    """Gradient norm of the first weight layer / the last one, on a fixed random batch."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((64, 16)), rng.integers(0, 4, 64)
    stats = gradient_flow(model, nn.cross_entropy(model(X), y)).latest()
    return stats[0]["grad_norm"] / stats[-1]["grad_norm"]


@exercise("deep_network_that_learns", hint="Keep 20 hidden layers but change what the gradient passes through: "
                                           "activation='relu' with init='he', or batchnorm=True.")
def _deep(fn: Any) -> None:
    """`make_model() -> nn.MLP(16, [32] * 20, 4, ...)` whose first layer gets >= 1% of the last layer's gradient."""
    manual_seed(0)
    model = fn()
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(layers) < 21:
        raise Wrong(f"the model has {len(layers)} Linear layers; keep the 20 hidden layers (21 Linear in all)")
    ratio = first_to_last_ratio(model)
    if not ratio >= 1e-2:
        raise Wrong(f"the first layer gets {ratio:.1e} of the last layer's gradient norm (need >= 1e-2)")
