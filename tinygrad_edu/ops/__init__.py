"""The primitive ops. Everything else (sub, div, mean, var, softmax, ...) is built from these."""

from .arithmetic import Add, MatMul, Mul, Neg, Pow
from .einsum import Einsum
from .elementwise import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atanh,
    Ceil,
    Cosh,
    Expm1,
    Floor,
    FloorDivide,
    Fmod,
    Log1p,
    Remainder,
    Round,
    Sign,
    Sinh,
    Tan,
    Trunc,
)
from .movement import BroadcastTo, Concat, GetItem, Identity, IndexPut, Reshape, Transpose
from .pad import Pad
from .reduce import Max, Sum
from .scan import CumProd, CumSum, Prod
from .select import Clip, Where
from .unary import ELU, GELU, Abs, Cos, Erf, Exp, LeakyReLU, Log, ReLU, Sigmoid, Sin, Softplus, Tanh

__all__ = ["Add", "Mul", "Neg", "Pow", "MatMul", "Exp", "Log", "Abs", "Sin", "Cos", "Tanh", "Sigmoid",
           "ReLU", "LeakyReLU", "ELU", "Softplus", "Erf", "GELU", "Sum", "Max", "Reshape", "Transpose",
           "BroadcastTo", "Identity", "GetItem", "IndexPut", "Concat", "Where", "Clip",
           "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Log1p", "Expm1", "Sign",
           "Floor", "Ceil", "Round", "Trunc", "Fmod", "Remainder", "CumSum", "CumProd", "Prod", "Einsum", "Pad",
           "FloorDivide"]
