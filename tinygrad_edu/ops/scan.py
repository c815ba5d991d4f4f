"""CumSum, CumProd and Prod: running sums and products along an axis, and the full product.

CumSum is a primitive whose backward is itself a cumsum (run backwards). Prod and CumProd are
fused: a numpy forward and a numpy backward that handles zeros without dividing by them, plus a
`composite` from multiplications (a tree of pairwise products, a chain of running products) that
the engine differentiates under create_graph.
"""

from __future__ import annotations

import numpy as np

from .. import dispatch as d
from ..function import Function
from .reduce import keepdims_shape, normalize_axis


def scan_axis(ndim: int, dim, op: str) -> int:
    """The one axis a scan runs along, made non-negative (0-d arrays accept 0 and -1)."""
    if dim is None or isinstance(dim, (tuple, list)):
        raise ValueError(f"{op}: dim must be a single int, got {dim!r}")
    axes = normalize_axis(ndim, dim, op)
    return axes[0] if axes else 0


class _Scan:
    """A running sum or product along `dim`: `scan` forward; a 0-d x is its own scan and passes
    the gradient on (saved axis None), otherwise `backward_along(grad, axis)`."""

    __slots__ = ()  # a mixin of the ops' slotted classes: no instance dict per op

    def forward(self, x, dim=0):
        if np.ndim(x) == 0:
            self.saved = None
            return np.copy(x)[()]
        self.saved = axis = scan_axis(np.ndim(x), dim, self.name)
        return type(self).scan(x, axis=axis)

    def backward(self, grad):
        return grad if self.saved is None else self.backward_along(grad, self.saved)


class CumSum(_Scan, Function):
    """y_k = sum_{j<=k} x_j along `dim`;   dL/dx_j = sum_{k>=j} dL/dy_k, the cumsum of the
    gradient run backwards (flip, cumsum, flip)."""

    saves_inputs = False
    scan = staticmethod(np.cumsum)

    def backward_along(self, grad, axis):
        return d.flip(d.cumsum(d.flip(grad, (axis,)), axis), (axis,))


def _others_product(x: np.ndarray) -> np.ndarray:
    """For each x_j along the last axis: the product of all the other elements (no division,
    so zeros are fine): exclusive running products from the left times those from the right."""
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(x, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return left * right


def _lanes(x, axes):
    """x with the `axes` moved last and flattened into one: (..., n), and the permutation used."""
    kept = [i for i in range(np.ndim(x)) if i not in axes]
    perm = kept + list(axes)
    moved = d.transpose(x, perm)
    shape = np.shape(d.data(moved))
    return d.reshape(moved, shape[: len(kept)] + (-1,)), perm


class Prod(Function):
    """y = prod_i x_i;   dy/dx_j = prod_{i != j} x_i (computed without dividing by x_j, so a
    zero factor gives the right gradient: the product of the others)."""

    def forward(self, x, axis=None, keepdims=False):
        self.saved = normalize_axis(np.ndim(x), axis, "prod")
        return np.prod(x, axis=self.saved, keepdims=keepdims)

    def backward(self, grad):
        (x,) = self.inputs()
        axes = self.saved
        if not axes:
            return grad
        lanes, perm = _lanes(x, axes)
        others = _others_product(lanes) if lanes.shape[-1] else lanes
        moved_shape = tuple(x.shape[i] for i in perm)
        g = np.reshape(grad, keepdims_shape(x.shape, axes))
        return np.transpose(others.reshape(moved_shape), np.argsort(perm)) * g

    def composite(self, x, axis=None, keepdims=False):
        """The product as a tree of pairwise multiplications (log2 n levels) of the lanes."""
        axes = normalize_axis(x.ndim, axis, "prod")
        if not axes:
            return x * 1
        lanes, _ = _lanes(x, axes)
        n = lanes.shape[-1]
        if n == 0:
            out = lanes.sum(axis=-1) * 0 + 1
        else:
            while n > 1:
                half = n // 2
                paired = lanes[..., :half] * lanes[..., half: 2 * half]
                lanes = d.concat([paired, lanes[..., 2 * half:]], -1) if n % 2 else paired
                n = lanes.shape[-1]
            out = lanes[..., 0]
        shape = keepdims_shape(x.shape, axes) if keepdims else tuple(
            s for i, s in enumerate(x.shape) if i not in axes)
        return out.reshape(shape)


class CumProd(_Scan, Function):
    """y_k = prod_{j<=k} x_j along `dim`;   dL/dx_j = sum_{k>=j} dL/dy_k prod_{i<=k, i!=j} x_i
    (= revcumsum(g y)_j / x_j when no x is 0; the zero case is computed without division)."""

    saves_output = True
    scan = staticmethod(np.cumprod)

    def backward_along(self, grad, axis):
        (x,) = self.inputs()
        y = self.output()
        xm, ym, gm = (np.moveaxis(a, axis, -1) for a in (x, y, np.broadcast_to(grad, np.shape(x))))
        if np.all(xm != 0):
            gx = np.flip(np.cumsum(np.flip(gm * ym, -1), -1), -1) / xm
        else:  # O(n^2): for each j, the running products with x_j replaced by 1
            gx = np.empty_like(xm)
            for j in range(xm.shape[-1]):
                without = xm.copy()
                without[..., j] = 1
                c = np.cumprod(without, axis=-1)
                gx[..., j] = np.sum(gm[..., j:] * c[..., j:], axis=-1)
        return np.moveaxis(gx, -1, axis)

    def composite(self, x, dim=0):
        """A chain of running products y_k = y_{k-1} * x_k, stacked along the axis."""
        if x.ndim == 0:
            return x * 1
        axis = scan_axis(x.ndim, dim, "cumprod")
        n = x.shape[axis]
        if n == 0:
            return x * 1
        pick = lambda k: x[(slice(None),) * axis + (slice(k, k + 1),)]  # noqa: E731
        pieces = [pick(0)]
        for k in range(1, n):
            pieces.append(pieces[-1] * pick(k))
        return d.concat(pieces, axis)


# --- examples for `tinygrad-edu gradcheck` -------------------------------------------------------
def _with_zeros(g, *shape):
    x = g.standard_normal(shape)
    x.reshape(-1)[:: 3] = 0.0  # zeros: the products' gradients must not divide by them
    return x


CumSum.examples = staticmethod(lambda g: [("cumsum dim=-1", lambda a: a.cumsum(-1), [g.standard_normal((3, 4))])])
Prod.examples = staticmethod(lambda g: [
    ("prod axis=1", lambda a: a.prod(axis=1), [g.standard_normal((3, 4))]),
    ("prod with zeros", lambda a: a.prod(axis=0), [_with_zeros(g, 3, 4)]),
])
CumProd.examples = staticmethod(lambda g: [
    ("cumprod dim=1", lambda a: a.cumprod(1), [g.standard_normal((3, 4))]),
    ("cumprod with zeros", lambda a: a.cumprod(0), [_with_zeros(g, 4, 3)]),
])
