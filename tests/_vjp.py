"""Vector-Jacobian products of ours and of HIPS autograd (the independent oracle) for one random upstream."""

from __future__ import annotations

import numpy as np
from autograd import grad as agrad
from autograd import numpy as anp

from tinygrad_edu import Value


def grads_of(fn, *arrays):
    """Our gradients of sum(fn(*Values) * u) for a fixed random u, and the output."""
    vals = [Value(a) for a in arrays]
    out = fn(*vals)
    u = np.random.default_rng(7).normal(size=out.shape)
    (out * u).sum().backward()
    return out.data, [v.grad for v in vals], u


def autograd_grads(fn, u, *arrays):
    """HIPS autograd's gradients of sum(fn(*arrays) * u), one per input."""
    return [agrad(lambda *a, i=i: anp.sum(fn(*a) * u), i)(*arrays) for i in range(len(arrays))]
