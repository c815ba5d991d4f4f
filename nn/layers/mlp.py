"""MLP: the multi-layer perceptron as a Sequential of Linear, [BatchNorm1d], activation, [Dropout]."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import Activation, get_activation
from .dropout import Dropout
from .linear import Linear
from .norm import BatchNorm1d
from .sequential import Sequential

_XAVIER_ACTIVATIONS = {"Sigmoid", "Tanh", "Softmax"}


class MLP(Sequential):
    """`MLP(in_features, hidden, out_features)`: for each width h in `hidden`,
    Linear -> [BatchNorm1d] -> activation -> [Dropout(dropout)], then a final Linear (no
    activation: the loss takes logits).

    `activation` is a name ("relu", "tanh", ...), an activation class or instance. `init=None`
    picks He for the ReLU family (relu, leaky_relu, elu, gelu, softplus) and Xavier for tanh and
    sigmoid, the pairing that keeps activation variance steady through depth (see `nn.init`).
    Indices follow the Sequential, e.g. with no batchnorm/dropout: "0.weight", "2.weight", ...
    """

    def __init__(self, in_features: int, hidden: list[int], out_features: int, activation: Any = "relu",
                 dropout: float = 0.0, batchnorm: bool = False, init: Any = None,
                 dtype: Any = np.float64) -> None:
        act_cls = _activation_class(activation)
        if init is None:
            init = "xavier" if act_cls.__name__ in _XAVIER_ACTIVATIONS else "he"
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[Any] = []
        width = int(in_features)
        for h in hidden:
            layers.append(Linear(width, h, init=init, dtype=dtype))
            if batchnorm:
                layers.append(BatchNorm1d(h, dtype=dtype))
            layers.append(_new_activation(activation, act_cls))
            if dropout > 0:
                layers.append(Dropout(dropout))
            width = h
        layers.append(Linear(width, out_features, init=init, dtype=dtype))
        super().__init__(*layers)
        self.in_features, self.hidden, self.out_features = int(in_features), list(hidden), int(out_features)


def _activation_class(activation: Any) -> type:
    if isinstance(activation, str):
        return get_activation(activation)
    if isinstance(activation, type) and issubclass(activation, Activation):
        return activation
    if isinstance(activation, Activation):
        return type(activation)
    raise ValueError(f"MLP: activation must be a name, an activation class or instance, got {activation!r}")


def _new_activation(activation: Any, cls: type) -> Activation:
    """A fresh activation per layer (so forward hooks and diagnostics see each layer separately)."""
    if isinstance(activation, Activation):
        import copy

        return copy.deepcopy(activation)
    return cls()
