"""The fused affine map of a Linear layer: one graph node instead of transpose, matmul and add."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Function, Value


class LinearFn(Function):
    """Y = X W^T + b,  X: (..., in), W: (out, in), b: (out,).

    dL/dX = dL/dY W,   dL/dW = dL/dY^T X (summed over the batch),   dL/db = sum over the batch of dL/dY.
    """

    name = "linear"

    def forward(self, x, w, b=None):
        if np.ndim(x) == 0 or np.shape(x)[-1] != w.shape[1]:
            raise ValueError(f"input's last dimension must be in_features={w.shape[1]}, got shape {np.shape(x)}")
        self.saved = (x, w)
        # A 2-D x: (W X^T)^T, a column-major Y. OpenBLAS runs W X^T faster than X W^T: 1.5x on a
        # column-major X (the flattened batch-last conv map), 8-12% on a C-order one (W2's layers),
        # and the next Linear then gets the column-major input its backward is fast on.
        out = (w @ x.T).T if x.ndim == 2 else x @ w.T
        if b is not None:
            if out.dtype == np.result_type(out, b):
                out += b  # out is a fresh array: add in place, no copy
            else:
                out = out + b
        return out

    def backward(self, grad):
        x, w = self.saved
        g2 = grad.reshape(-1, grad.shape[-1])
        gx = None
        colmajor = _column_major(x)
        if self.needs_grad(0):
            gx = (w.T @ grad.T).T if colmajor else grad @ w  # in x's own layout
        gw = None
        if self.needs_grad(1):  # G^T X, or (X^T G)^T on the C-order X^T: 2x faster there
            gw = (x.T @ g2).T if colmajor else g2.T @ x.reshape(-1, x.shape[-1])
        if len(self.parents) == 2:
            return gx, gw
        gb = g2.sum(axis=0) if self.needs_grad(2) else None
        return gx, gw, gb

    def composite(self, x, w, b=None):
        """The same map from primitives (matmul, transpose, add): differentiated under create_graph."""
        y = x @ w.T
        return y if b is None else y + b


def _column_major(x: np.ndarray) -> bool:
    return x.ndim == 2 and not x.flags.c_contiguous and x.flags.f_contiguous


def linear(x: Any, weight: Value, bias: Value | None = None) -> Value:
    """x @ weight.T + bias (bias optional), as one op."""
    if bias is None:
        return LinearFn.apply(x, weight)
    return LinearFn.apply(x, weight, bias)
