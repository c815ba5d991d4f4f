"""Elementwise primitives: each forward with its local derivative right beside it.

backward(grad) returns grad * f'(x): the chain rule's local factor times the upstream gradient.
Written with operators and `dispatch` functions, so it runs on numpy in the plain pass and on
Values under create_graph, where the derivative itself gets differentiated.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dispatch as d
from .. import numerics
from ..function import Function


def pointwise(op: str, f: Callable[[Any], Any], df: Callable[[Any], Any], doc: str, of: str = "x",
              domain: bool = False) -> type[Function]:
    """The primitive y = f(x), elementwise, with dy/dx = df(x) (or df(y) with of="y", when the
    derivative is simplest in the output: tan' = 1 + y^2): the op class `op`, registered.

    For the functions whose derivative is a short formula (the tables below and in
    elementwise.py). Like every backward here, df is written with operators and `dispatch`
    functions, so that it is differentiable again under create_graph. `domain=True`: outside
    f's domain (asin of 2) the result is nan, at its edge inf, silently, as in torch."""
    if of not in ("x", "y"):
        raise ValueError(f"pointwise {op}: of must be 'x' or 'y', got {of!r}")

    def forward(self, x):
        return f(x)

    def backward(self, grad):
        (x,) = self.inputs()
        return grad * df(x)

    def backward_from_y(self, grad):
        return grad * df(self.output())

    def quiet(fn):
        @functools.wraps(fn)
        def run(self, a):
            with np.errstate(divide="ignore", invalid="ignore"):
                return fn(self, a)
        return run

    back = backward if of == "x" else backward_from_y
    ns = {"__doc__": doc, "__module__": __name__, "__qualname__": op, "name": op.lower(),
          "saves_inputs": of == "x", "saves_output": of == "y",
          "forward": quiet(forward) if domain else forward, "backward": quiet(back) if domain else back}
    return type(Function)(op, (Function,), ns)


# The pointwise primitives: forward and derivative side by side, one line each.
Sin = pointwise("Sin", np.sin, d.cos, "y = sin x;   dy/dx = cos x.")
Cos = pointwise("Cos", np.cos, lambda x: -d.sin(x), "y = cos x;   dy/dx = -sin x.")
Softplus = pointwise("Softplus", lambda x: np.logaddexp(0, x), d.sigmoid,
                     "y = ln(1 + e^x) (a smooth ReLU);   dy/dx = sigmoid(x).")
Erf = pointwise("Erf", numerics.erf, lambda x: (2 / math.sqrt(math.pi)) * d.exp(-(x * x)),
                "y = erf x = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;   dy/dx = 2/sqrt(pi) e^(-x^2).")


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


_ZEROS: dict[tuple, np.ndarray] = {}  # (shape, strides, dtype) -> read-only zeros, the latest few
ZEROS_CACHE_BYTES = 64 * 1024 * 1024


def zeros_as(x: np.ndarray) -> np.ndarray:
    """Read-only zeros shaped and laid out as x. A training loop asks for the same few shapes every
    step, so they are kept (up to ZEROS_CACHE_BYTES): filling fresh zeros cost ReLU a third of its
    forward time on W3's conv map."""
    if np.ndim(x) == 0 or x.nbytes < 16384:
        return np.zeros_like(x)
    key = (x.shape, x.strides, x.dtype)
    z = _ZEROS.get(key)
    if z is None:
        z = np.zeros_like(x)  # x's memory order (the conv's batch-last), so the loop runs in one order
        if z.nbytes > ZEROS_CACHE_BYTES:
            return z
        z.flags.writeable = False
        while _ZEROS and sum(a.nbytes for a in _ZEROS.values()) + z.nbytes > ZEROS_CACHE_BYTES:
            _ZEROS.pop(next(iter(_ZEROS)))  # the oldest shape
        _ZEROS[key] = z
    return z


class ReLU(Function):
    """y = max(0, x);   dy/dx = 1 where x > 0, else 0."""

    saves_inputs = False

    def forward(self, x):
        self.saved = x > 0
        if isinstance(x, np.generic):  # a numpy scalar (the scalar engine): pick, do not compute;
            return x if self.saved or x != x else type(x)(0)  # 0.3 us, np.maximum 6.6 (nan stays nan)
        # not x * (x > 0): that turns -inf into nan. Against an array of zeros, not the scalar 0:
        # numpy's vectorised loop is then about 3x faster (the scalar takes a slower loop).
        return np.maximum(x, zeros_as(x))

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
