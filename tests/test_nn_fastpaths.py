"""nn's speed paths give what the plain formulas give: cross-entropy on (N, C) logits indexes the
label column directly instead of take_along_axis; loss and gradient equal the textbook
-mean(log softmax(z)[y]) and (softmax(z) - onehot(y)) / N, and the (N, C, 1) path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), short=st.integers(1, 12), extra=st.integers(0, 3000),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_blocked_products_equal_the_plain_ones(rows, short, extra, dtype):
    """wide_matmul and long_dot cut the long axis into blocks (plus a remainder); the result is the
    plain product's: 1e-12 in float64, 1e-6 (relative to the terms' size) in float32."""
    from nn.functional.blocked import block_width, long_dot, wide_matmul

    rng = np.random.default_rng(rows * 7919 + short * 31 + extra)
    width = block_width(rows + short, 10**9, np.dtype(dtype).itemsize)
    t = 4 * width + extra  # long enough to be blocked, with a ragged last block when extra % width
    assert block_width(rows + short, t, np.dtype(dtype).itemsize) == width > 0
    a = rng.standard_normal((rows, short)).astype(dtype)
    b = rng.standard_normal((short, t)).astype(dtype)
    g = rng.standard_normal((rows, t)).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    exact_ab = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(wide_matmul(a, b), exact_ab, rtol=0, atol=tol * np.abs(a).sum(1).max() * 4)
    exact_gb = g.astype(np.float64) @ b.astype(np.float64).T
    scale = np.abs(g).astype(np.float64) @ np.abs(b).astype(np.float64).T  # the size of the summed terms
    got = long_dot(g, b)
    assert got.dtype == dtype
    assert np.all(np.abs(got - exact_gb) <= tol * scale)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_cnn_step_fast_paths_equal_the_composites(dtype, tol):
    """Conv2d (blocked products, batch-last layout) -> ReLU -> tiled MaxPool2d (fed a C-order
    gradient by Flatten/Linear) gives the loss and gradients of the engine-op composites."""
    from tinygrad_edu import Value as V

    rng = np.random.default_rng(3)
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 14 * 14, 10))
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    X = rng.random((32, 2, 28, 28)).astype(dtype)
    y = rng.integers(0, 10, 32)
    grads = []
    for create_graph in (False, True):
        for p in model.parameters():
            p.grad = None
        x = V(X.copy())
        loss = nn.cross_entropy(model(x), y)
        loss.backward(create_graph=create_graph)
        grads.append([float(loss.data), *[np.asarray(getattr(g, "data", g), np.float64)
                                          for g in [x.grad, *(p.grad for p in model.parameters())]]])
    fast, comp = grads
    assert fast[0] == pytest.approx(comp[0], rel=tol)
    for f, c in zip(fast[1:], comp[1:]):
        np.testing.assert_allclose(f, c, rtol=0, atol=tol * max(np.abs(c).max(), 1e-30) * 10)


def test_relu_reuses_read_only_zeros_laid_out_as_its_input(monkeypatch):
    from tinygrad_edu.ops import unary

    monkeypatch.setattr(unary, "_ZEROS", {})
    monkeypatch.setattr(unary, "ZEROS_CACHE_BYTES", 4 << 20)  # 4 MiB: room for x's zeros (124 KiB)

    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 9, 9, 64)).astype(np.float32)
    base[0, 0, 0, :3] = [-np.inf, np.inf, -0.0]
    x = base.transpose(3, 0, 1, 2)  # batch-last memory, as a conv's output
    for _ in range(2):  # the second call takes the kept zeros
        v = Value(x)
        y = v.relu()
        y.sum().backward()
        np.testing.assert_array_equal(y.data, np.where(x > 0, x, 0))
        assert not np.isnan(y.data).any()
        np.testing.assert_array_equal(v.grad, (x > 0).astype(np.float32))
    z = unary.zeros_as(x)
    assert z is unary.zeros_as(x) and z.strides == x.strides and not z.any()
    with pytest.raises(ValueError):  # nobody can write into the shared zeros
        z[0, 0, 0, 0] = 1.0
    assert z is not unary.zeros_as(np.ascontiguousarray(x))  # another layout, other zeros
    big = np.ones(unary.ZEROS_CACHE_BYTES // 4 + 1, np.float32)
    assert not unary.zeros_as(big).any()
    assert unary.zeros_as(x) is z  # a too large array is not kept, and pushes nothing out
    for n in range(1, 6):  # shapes past the budget push out the oldest
        unary.zeros_as(np.ones((n, unary.ZEROS_CACHE_BYTES // 16), np.float32))
    assert sum(a.nbytes for a in unary._ZEROS.values()) <= unary.ZEROS_CACHE_BYTES
    assert unary.zeros_as(x) is not z
