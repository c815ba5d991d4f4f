"""Solutions of lesson 2 (tensors and broadcasting)."""

import numpy as np


def unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return np.reshape(grad, shape)


def matmul_backward(A, B, G):
    return G @ B.T, A.T @ G


SOLUTIONS = {"unbroadcast": unbroadcast, "matmul_backward": matmul_backward}
