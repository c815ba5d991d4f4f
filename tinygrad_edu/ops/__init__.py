"""The primitive ops. Everything else (sub, div, mean, var, softmax, ...) is built from these."""

from .arithmetic import Add, MatMul, Mul, Neg, Pow
from .movement import BroadcastTo, Concat, GetItem, IndexPut, Reshape, Transpose
from .reduce import Max, Sum
from .select import Clip, Where
from .unary import ELU, GELU, Abs, Cos, Erf, Exp, LeakyReLU, Log, ReLU, Sigmoid, Sin, Softplus, Tanh

__all__ = ["Add", "Mul", "Neg", "Pow", "MatMul", "Exp", "Log", "Abs", "Sin", "Cos", "Tanh", "Sigmoid",
           "ReLU", "LeakyReLU", "ELU", "Softplus", "Erf", "GELU", "Sum", "Max", "Reshape", "Transpose",
           "BroadcastTo", "GetItem", "IndexPut", "Concat", "Where", "Clip"]
