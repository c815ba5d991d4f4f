"""Elementwise primitives: each forward with its local derivative right beside it.

backward(grad) returns grad * f'(x): the chain rule's local factor times the upstream gradient.
Written with operators and `dispatch` functions, so it runs on numpy in the plain pass and on
Values under create_graph, where the derivative itself gets differentiated.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dispatch as d
from .. import numerics
from ..function import Function


class Exp(Function):
    """y = e^x;   dy/dx = e^x = y."""

    saves_inputs, saves_output = False, True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad):
        return grad * self.output()


class Log(Function):
    """y = ln x;   dy/dx = 1/x."""

    def forward(self, x):
        return np.log(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad / x


class Abs(Function):
    """y = |x|;   dy/dx = sign(x) (0 at x = 0)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad * np.sign(d.data(x))


class Sin(Function):
    """y = sin x;   dy/dx = cos x."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad * d.cos(x)


class Cos(Function):
    """y = cos x;   dy/dx = -sin x."""

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return -grad * d.sin(x)


class Tanh(Function):
    """y = tanh x;   dy/dx = 1 - y^2 (at most 1, and tiny once |x| > 3: saturation)."""

    saves_inputs, saves_output = False, True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad):
        y = self.output()
        return grad * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);   dy/dx = y (1 - y), at most 1/4: the root of vanishing gradients."""

    saves_inputs, saves_output = False, True

    def forward(self, x):
        return numerics.sigmoid(x)  # = 1/(1+e^-x) without overflow for x << 0

    def backward(self, grad):
        y = self.output()
        return grad * (y * (1 - y))


class ReLU(Function):
    """y = max(0, x);   dy/dx = 1 where x > 0, else 0."""

    saves_inputs = False

    def forward(self, x):
        self.saved = x > 0
        # not x * (x > 0): that turns -inf into nan. Against an array of zeros, not the scalar 0:
        # numpy's vectorised loop is then about 3x faster (the scalar takes a slower loop).
        return np.maximum(x, np.zeros_like(x))

    def backward(self, grad):
        return grad * self.saved


class LeakyReLU(Function):
    """y = x where x > 0, else alpha*x;   dy/dx = 1 or alpha."""

    saves_inputs = False

    def forward(self, x, alpha=0.01):
        slope = np.where(x > 0, 1, alpha).astype(np.result_type(x), copy=False)
        self.saved = slope
        return x * slope

    def backward(self, grad):
        return grad * self.saved


class ELU(Function):
    """y = x where x > 0, else alpha (e^x - 1);   dy/dx = 1 or alpha e^x (= y + alpha)."""

    saves_inputs, saves_output = False, True

    def forward(self, x, alpha=1.0):
        pos = x > 0
        self.saved = (pos, alpha)
        out = np.where(pos, x, alpha * np.expm1(np.minimum(x, 0)))
        return out[()] if out.ndim == 0 else out

    def backward(self, grad):
        pos, alpha = self.saved
        return d.where(pos, grad, grad * (self.output() + alpha))


class Softplus(Function):
    """y = ln(1 + e^x) (a smooth ReLU);   dy/dx = sigmoid(x)."""

    def forward(self, x):
        return np.logaddexp(0, x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad * d.sigmoid(x)


class Erf(Function):
    """y = erf x = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;   dy/dx = 2/sqrt(pi) e^(-x^2)."""

    def forward(self, x):
        return numerics.erf(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad * (2 / math.sqrt(math.pi)) * d.exp(-(x * x))


class GELU(Function):
    """y = x * Phi(x), Phi the standard normal CDF = (1 + erf(x/sqrt 2)) / 2 (the exact form);
    dy/dx = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    def forward(self, x):
        return x * (0.5 * (1.0 + numerics.erf(x / math.sqrt(2.0))))

    def backward(self, grad):
        (x,) = self.inputs()
        cdf = 0.5 * (1.0 + d.erf(x * (1 / math.sqrt(2.0))))
        pdf = d.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return grad * (cdf + x * pdf)
