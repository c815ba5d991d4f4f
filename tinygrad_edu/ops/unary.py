"""Elementwise primitives: each forward with its local derivative right beside it.

backward(grad) returns grad * f'(x): the chain rule's local factor times the upstream gradient.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function


class Exp(Function):
    """y = e^x;   dy/dx = e^x = y."""

    def forward(self, x):
        self.saved = np.exp(x)
        return self.saved

    def backward(self, grad):
        return grad * self.saved


class Log(Function):
    """y = ln x;   dy/dx = 1/x."""

    def forward(self, x):
        self.saved = x
        return np.log(x)

    def backward(self, grad):
        return grad / self.saved


class Abs(Function):
    """y = |x|;   dy/dx = sign(x) (0 at x = 0)."""

    def forward(self, x):
        self.saved = x
        return np.abs(x)

    def backward(self, grad):
        return grad * np.sign(self.saved)


class Sin(Function):
    """y = sin x;   dy/dx = cos x."""

    def forward(self, x):
        self.saved = x
        return np.sin(x)

    def backward(self, grad):
        return grad * np.cos(self.saved)


class Cos(Function):
    """y = cos x;   dy/dx = -sin x."""

    def forward(self, x):
        self.saved = x
        return np.cos(x)

    def backward(self, grad):
        return -grad * np.sin(self.saved)


class Tanh(Function):
    """y = tanh x;   dy/dx = 1 - y^2 (at most 1, and tiny once |x| > 3: saturation)."""

    def forward(self, x):
        self.saved = np.tanh(x)
        return self.saved

    def backward(self, grad):
        y = self.saved
        return grad * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);   dy/dx = y (1 - y), at most 1/4: the root of vanishing gradients."""

    def forward(self, x):
        self.saved = np.exp(-np.logaddexp(0, -x))  # = 1/(1+e^-x) without overflow for x << 0
        return self.saved

    def backward(self, grad):
        y = self.saved
        return grad * (y * (1 - y))


class ReLU(Function):
    """y = max(0, x);   dy/dx = 1 where x > 0, else 0."""

    def forward(self, x):
        self.saved = x > 0
        return np.maximum(x, 0)  # not x * (x > 0): that turns -inf into nan

    def backward(self, grad):
        return grad * self.saved


class LeakyReLU(Function):
    """y = x where x > 0, else alpha*x;   dy/dx = 1 or alpha."""

    def forward(self, x, alpha=0.01):
        slope = np.where(x > 0, 1, alpha).astype(np.result_type(x), copy=False)
        self.saved = slope
        return x * slope

    def backward(self, grad):
        return grad * self.saved


class ELU(Function):
    """y = x where x > 0, else alpha (e^x - 1);   dy/dx = 1 or alpha e^x (= y + alpha)."""

    def forward(self, x, alpha=1.0):
        pos = x > 0
        out = np.where(pos, x, alpha * np.expm1(np.minimum(x, 0)))
        self.saved = np.where(pos, 1, out + alpha).astype(out.dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    def backward(self, grad):
        return grad * self.saved


class Softplus(Function):
    """y = ln(1 + e^x) (a smooth ReLU);   dy/dx = sigmoid(x)."""

    def forward(self, x):
        self.saved = x
        return np.logaddexp(0, x)

    def backward(self, grad):
        return grad * np.exp(-np.logaddexp(0, -self.saved))


try:  # numpy has no erf; scipy's is vectorised, math.erf per element is the fallback
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - depends on the environment
    _erf = np.vectorize(math.erf, otypes=[np.float64])


class GELU(Function):
    """y = x * Phi(x), Phi the standard normal CDF = (1 + erf(x/sqrt 2)) / 2 (the exact form);
    dy/dx = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    def forward(self, x):
        cdf = (0.5 * (1.0 + _erf(x / math.sqrt(2.0)))).astype(np.result_type(x), copy=False)
        self.saved = (x, cdf)
        return x * cdf

    def backward(self, grad):
        x, cdf = self.saved
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return grad * (cdf + x * pdf)
