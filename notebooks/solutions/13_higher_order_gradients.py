"""Solutions of lesson 13 (higher-order gradients)."""

import numpy as np

import tinygrad_edu


def tanh_second_derivative(x):
    t = np.tanh(x)
    return -2 * t * (1 - t ** 2)


def hvp(f, x, v):
    (g,) = tinygrad_edu.grad(f(x), x, create_graph=True)
    (hv,) = tinygrad_edu.grad((g * v).sum(), x)
    return hv.data


SOLUTIONS = {"tanh_second_derivative": tanh_second_derivative, "hvp_double_backward": hvp}
