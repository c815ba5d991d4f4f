"""nn's speed paths give what the plain formulas give: cross-entropy on (N, C) logits indexes the
label column directly instead of take_along_axis; loss and gradient equal the textbook
-mean(log softmax(z)[y]) and (softmax(z) - onehot(y)) / N, and the (N, C, 1) path."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Value


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_cross_entropy_2d_equals_the_plain_formula_and_the_nd_path(dtype, tol):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((37, 10)) * 3).astype(dtype)
    y = rng.integers(0, 10, 37)
    v = Value(z.copy())
    loss = nn.cross_entropy(v, y)
    loss.backward()
    z64 = z.astype(np.float64)
    logp = z64 - z64.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    onehot = np.eye(10)[y]
    np.testing.assert_allclose(float(loss.data), -(logp * onehot).sum() / 37, rtol=tol)
    np.testing.assert_allclose(v.grad, (np.exp(logp) - onehot) / 37, rtol=tol, atol=tol * 1e-2)
    w = Value(z.copy()[:, :, None])  # (N, C, 1): the general path
    loss3 = nn.cross_entropy(w, y[:, None])
    loss3.backward()
    np.testing.assert_allclose(float(loss3.data), float(loss.data), rtol=tol)
    np.testing.assert_allclose(w.grad[:, :, 0], v.grad, rtol=tol, atol=tol * 1e-2)
