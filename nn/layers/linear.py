"""Linear (fully connected) layer: y = x @ W^T + b, with PyTorch's weight layout."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Value

from ..functional.linear import linear
from ..init import initialize
from ..module import Module


class Linear(Module):
    """y = x @ weight.T + bias.

    weight: (out_features, in_features), bias: (out_features,), as in `torch.nn.Linear`, so
    `state_dict()` keys are "weight" and "bias". x: (..., in_features) -> (..., out_features).
    `init` names the weight initializer (see `nn.init.INITIALIZERS`: "he" (default, He normal),
    "he_uniform", "xavier", "xavier_normal", "normal" (N(0, 0.01^2)), "zeros", ...) or is a
    callable; the bias starts at zero. `dtype` is the parameters' dtype (float64 by default;
    pass np.float32 for speed).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init: Any = "he",
                 dtype: Any = np.float64) -> None:
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Value(np.zeros((self.out_features, self.in_features), dtype=dtype), label="weight")
        initialize(self.weight, init)
        self.bias = Value(np.zeros(self.out_features, dtype=dtype), label="bias") if bias else None

    def forward(self, x: Any) -> Value:
        if np.shape(x)[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input has shape "
                             f"{np.shape(x)}, its last dimension must be {self.in_features}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
