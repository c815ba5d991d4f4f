"""Add, Neg, Mul, Pow, MatMul: the arithmetic primitives (sub and div are built from them)."""

from __future__ import annotations

import numpy as np

from ..function import Function, unbroadcast


class Add(Function):
    """z = x + y;   dz/dx = 1, dz/dy = 1 (summed back over broadcast axes)."""

    def forward(self, x, y):
        return x + y

    def backward(self, grad):
        x, y = self.parents
        return unbroadcast(grad, x.shape), unbroadcast(grad, y.shape)


class Neg(Function):
    """z = -x;   dz/dx = -1."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class Mul(Function):
    """z = x * y;   dz/dx = y, dz/dy = x."""

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        px, py = self.parents  # the operands are the parents' data: no extra tuple per node
        x, y = px._data, py._data
        gx = unbroadcast(grad * y, x.shape) if px.requires_grad else None
        gy = unbroadcast(grad * x, y.shape) if py.requires_grad else None
        return gx, gy


class Pow(Function):
    """z = x ** y;   dz/dx = y * x**(y-1),   dz/dy = x**y * log(x).

    The exponent's gradient needs log(x): it is 0 where x == 0 and NaN where x < 0 (a negative
    base has no real logarithm). It is only computed when the exponent requires a gradient, so
    `x ** 2` with negative x is fine.
    """

    def forward(self, x, y):
        out = x**y
        self.saved = (x, y, out)
        return out

    def backward(self, grad):
        x, y, out = self.saved
        gx = gy = None
        if self.needs_grad(0):
            # x ** where(y, y-1, 1): keeps d(x**0)/dx = 0 at x == 0 instead of 0 * inf
            gx = unbroadcast(grad * y * x ** np.where(y, y - 1, 1), x.shape)
        if self.needs_grad(1):
            with np.errstate(invalid="ignore", divide="ignore"):
                log_x = np.log(np.where(x == 0, 1, x))
            gy = unbroadcast(grad * out * log_x, y.shape)
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
        self.saved = (x, y)
        return x @ y

    def backward(self, grad):
        x, y = self.saved
        if x.ndim == 2 and y.ndim == 2:  # the common case, spelled out
            gx = grad @ y.T if self.needs_grad(0) else None
            gy = x.T @ grad if self.needs_grad(1) else None
            return gx, gy
        # General case: promote 1-D operands to matrices, then undo it.
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = np.asarray(grad)
        if y.ndim == 1:  # the column dimension first, so 1-D @ 1-D (a scalar) works too
            g2 = np.expand_dims(g2, -1)
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        gx = gy = None
        if self.needs_grad(0):
            gx = g2 @ np.swapaxes(y2, -1, -2)
            gx = unbroadcast(gx.squeeze(-2) if x.ndim == 1 else gx, x.shape)
        if self.needs_grad(1):
            gy = np.swapaxes(x2, -1, -2) @ g2
            gy = unbroadcast(gy.squeeze(-1) if y.ndim == 1 else gy, y.shape)
        return gx, gy
