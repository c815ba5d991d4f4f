"""More elementwise primitives: trigonometric and hyperbolic functions and their inverses,
log1p/expm1, the rounding functions (zero gradient) and fmod/remainder.

Only functions that a composite would compute badly are primitives here: sinh(x) as
(e^x - e^-x)/2 loses every digit near 0, log(1 + x) loses them for tiny x. log2, log10, lerp,
logaddexp and friends are composites (tinygrad_edu/tensor_methods.py). Each backward is written
with operators and `dispatch` functions, so it is differentiable again under create_graph.
"""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function
from .unary import pointwise

# The pointwise ones (tinygrad_edu/ops/unary.py): forward and derivative side by side. Those with
# a domain give nan (or inf at its edge) outside it without a warning, as torch does.
Atan = pointwise("Atan", np.arctan, lambda x: 1 / (1 + x * x), "y = atan x;   dy/dx = 1 / (1 + x^2).")
Sinh = pointwise("Sinh", np.sinh, d.cosh, "y = sinh x = (e^x - e^-x) / 2;   dy/dx = cosh x.")
Cosh = pointwise("Cosh", np.cosh, d.sinh, "y = cosh x = (e^x + e^-x) / 2;   dy/dx = sinh x.")
Asinh = pointwise("Asinh", np.arcsinh, lambda x: (x * x + 1) ** -0.5,
                  "y = asinh x = ln(x + sqrt(x^2 + 1));   dy/dx = 1 / sqrt(x^2 + 1).")
Asin = pointwise("Asin", np.arcsin, lambda x: (1 - x * x) ** -0.5,
                 "y = asin x (x in [-1, 1]);   dy/dx = 1 / sqrt(1 - x^2).", domain=True)
Acos = pointwise("Acos", np.arccos, lambda x: -((1 - x * x) ** -0.5),
                 "y = acos x (x in [-1, 1]);   dy/dx = -1 / sqrt(1 - x^2).", domain=True)
Acosh = pointwise("Acosh", np.arccosh, lambda x: (x * x - 1) ** -0.5,
                  "y = acosh x = ln(x + sqrt(x^2 - 1)) (x >= 1);   dy/dx = 1 / sqrt(x^2 - 1).", domain=True)
Atanh = pointwise("Atanh", np.arctanh, lambda x: 1 / (1 - x * x),
                  "y = atanh x = ln((1 + x) / (1 - x)) / 2 (|x| < 1);   dy/dx = 1 / (1 - x^2).", domain=True)
Log1p = pointwise("Log1p", np.log1p, lambda x: 1 / (1 + x),
                  "y = ln(1 + x), accurate for tiny x;   dy/dx = 1 / (1 + x).", domain=True)
Tan = pointwise("Tan", np.tan, lambda y: 1 + y * y, "y = tan x;   dy/dx = 1 + tan^2 x = 1 + y^2.", of="y")
Expm1 = pointwise("Expm1", np.expm1, lambda y: y + 1, "y = e^x - 1, accurate for tiny x;   dy/dx = e^x = y + 1.",
                  of="y")


class _Flat:
    """A piecewise-constant function: its derivative is 0 wherever it exists (as in torch)."""

    __slots__ = ()
    saves_inputs = False
    fn = staticmethod(np.sign)

    def forward(self, x, **options):
        return type(self).fn(x, **options)

    def backward(self, grad):
        shape = self.parents[0].shape
        return np.zeros(shape, dtype=self.parents[0].dtype)  # not grad * 0: an inf upstream stays 0


class Sign(_Flat, Function):
    """y = sign x (-1, 0 or 1);   dy/dx = 0."""

    fn = staticmethod(np.sign)


class Floor(_Flat, Function):
    """y = floor x, the largest integer <= x;   dy/dx = 0."""

    fn = staticmethod(np.floor)


class Ceil(_Flat, Function):
    """y = ceil x, the smallest integer >= x;   dy/dx = 0."""

    fn = staticmethod(np.ceil)


class Round(_Flat, Function):
    """y = x rounded to `decimals` places, halves to even (torch.round);   dy/dx = 0."""

    fn = staticmethod(np.round)


