"""Classic 2-D test functions for watching optimizers move.

Each takes one Value `v` of shape (2,) and returns a scalar Value built from Value ops, so the
gradient comes from autodiff::

    v = Value(rosenbrock.start.copy())
    opt = Adam([v], lr=0.01)
    for _ in range(1000):
        opt.zero_grad(); rosenbrock(v).backward(); opt.step()

Each has `minimum` (the argmin, a numpy array) and `start` (a standard starting point).
They use only indexing and arithmetic, so a plain numpy array works too, including a stacked
grid `np.stack([X, Y])` for contour plots.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def rosenbrock(v: Any) -> Any:
    """Rosenbrock's banana valley: f(x, y) = (1 - x)**2 + 100 * (y - x**2)**2.

    Minimum f = 0 at (1, 1), at the end of a long, curved, flat-bottomed valley: finding the
    valley is easy, following it is slow.
    """
    x, y = v[0], v[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


rosenbrock.minimum = np.array([1.0, 1.0])
rosenbrock.start = np.array([-1.5, 2.0])


def beale(v: Any) -> Any:
    """Beale's function: (1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2.

    Minimum f = 0 at (3, 0.5), with sharp ridges in the corners of the usual [-4.5, 4.5] box.
    """
    x, y = v[0], v[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


beale.minimum = np.array([3.0, 0.5])
beale.start = np.array([1.0, 1.5])


def saddle(v: Any) -> Any:
    """A saddle with a floor: f(x, y) = x**2 + y**4 / 4 - y**2 / 2.

    The origin is a saddle point (a minimum along x, a maximum along y, gradient zero there), the
    shape x**2 - y**2 that stalls plain gradient descent. Unlike x**2 - y**2 it is bounded below:
    the quartic term makes two minima, f = -1/4 at (0, 1) and (0, -1). `minimum` is (0, 1), the one
    reached from `start`, which sits just off the saddle's ridge (y slightly > 0) so an optimizer
    must escape the plateau first. `saddle_point` is (0, 0).
    """
    x, y = v[0], v[1]
    return x**2 + y**4 / 4 - y**2 / 2


saddle.minimum = np.array([0.0, 1.0])
saddle.start = np.array([-1.5, 1e-2])
saddle.saddle_point = np.array([0.0, 0.0])


def quadratic(v: Any) -> Any:
    """An elongated bowl: f(x, y) = (x - 1)**2 + 10 * (y + 2)**2.

    Convex, minimum f = 0 at (1, -2); curvature 10 times larger along y than x (condition
    number 10), so plain gradient descent zig-zags across the valley while momentum and adaptive
    methods go straight.
    """
    x, y = v[0], v[1]
    return (x - 1) ** 2 + 10 * (y + 2) ** 2


quadratic.minimum = np.array([1.0, -2.0])
quadratic.start = np.array([-3.0, 1.0])

__all__ = ["rosenbrock", "beale", "saddle", "quadratic"]
