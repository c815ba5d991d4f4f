"""Add, Neg, Mul, Pow, MatMul: the arithmetic primitives (sub and div are built from them).

Each backward is written once, with operators and `dispatch` functions, so it runs on numpy in
the plain pass and on Values under create_graph (see `Function`)."""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function
from ..value import Value


class Add(Function):
    """z = x + y;   dz/dx = 1, dz/dy = 1 (summed back over broadcast axes)."""

    saves_inputs = False

    def forward(self, x, y):
        return x + y

    def backward(self, grad):
        x, y = self.parents  # no summing for a constant such as the 0.001 of z + 0.001
        return (d.unbroadcast(grad, x.shape) if x.requires_grad else None,
                d.unbroadcast(grad, y.shape) if y.requires_grad else None)


class Neg(Function):
    """z = -x;   dz/dx = -1."""

    saves_inputs = False

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class Mul(Function):
    """z = x * y;   dz/dx = y, dz/dy = x."""

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        px, py = self.parents
        x, y = (px, py) if type(self.out) is Value else (px._data, py._data)  # self.inputs(), inlined: hot
        gx = d.unbroadcast(grad * y, x.shape) if px.requires_grad else None
        gy = d.unbroadcast(grad * x, y.shape) if py.requires_grad else None
        return gx, gy


class Pow(Function):
    """z = x ** y;   dz/dx = y * x**(y-1),   dz/dy = x**y * log(x).

    The exponent's gradient needs log(x): it is 0 where x == 0 and NaN where x < 0 (a negative
    base has no real logarithm). It is only computed when the exponent requires a gradient, so
    `x ** 2` with negative x is fine. d(x**0)/dx is 0 everywhere, also at x = 0 and x = inf.
    """

    saves_output = True

    def forward(self, x, y):
        return x**y

    def backward(self, grad):
        x, y = self.inputs()
        gx = gy = None
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.needs_grad(0):
                zero = d.data(y) == 0  # there y * x**(y-1) is 0 * x**-1: use base 1 instead of 0 or inf
                base = d.where(zero, 1, x) if np.any(zero) else x
                gx = d.unbroadcast(grad * y * base ** (y - 1), self.parents[0].shape)
            if self.needs_grad(1):
                x0 = d.data(x) == 0
                log_x = d.log(d.where(x0, 1, x) if np.any(x0) else x)
                gy = d.unbroadcast(grad * self.output() * log_x, self.parents[1].shape)
        return gx, gy


class MatMul(Function):
    """Z = X @ Y;   dL/dX = dL/dZ @ Y^T,   dL/dY = X^T @ dL/dZ.

    Follows numpy's matmul: a 1-D left operand is a row vector, a 1-D right operand a column
    vector, and leading (batch) dimensions broadcast.
    """

    def forward(self, x, y):
        if np.ndim(x) == 0 or np.ndim(y) == 0:
            raise ValueError("operands must be at least 1-D; use * for scalars")
        k_left, k_right = np.shape(x)[-1], np.shape(y)[-2 if np.ndim(y) > 1 else 0]
        if k_left != k_right:
            raise ValueError(f"shapes {np.shape(x)} and {np.shape(y)} are not aligned: "
                             f"{k_left} (last dim of the left) != {k_right} (the right's rows)")
        return x @ y

    def backward(self, grad):
        x, y = self.inputs()
        xs, ys = self.parents[0].shape, self.parents[1].shape
        if len(xs) == 2 and len(ys) == 2:  # the common case, spelled out
            gx = grad @ d.transpose(y) if self.needs_grad(0) else None
            gy = d.transpose(x) @ grad if self.needs_grad(1) else None
            return gx, gy
        # General case: promote 1-D operands to matrices, then undo it.
        x2 = d.reshape(x, (1,) + xs) if len(xs) == 1 else x
        y2 = d.reshape(y, ys + (1,)) if len(ys) == 1 else y
        g2 = grad
        gshape = np.shape(d.data(grad))
        if len(ys) == 1:  # the column dimension first, so 1-D @ 1-D (a scalar) works too
            gshape = gshape + (1,)
        if len(xs) == 1:
            gshape = gshape[:-1] + (1,) + gshape[-1:]
        g2 = d.reshape(grad, gshape)
        gx = gy = None
        if self.needs_grad(0):
            gx = g2 @ d.swapaxes(y2, -1, -2)
            if len(xs) == 1:
                gx = d.reshape(gx, np.shape(d.data(gx))[:-2] + np.shape(d.data(gx))[-1:])
            gx = d.unbroadcast(gx, xs)
        if self.needs_grad(1):
            gy = d.swapaxes(x2, -1, -2) @ g2
            if len(ys) == 1:
                gy = d.reshape(gy, np.shape(d.data(gy))[:-1])
            gy = d.unbroadcast(gy, ys)
        return gx, gy