class Trunc(_Flat, Function):
    """y = trunc x, x rounded towards 0;   dy/dx = 0."""

    fn = staticmethod(np.trunc)


class _Modulo:
    """z = x - q(x / y) y for a rounding q of the quotient;   dz/dx = 1,   dz/dy = -q(x / y)."""

    __slots__ = ()
    saves_inputs = False

    def forward(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            self.saved = type(self).quotient(x / y)
            return type(self).fn(x, y)

    def backward(self, grad):
        px, py = self.parents
        gx = d.unbroadcast(grad, px.shape) if px.requires_grad else None
        gy = d.unbroadcast(-grad * self.saved, py.shape) if py.requires_grad else None
        return gx, gy


class Fmod(_Modulo, Function):
    """z = fmod(x, y) = x - trunc(x / y) y (the sign of x, C's fmod);
    dz/dx = 1,   dz/dy = -trunc(x / y)."""

    quotient, fn = staticmethod(np.trunc), staticmethod(np.fmod)


class Remainder(_Modulo, Function):
    """z = remainder(x, y) = x - floor(x / y) y (the sign of y, Python's %);
    dz/dx = 1,   dz/dy = -floor(x / y)."""

    quotient, fn = staticmethod(np.floor), staticmethod(np.remainder)


class FloorDivide(Function):
    """z = floor(x / y) (Python's and torch's //, computed as numpy's floor_divide so that
    1 // 0.1 is 9, as x - remainder(x, y) says);   dz/dx = dz/dy = 0."""

    name = "floor_divide"
    saves_inputs = False

    def forward(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(x, y)

    def backward(self, grad):
        x, y = self.parents
        return np.zeros(x.shape, dtype=x.dtype), np.zeros(y.shape, dtype=y.dtype)


# --- examples for `tinygrad-edu gradcheck` (tinygrad_edu/op_examples.py reads `examples`) -------
def _on(method: str, lo: float, hi: float, shape: tuple[int, ...] = (3, 4)) -> staticmethod:
    return staticmethod(lambda g: [(f"{method} on [{lo:g}, {hi:g}]", lambda a: getattr(a, method)(),
                                    [g.uniform(lo, hi, shape)])])


def _steps(method: str) -> staticmethod:
    """Inputs a safe distance from every jump (integers and halves), so eps never crosses one."""
    return staticmethod(lambda g: [(f"{method} (zero gradient)", lambda a: getattr(a, method)(),
                                    [g.integers(-3, 3, (3, 4)) + g.uniform(0.1, 0.4, (3, 4))])])


Tan.examples = _on("tan", -1.2, 1.2)
Asin.examples = _on("asin", -0.9, 0.9)
Acos.examples = _on("acos", -0.9, 0.9)
Atan.examples = _on("atan", -3.0, 3.0)
Sinh.examples = _on("sinh", -2.0, 2.0)
Cosh.examples = _on("cosh", -2.0, 2.0)
Asinh.examples = _on("asinh", -3.0, 3.0)
Acosh.examples = _on("acosh", 1.2, 3.0)
Atanh.examples = _on("atanh", -0.9, 0.9)
Log1p.examples = _on("log1p", -0.5, 2.0)
Expm1.examples = _on("expm1", -2.0, 2.0)
Sign.examples, Floor.examples, Ceil.examples = _steps("sign"), _steps("floor"), _steps("ceil")
Round.examples, Trunc.examples = _steps("round"), _steps("trunc")


def _binary(method: str) -> staticmethod:
    def make(g):
        y = g.uniform(1.0, 2.0, (4,)) * np.where(g.random(4) < 0.5, -1, 1)
        x = y * (g.integers(-3, 3, (3, 4)) + g.uniform(0.2, 0.8, (3, 4)))  # x / y at least 0.2 from a jump
        return [(f"{method} (broadcast)", lambda a, b: getattr(a, method)(b), [x, y])]

    return staticmethod(make)


Fmod.examples, Remainder.examples = _binary("fmod"), _binary("remainder")
FloorDivide.examples = _binary("floor_divide")
