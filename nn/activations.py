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

import tinygrad_edu as tg
from tinygrad_edu import Value, numerics

from .module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus", "GELU", "Softmax", "SiLU", "Mish",
           "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "SELU", "CELU", "LogSigmoid", "Softsign", "Softmin",
           "get_activation", "ACTIVATIONS"]


class _classorinstance:
    """A method that binds to the instance, or to a default instance when called on the class."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, cls: type) -> Any:
        return self.fn.__get__(obj if obj is not None else cls(), cls)


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
        return numerics.sigmoid(np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = numerics.sigmoid(np.asarray(x))
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


class _WithAlpha(Activation):
    """An activation with one parameter, alpha: forward is `op(x, alpha)`, a Value method."""

    op: Any = None

    def forward(self, x: Value) -> Value:
        return self.op(_value(x), self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class LeakyReLU(_WithAlpha):
    """f(x) = x for x > 0, alpha x otherwise;   f'(x) = 1 or alpha.

    Range (-inf, inf). Never saturates and never dies: negative inputs still pass alpha of the
    gradient.
    """

    op = staticmethod(Value.leaky_relu)

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(x) > 0, x, self.alpha * np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(x) > 0, 1.0, self.alpha)


class ELU(_WithAlpha):
    """f(x) = x for x > 0, alpha (e^x - 1) otherwise;   f'(x) = 1 or alpha e^x.

    Range (-alpha, inf). Smooth negative side with mean activations nearer 0; saturates only
    towards -alpha for x << 0 (f' = alpha e^x -> 0).
    """

    op = staticmethod(Value.elu)

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0)))


class Softplus(Activation):
    """f(x) = (1/beta) ln(1 + e^(beta x)) (a smooth ReLU), and x itself where beta x > threshold;
    f'(x) = sigmoid(beta x) (1 past the threshold).

    Range (0, inf). Saturates for x << 0 (f' -> 0) like a dead ReLU, but smoothly. The default
    (beta=1, threshold=20) runs the engine's softplus primitive, whose value past 20 differs
    from x by under e^-20.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = float(beta), float(threshold)

    def _default(self) -> bool:
        return self.beta == 1.0 and self.threshold == 20.0

    def forward(self, x: Value) -> Value:
        return _value(x).softplus() if self._default() else tg.softplus(_value(x), self.beta, self.threshold)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if self._default():
            return np.logaddexp(0, x)
        return np.where(self.beta * x > self.threshold, x, np.logaddexp(0, self.beta * x) / self.beta)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if self._default():
            return numerics.sigmoid(x)
        return np.where(self.beta * x > self.threshold, 1.0, numerics.sigmoid(self.beta * x))

    def extra_repr(self) -> str:
        return "" if self._default() else f"beta={self.beta}, threshold={self.threshold}"


class GELU(Activation):
    """f(x) = x Phi(x), Phi the standard normal CDF (exact erf form, approximate="none");
    f'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).
    approximate="tanh": f(x) = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3);
    f'(x) = (1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2.

    Range about [-0.17, inf). Like ReLU for large |x|: never saturates for x > 0 (f' -> 1),
    saturates to 0 for x << 0 (f' -> 0); smooth near 0, slightly non-monotonic (minimum near
    x = -0.75).
    """

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Value) -> Value:
        return _value(x).gelu() if self.approximate == "none" else tg.gelu(_value(x), approximate="tanh")

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(_GELU_C * (x + 0.044715 * x**3)))
        return x * _phi_cdf(x)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.approximate == "tanh":
            t = np.tanh(_GELU_C * (x + 0.044715 * x**3))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * x * x)
        return _phi_cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)

    def extra_repr(self) -> str:
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"


_GELU_C = math.sqrt(2.0 / math.pi)


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


class SiLU(Activation):
    """f(x) = x sigmoid(x) (swish);   f'(x) = s (1 + x (1 - s)), s = sigmoid(x).

    Range about [-0.28, inf). Never saturates for x > 0 (f' -> 1); saturates to 0 for x << 0,
    smoothly, with a small negative dip (minimum near x = -1.28).
    """

    def forward(self, x: Value) -> Value:
        return _value(x).silu()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x) * numerics.sigmoid(np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        s = numerics.sigmoid(x)
        return s * (1 + x * (1 - s))


class Mish(Activation):
    """f(x) = x tanh(softplus(x));   f'(x) = tanh(sp) + x (1 - tanh^2(sp)) sigmoid(x), sp = softplus(x).

    Range about [-0.31, inf). Like SiLU: never saturates for x > 0, saturates smoothly for x << 0.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).mish()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x) * np.tanh(np.logaddexp(0, x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        t = np.tanh(np.logaddexp(0, x))
        return t + x * (1 - t * t) * numerics.sigmoid(x)


class Hardtanh(Activation):
    """f(x) = clip(x, min_val, max_val);   f'(x) = 1 strictly between the bounds, else 0.

    Range [min_val, max_val]. Saturates completely (f' = 0) outside the bounds, like a hard tanh.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        if min_val >= max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} must be below max_val {max_val}")
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Value) -> Value:
        return _value(x).hardtanh(self.min_val, self.max_val)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.min_val, self.max_val)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return ((x > self.min_val) & (x < self.max_val)).astype(np.float64)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """f(x) = min(max(0, x), 6);   f'(x) = 1 for 0 < x < 6, else 0.

    Range [0, 6]. Dead for x < 0 like ReLU, and saturated (f' = 0) above 6 too.
    """

    def __init__(self) -> None:
        super().__init__(0.0, 6.0)

    def forward(self, x: Value) -> Value:
        return _value(x).relu6()

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(Activation):
    """f(x) = relu6(x + 3) / 6;   f'(x) = 1/6 for -3 < x < 3, else 0.

    Range [0, 1]. A piecewise-linear sigmoid: saturates completely (f' = 0) for |x| >= 3.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).hardsigmoid()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(x) / 6 + 0.5, 0.0, 1.0)

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where((x > -3) & (x < 3), 1 / 6, 0.0)


class Hardswish(Activation):
    """f(x) = x relu6(x + 3) / 6;   f'(x) = 0 for x <= -3, (2x + 3)/6 for -3 < x < 3, 1 from 3 on.

    Range about [-0.375, inf). Never saturates for x > 3 (f' = 1); dead (f' = 0) below -3.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).hardswish()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x <= -3, 0.0, np.where(x < 3, (2 * x + 3) / 6, 1.0))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


