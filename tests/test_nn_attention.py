"""scaled_dot_product_attention against torch (forward, first and second derivatives of query,
key and value), with boolean and float masks, causality, broadcast batch/head dims, large
logits, fully masked rows; gradcheck / gradgradcheck; dropout; errors."""

from __future__ import annotations

import numpy as np
import pytest
from _torch_compare import against_torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from nn.functional import scaled_dot_product_attention as sdpa
from tinygrad_edu import Value, gradcheck, gradgradcheck

try:
    import torch
    import torch.nn.functional as TF
    from torch.nn.attention import SDPBackend, sdpa_kernel
except ImportError:
    torch = TF = None


def torch_sdpa(*args, **kwargs):
    """torch's reference kernel (the math one: the fused CPU kernels have no second derivative)."""
    with sdpa_kernel(SDPBackend.MATH):
        return TF.scaled_dot_product_attention(*args, **kwargs)


@st.composite
def problem(draw_):
    lead = tuple(draw_(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    n_q, n_k, e, ev = (draw_(st.integers(1, 4)) for _ in range(4))
    return lead, n_q, n_k, e, ev


@settings(max_examples=15, deadline=None)
@given(p=problem(), seed=st.integers(0, 2**31 - 1), mask=st.sampled_from(["none", "bool", "float", "causal"]),
       scale=st.sampled_from([None, 0.3]))
def test_against_torch(p, seed, mask, scale):
    lead, n_q, n_k, e, ev = p
    rng = np.random.default_rng(seed)
    q, k, v = rng.normal(size=lead + (n_q, e)), rng.normal(size=lead + (n_k, e)), rng.normal(size=lead + (n_k, ev))
    m, tm, causal = None, None, mask == "causal"
    if mask == "bool":
        m = rng.random((n_q, n_k)) < 0.7
        m[:, 0] = True  # every query sees a key (fully masked rows: below)
        tm = torch.tensor(m) if torch is not None else None
    elif mask == "float":
        m = rng.normal(size=(n_q, n_k))
        tm = torch.tensor(m) if torch is not None else None
    against_torch(lambda a, b, c: sdpa(a, b, c, attn_mask=m, is_causal=causal, scale=scale),
                  lambda a, b, c: torch_sdpa(a, b, c, attn_mask=tm, is_causal=causal,
                                                                  scale=scale),
                  [q, k, v], family="attention", rtol=1e-6, atol=1e-9)


def test_large_logits_are_stable():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4)) * 300, rng.normal(size=(2, 5, 4)) * 300, rng.normal(size=(2, 5, 2))
    out = sdpa(Value(q), Value(k), Value(v))
    assert np.all(np.isfinite(out.data))
    against_torch(lambda a, b, c: sdpa(a, b, c), lambda a, b, c: torch_sdpa(a, b, c), [q, k, v],
                  family="attention", rtol=1e-6, atol=1e-8, second=False)


def test_fully_masked_rows_give_zeros_without_nan():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    m = np.ones((3, 5), dtype=bool)
    m[1] = False
    qv, kv, vv = Value(q), Value(k), Value(v)
    out = sdpa(qv, kv, vv, attn_mask=m)
    np.testing.assert_array_equal(out.data[1], 0.0)
    out.backward(np.ones(out.shape))
    assert all(np.all(np.isfinite(x.grad)) for x in (qv, kv, vv))
    if torch is not None:
        against_torch(lambda a, b, c: sdpa(a, b, c, attn_mask=m),
                      lambda a, b, c: torch_sdpa(a, b, c, attn_mask=torch.tensor(m)),
                      [q, k, v], family="attention", rtol=1e-6, atol=1e-9)


def test_causal_matches_explicit_lower_triangle_and_grouped_heads():
    rng = np.random.default_rng(2)
    q, k, v = rng.normal(size=(1, 4, 3, 2)), rng.normal(size=(1, 2, 3, 2)), rng.normal(size=(1, 2, 3, 2))
    a = sdpa(q, np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1), is_causal=True)
    b = sdpa(q, k, v, attn_mask=np.tril(np.ones((3, 3), dtype=bool)), enable_gqa=True)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)
    if torch is not None:
        ref = torch_sdpa(torch.tensor(q), torch.tensor(k), torch.tensor(v), is_causal=True,
                                              enable_gqa=True)
        np.testing.assert_allclose(b.data, ref.numpy(), rtol=1e-10)


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3))
    m = rng.normal(size=(3, 4))
    for fn in (lambda a, b, c: sdpa(a, b, c, is_causal=True), lambda a, b, c: sdpa(a, b, c, attn_mask=m)):
        assert gradcheck(fn, q, k, v)
        assert gradgradcheck(fn, q, k, v)


def test_dropout_is_seeded_and_scaled():
    rng = np.random.default_rng(4)
    q, k, v = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), np.ones((4, 1))
    tg.manual_seed(0)
    a = sdpa(q, k, v, dropout_p=0.5).data
    tg.manual_seed(0)
    b = sdpa(q, k, v, dropout_p=0.5).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, 1.0)  # with v = 1 the output is the kept weights' sum: not 1 any more
    assert np.isclose(np.mean([sdpa(q, k, v, dropout_p=0.5).data.mean() for _ in range(300)]), 1.0, atol=0.05)


@pytest.mark.parametrize("call,message", [
    (lambda: sdpa(np.ones((3, 4)), np.ones((5, 3)), np.ones((5, 2))), r"E and S must agree"),
    (lambda: sdpa(np.ones(4), np.ones((5, 4)), np.ones((5, 2))), r"query, key and value need at least 2 dimensions"),
    (lambda: sdpa(np.ones((3, 4)), np.ones((5, 4)), np.ones((5, 2)), attn_mask=np.ones((2, 5), bool)),
     r"attn_mask of shape \(2, 5\) does not broadcast to the scores' shape \(3, 5\)"),
    (lambda: sdpa(np.ones((3, 4)), np.ones((5, 4)), np.ones((5, 2)), attn_mask=np.ones((3, 5), bool),
                  is_causal=True), r"give attn_mask or is_causal=True, not both"),
    (lambda: sdpa(np.ones((3, 4)), np.ones((5, 4)), np.ones((5, 2)), dropout_p=1.0), r"dropout_p must be in"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match="scaled_dot_product_attention: .*" + message):
        call()
