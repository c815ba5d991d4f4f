"""Solutions of lesson 1 (backprop by hand)."""

import math

import numpy as np

from tinygrad_edu import Function

_o = math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
_d = 1 - _o ** 2
my_grads = {"x1": _d * -3.0, "w1": _d * 2.0, "x2": _d * 1.0, "w2": _d * 0.0, "b": _d}


def tanh_backward(x, grad):
    return grad * (1 - np.tanh(x) ** 2)


class Cube(Function):
    """y = x**3;  dy/dx = 3 x**2"""

    def forward(self, x):
        self.saved = x
        return x ** 3

    def backward(self, grad):
        return grad * 3 * self.saved ** 2


SOLUTIONS = {"neuron_grads": my_grads, "tanh_backward": tanh_backward, "cube_op": Cube}
