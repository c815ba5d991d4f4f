"""Solutions of lesson 3 (activations and derivatives)."""

import numpy as np


def sigmoid_derivative(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def elu_derivative(x, alpha):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


SOLUTIONS = {"sigmoid_derivative": sigmoid_derivative, "elu_derivative": elu_derivative, "stable_softmax": softmax}