class SELU(Activation):
    """f(x) = scale (x for x > 0, alpha (e^x - 1) otherwise), alpha = 1.6733, scale = 1.0507;
    f'(x) = scale for x > 0, scale alpha e^x otherwise.

    Range (-scale alpha, inf) = (-1.76, inf). Self-normalising: keeps activations near mean 0,
    variance 1 with lecun init. Never saturates for x > 0; saturates towards -1.76 for x << 0.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).selu()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return _SELU_SCALE * np.where(x > 0, 1.0, _SELU_ALPHA * np.exp(np.minimum(x, 0)))


class CELU(_WithAlpha):
    """f(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1));   f'(x) = 1 for x > 0, e^(x/alpha) otherwise.

    Range (-alpha, inf). ELU made continuously differentiable at 0 for every alpha; never
    saturates for x > 0, saturates towards -alpha for x << 0.
    """

    op = staticmethod(Value.celu)

    def __init__(self, alpha: float = 1.0) -> None:
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0")
        self.alpha = float(alpha)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0) / self.alpha))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0) / self.alpha))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class LogSigmoid(Activation):
    """f(x) = log sigmoid(x) = -softplus(-x);   f'(x) = sigmoid(-x) = 1 - sigmoid(x).

    Range (-inf, 0). Saturates for x >> 0 (f' -> 0); never saturates for x << 0 (f' -> 1).
    """

    def forward(self, x: Value) -> Value:
        return _value(x).logsigmoid()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return -np.logaddexp(0, -np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return numerics.sigmoid(-np.asarray(x))


class Softsign(Activation):
    """f(x) = x / (1 + |x|);   f'(x) = 1 / (1 + |x|)^2.

    Range (-1, 1). Like tanh but saturates polynomially, not exponentially: f'(5) = 0.028, so it
    saturates (f' < 0.01) only for |x| > 9.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).softsign()

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return x / (1 + np.abs(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.abs(np.asarray(x))) ** 2


class Softmin(Softmax):
    """f(x)_i = e^(-x_i) / sum_j e^(-x_j) along `axis`: softmax(-x), weights on the smallest.

    Range (0, 1), summing to 1. As for Softmax, `derivative(x)` is the Jacobian's diagonal,
    -s_i (1 - s_i); it saturates when one entry is much smaller than the rest.
    """

    def forward(self, x: Value) -> Value:
        return _value(x).softmin(axis=self.axis)

    @_classorinstance
    def function(self, x: np.ndarray) -> np.ndarray:
        return Softmax.__dict__["function"].fn(self, -np.asarray(x))

    @_classorinstance
    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = self.function(x)
        return -s * (1 - s)


def _phi_cdf(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF (1 + erf(x / sqrt 2)) / 2."""
    return 0.5 * (1.0 + numerics.erf(x / math.sqrt(2.0)))


def _value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


ACTIVATIONS: dict[str, type[Activation]] = {
    "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU, "elu": ELU,
    "softplus": Softplus, "gelu": GELU, "softmax": Softmax, "silu": SiLU, "mish": Mish, "hardtanh": Hardtanh,
    "relu6": ReLU6, "hardsigmoid": Hardsigmoid, "hardswish": Hardswish, "selu": SELU, "celu": CELU,
    "logsigmoid": LogSigmoid, "softsign": Softsign, "softmin": Softmin,
}


def get_activation(name: str) -> type[Activation]:
    """The activation class for a name (a key of ACTIVATIONS: "relu", "sigmoid", "tanh", "leaky_relu",
    "elu", "softplus", "gelu", "softmax", "silu", "mish", "hardtanh", "relu6", "hardsigmoid",
    "hardswish", "selu", "celu", "logsigmoid", "softsign", "softmin"; case-insensitive, "-" or ""
    for "_" accepted); ValueError otherwise."""
    if not isinstance(name, str):
        raise ValueError(f"get_activation: expected a name (str), got {type(name).__name__}; "
                         f"valid names: {', '.join(ACTIVATIONS)}")
    key = name.strip().lower().replace("-", "_")
    if key == "leakyrelu":
        key = "leaky_relu"
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]
