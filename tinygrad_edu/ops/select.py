"""Where and Clip: ops that pick values; the gradient follows the pick."""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function


class Where(Function):
    """Z = where(cond, X, Y);   dL/dX = dL/dZ where cond, dL/dY = dL/dZ elsewhere."""

    saves_inputs = False

    def forward(self, x, y, cond=None):
        self.saved = cond
        return np.where(cond, x, y)[()]

    def backward(self, grad):
        x, y = self.parents
        cond = self.saved
        gx = d.unbroadcast(d.where(cond, grad, 0), x.shape) if x.requires_grad else None
        gy = d.unbroadcast(d.where(cond, 0, grad), y.shape) if y.requires_grad else None
        return gx, gy


class Clip(Function):
    """y = min(max(x, lo), hi);   dy/dx = 1 where lo <= x <= hi, else 0."""

    saves_inputs = False

    def forward(self, x, lo=None, hi=None):
        if lo is None and hi is None:
            raise ValueError("give lo, hi or both")
        inside = np.ones(np.shape(x), dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.saved = inside
        return np.clip(x, lo, hi)

    def backward(self, grad):
        return grad * self.saved
