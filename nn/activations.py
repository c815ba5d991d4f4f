"""Activation functions as Modules, each with its analytic derivative for plots and lessons.

`Act()(x)` applies f to a Value (through the engine's op, so it backpropagates).
`Act.derivative(x)` and `Act.function(x)` work on plain numpy arrays; both can be called on the
class (default parameters) or on an instance (`LeakyReLU(0.2).derivative(x)` uses alpha=0.2).

The vanishing-gradient lesson in one line: backprop multiplies one f'(x) per layer, and
sigmoid's f' is at most 1/4, tanh's at most 1 and near 0 once saturated, ReLU's exactly 1 on
the active side.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import Value

from .module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus", "GELU", "Softmax",
           "get_activation", "ACTIVATIONS"]


class _classorinstance:
    """A method that binds to the instance, or to a default instance when called on the class."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, cls: type) -> Any:
        return self.fn.__get__(obj if obj is not None else cls(), cls)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0, -x))  # no overflow for very negative x


class Activation(Module):
    """Base: subclasses define `forward` (on Values) and `function`/`derivative` (on numpy)."""

    def extra_repr(self) -> str:
        return ""


class Sigmoid(Activation):
    """f(x) = 1 / (1 + e^-x);   f'(x) = f(x) (1 - f(x)).

    Range (0, 1). f' peaks at 1/4 at x = 0, so every sigmoid layer shrinks the gradient by at
    least 4x; it saturates (f' < 0.01) for |x| > ~4.6, where learning stalls.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).sigmoid()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = _sigmoid(np.asarray(x))
        return s * (1 - s)


class Tanh(Activation):
    """f(x) = tanh x = (e^x - e^-x) / (e^x + e^-x);   f'(x) = 1 - tanh^2 x.

    Range (-1, 1), zero-centred. f' is 1 at x = 0 and saturates (f' < 0.01) for |x| > ~3;
    units with |tanh| > 0.97 count as saturated in the diagnostics.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).tanh()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        t = np.tanh(x)
        return 1 - t * t


class ReLU(Activation):
    """f(x) = max(0, x);   f'(x) = 1 for x > 0, 0 for x <= 0.

    Range [0, inf). Never saturates for x > 0 (gradient passes unchanged); for x < 0 the unit
    is silent and gets no gradient: a unit negative for every input is "dead".
    """

    def forward(self, x: Value) -> Value:
        return _value(x).relu()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return (x > 0).astype(x.dtype if x.dtype.kind == "f" else np.float64)


class LeakyReLU(Activation):
    """f(x) = x for x > 0, alpha x otherwise;   f'(x) = 1 or alpha.

    Range (-inf, inf). Never saturates and never dies: negative inputs still pass alpha of the
    gradient.
    """

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def forward(self, x: Value) -> Value:
        return _value(x).leaky_relu(self.alpha)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(x) > 0, x, self.alpha * np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(x) > 0, 1.0, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class ELU(Activation):
    """f(x) = x for x > 0, alpha (e^x - 1) otherwise;   f'(x) = 1 or alpha e^x.

    Range (-alpha, inf). Smooth negative side with mean activations nearer 0; saturates only
    towards -alpha for x << 0 (f' = alpha e^x -> 0).
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, x: Value) -> Value:
        return _value(x).elu(self.alpha)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0)))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Activation):
    """f(x) = ln(1 + e^x) (a smooth ReLU);   f'(x) = sigmoid(x).

    Range (0, inf). Saturates for x << 0 (f' -> 0) like a dead ReLU, but smoothly.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).softplus()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, x)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(np.asarray(x))


class GELU(Activation):
    """f(x) = x Phi(x), Phi the standard normal CDF (exact erf form);
    f'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).

    Range about [-0.17, inf). Like ReLU for large |x|: never saturates for x > 0 (f' -> 1),
    saturates to 0 for x << 0 (f' -> 0); smooth near 0, slightly non-monotonic (minimum near
    x = -0.75).
    """

    def forward(self, x: Value) -> Value:
        return _value(x).gelu()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return x * _phi_cdf(x)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return _phi_cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


class Softmax(Activation):
    """f(x)_i = e^(x_i) / sum_j e^(x_j) along `axis` (stable: computed from log_softmax).

    Range (0, 1), summing to 1. Its true derivative is a Jacobian, ds_i/dx_j = s_i (delta_ij -
    s_j); `derivative(x)` returns only its diagonal s_i (1 - s_i) (same shape as x), which is
    what a per-unit saturation plot shows. It saturates when one logit dominates (s -> 0 or 1).
    """

    def __init__(self, axis: int = -1) -> None:
        self.axis = int(axis)

    def forward(self, x: Value) -> Value:
        return _value(x).softmax(axis=self.axis)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float32))
        e = np.exp(x - np.max(x, axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = self.function(x)
        return s * (1 - s)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


def _phi_cdf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - depends on the environment
        erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def _value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


ACTIVATIONS: dict[str, type[Activation]] = {
    "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU, "elu": ELU,
    "softplus": Softplus, "gelu": GELU, "softmax": Softmax,
}


def get_activation(name: str) -> type[Activation]:
    """The activation class for a name ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus",
    "gelu", "softmax"; case-insensitive, "-" or "" for "_" accepted); ValueError otherwise."""
    if not isinstance(name, str):
        raise ValueError(f"get_activation: expected a name (str), got {type(name).__name__}; "
                         f"valid names: {', '.join(ACTIVATIONS)}")
    key = name.strip().lower().replace("-", "_")
    if key == "leakyrelu":
        key = "leaky_relu"
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]
