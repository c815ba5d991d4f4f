"""Compare an op's forward, first and second derivatives with torch's (skipped without torch).

`against_torch(ours, ref, arrays)` runs `ours` on float64 Values and `ref` on float64 torch
tensors made from the same arrays, then compares: the outputs; the vector-Jacobian products
for a random upstream u (first order); and the gradients of sum_i <vjp_i, v_i> for random v_i
(second order: Hessian-vector products), computed with create_graph in both engines.
The largest differences seen are kept per family in ERRORS (for the closing figures).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value

ERRORS: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])


def _err(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    both = (np.isnan(a) & np.isnan(b)) | (a == b)  # equal infinities too
    diff = np.where(both, 0.0, np.abs(a - b) / np.maximum(1.0, np.abs(b)))
    return float(np.max(diff))


def against_torch(ours, ref, arrays, *, family="elementwise", rtol=1e-7, atol=1e-9, second=True, seed=0,
                  grad_inputs=None):
    """Check forward, first and second derivatives of `ours` against torch's `ref`.

    `arrays` are float arrays (differentiated) or integer arrays (passed through to both as
    numpy / int64 tensors). `grad_inputs` restricts which float inputs are differentiated."""
    torch = pytest.importorskip("torch")
    floats = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    wanted = floats if grad_inputs is None else [i for i in floats if i in grad_inputs]
    vals, tins = [], []
    for i, a in enumerate(arrays):
        if i in floats:
            vals.append(Value(np.array(a, dtype=np.float64), requires_grad=i in wanted))
            tins.append(torch.tensor(np.array(a, dtype=np.float64), requires_grad=i in wanted))
        else:
            vals.append(np.asarray(a))
            tins.append(torch.tensor(np.asarray(a), dtype=torch.int64))
    out = ours(*vals)
    tout = ref(*tins)
    t_np = tout.detach().numpy(force=True)
    assert out.shape == t_np.shape, (out.shape, t_np.shape)
    np.testing.assert_allclose(np.asarray(out.data, dtype=np.float64), t_np, rtol=rtol, atol=atol)
    errs = ERRORS[family]
    errs[0] = max(errs[0], _err(out.data, t_np))
    if not wanted or out.size == 0 or not out.requires_grad:
        return
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(out.shape)
    xs = [vals[i] for i in wanted]
    txs = [tins[i] for i in wanted]
    gs = tg.grad(out, xs, grad_outputs=u, create_graph=second, allow_unused=True)
    tgs = torch.autograd.grad(tout, txs, grad_outputs=torch.tensor(u), create_graph=second, allow_unused=True)
    for k, (g, tgk) in enumerate(zip(gs, tgs)):
        ref_g = np.zeros(xs[k].shape) if tgk is None else tgk.detach().numpy(force=True)
        np.testing.assert_allclose(g.data, ref_g, rtol=rtol, atol=atol, err_msg=f"first derivative, input {k}")
        errs[1] = max(errs[1], _err(g.data, ref_g))
    if not second:
        return
    vs = [rng.standard_normal(x.shape) for x in xs]
    total, ttotal = None, None
    for g, tgk, v in zip(gs, tgs, vs):
        term = (g * v).sum()
        total = term if total is None else total + term
        if tgk is not None and tgk.requires_grad:
            tterm = (tgk * torch.tensor(v)).sum()
            ttotal = tterm if ttotal is None else ttotal + tterm
    hv = tg.grad(total, xs, allow_unused=True) if total.requires_grad else [np.zeros(x.shape) for x in xs]
    if ttotal is None:
        thv = [None] * len(xs)
    else:
        thv = torch.autograd.grad(ttotal, txs, allow_unused=True)
    for k, (h, th) in enumerate(zip(hv, thv)):
        ref_h = np.zeros(xs[k].shape) if th is None else th.detach().numpy(force=True)
        got = h.data if isinstance(h, Value) else h
        np.testing.assert_allclose(got, ref_h, rtol=rtol, atol=atol, err_msg=f"second derivative, input {k}")
        errs[2] = max(errs[2], _err(got, ref_h))


def against_autograd(ours, ref, arrays, *, family="elementwise", rtol=1e-9, atol=1e-12, seed=0):
    """The same three checks against HIPS autograd (`ref` written with autograd.numpy): forward,
    vjp for a random u, and the gradient of sum_i <vjp_i, v_i> (autograd differentiated twice)."""
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    vals = [Value(np.array(a, dtype=np.float64)) for a in arrays]
    out = ours(*vals)
    expected = ref(*arrays)
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol)
    errs = ERRORS["autograd " + family]
    errs[0] = max(errs[0], _err(out.data, expected))
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(np.shape(expected))
    vs = [rng.standard_normal(np.shape(a)) for a in arrays]
    gs = tg.grad(out, vals, grad_outputs=u, create_graph=True, allow_unused=True)

    def vjp(i):
        return autograd.grad(lambda *a: anp.sum(ref(*a) * u), i)

    for i, g in enumerate(gs):
        g_ref = vjp(i)(*arrays)
        np.testing.assert_allclose(g.data, g_ref, rtol=rtol, atol=atol, err_msg=f"first derivative, input {i}")
        errs[1] = max(errs[1], _err(g.data, g_ref))
    total = None
    for g, v in zip(gs, vs):
        term = (g * v).sum()
        total = term if total is None else total + term
    hv = tg.grad(total, vals, allow_unused=True) if total.requires_grad else [np.zeros(np.shape(a)) for a in arrays]

    def s(*a):
        return sum(anp.sum(vjp(i)(*a) * vs[i]) for i in range(len(a)))

    for i, h in enumerate(hv):
        h_ref = autograd.grad(s, i)(*arrays)
        got = h.data if isinstance(h, Value) else h
        np.testing.assert_allclose(got, h_ref, rtol=rtol, atol=atol, err_msg=f"second derivative, input {i}")
        errs[2] = max(errs[2], _err(got, h_ref))


def report() -> str:
    rows = [f"{'family':<14} {'forward':>10} {'1st order':>10} {'2nd order':>10}"]
    for fam, (f, g1, g2) in sorted(ERRORS.items()):
        rows.append(f"{fam:<14} {f:>10.1e} {g1:>10.1e} {g2:>10.1e}")
    return "\n".join(rows)
