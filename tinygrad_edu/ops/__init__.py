"""The primitive ops. Everything else (sub, div, mean, var, softmax, ...) is built from these."""

from .arithmetic import Add, MatMul, Mul, Neg, Pow
from .movement import Concat, GetItem, Reshape, Transpose
from .reduce import Max, Sum
from .select import Clip, Where
from .unary import ELU, GELU, Abs, Cos, Exp, LeakyReLU, Log, ReLU, Sigmoid, Sin, Softplus, Tanh

__all__ = ["Add", "Mul", "Neg", "Pow", "MatMul", "Exp", "Log", "Abs", "Sin", "Cos", "Tanh", "Sigmoid",
           "ReLU", "LeakyReLU", "ELU", "Softplus", "GELU", "Sum", "Max", "Reshape", "Transpose",
           "GetItem", "Concat", "Where", "Clip"]
