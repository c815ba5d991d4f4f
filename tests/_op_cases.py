"""Op cases shared by the higher-order tests and scripts/higher_order_agreement.py: each has our
function, HIPS autograd's and (when torch is installed) torch's form of the same math, and
an input maker. The references are written independently of our engine."""

from __future__ import annotations

import autograd.numpy as anp
import autograd.scipy.special as asp
import numpy as np

import nn.functional as F
from tinygrad_edu import Value, concat, maximum, minimum, stack, where


def _pos(rng, shape):
    return rng.uniform(0.4, 2.0, shape)


def _any(rng, shape):
    return rng.standard_normal(shape)


_LAB = np.array([0, 2, 1, 2])
_IDX = np.array([1, 1, 3, 0])
_MASK = np.array([[True, False, True], [False, True, True]])


def _ce_ref(z, xp):
    if xp is anp:
        lse = asp.logsumexp(z, axis=1, keepdims=True)
        return -anp.mean((z - lse)[np.arange(4), _LAB])
    return xp.nn.functional.cross_entropy(z, xp.as_tensor(_LAB))


def _bn_ref(x, g, b, xp):
    mean = x.mean(0, keepdims=True) if xp is anp else x.mean(0, keepdim=True)
    c = x - mean
    var = (c * c).mean(0, keepdims=True) if xp is anp else (c * c).mean(0, keepdim=True)
    return c / (var + 1e-5) ** 0.5 * g + b


# name, ours, autograd form, torch form (torch module passed as `t`; None: no torch form), inputs
CASES = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, lambda t, a, b: a + b, [((2, 3), _any), ((3,), _any)]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, lambda t, a, b: a - b, [((2, 1), _any), ((2, 3), _any)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, lambda t, a, b: a * b, [((2, 3), _any), ((1, 3), _any)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, lambda t, a, b: a / b, [((2, 3), _any), ((2, 3), _pos)]),
    ("pow", lambda a, b: a**b, lambda a, b: a**b, lambda t, a, b: a**b, [((2, 3), _pos), ((2, 3), _any)]),
    ("pow const", lambda a: a**3, lambda a: a**3, lambda t, a: a**3, [((2, 3), _any)]),
    ("matmul 2d", lambda a, b: a @ b, lambda a, b: a @ b, lambda t, a, b: a @ b, [((2, 3), _any), ((3, 4), _any)]),
    ("matmul batched 1d", lambda a, b: a @ b, lambda a, b: anp.matmul(a, b), lambda t, a, b: a @ b,
     [((2, 2, 3), _any), ((3,), _any)]),
    ("matmul 1d 2d", lambda a, b: a @ b, lambda a, b: anp.matmul(a, b), lambda t, a, b: a @ b,
     [((3,), _any), ((3, 2), _any)]),
    ("exp", lambda a: a.exp(), anp.exp, lambda t, a: a.exp(), [((2, 3), _any)]),
    ("log", lambda a: a.log(), anp.log, lambda t, a: a.log(), [((2, 3), _pos)]),
    ("sqrt", lambda a: a.sqrt(), anp.sqrt, lambda t, a: a.sqrt(), [((2, 3), _pos)]),
    ("abs", lambda a: a.abs(), anp.abs, lambda t, a: a.abs(), [((2, 3), _any)]),
    ("sin", lambda a: a.sin(), anp.sin, lambda t, a: a.sin(), [((2, 3), _any)]),
    ("cos", lambda a: a.cos(), anp.cos, lambda t, a: a.cos(), [((2, 3), _any)]),
    ("tanh", lambda a: a.tanh(), anp.tanh, lambda t, a: a.tanh(), [((2, 3), _any)]),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + anp.exp(-a)), lambda t, a: a.sigmoid(), [((2, 3), _any)]),
    ("relu", lambda a: a.relu(), lambda a: anp.where(a > 0, a, 0.0), lambda t, a: a.relu(), [((2, 3), _any)]),
    ("leaky_relu", lambda a: a.leaky_relu(0.1), lambda a: anp.where(a > 0, a, 0.1 * a),
     lambda t, a: t.nn.functional.leaky_relu(a, 0.1), [((2, 3), _any)]),
    ("elu", lambda a: a.elu(1.5), lambda a: anp.where(a > 0, a, 1.5 * (anp.exp(anp.minimum(a, 0)) - 1)),
     lambda t, a: t.nn.functional.elu(a, 1.5), [((2, 3), _any)]),
    ("softplus", lambda a: a.softplus(), lambda a: anp.logaddexp(0.0, a), lambda t, a: t.nn.functional.softplus(a),
     [((2, 3), _any)]),
    ("gelu", lambda a: a.gelu(), lambda a: 0.5 * a * (1 + asp.erf(a / np.sqrt(2))),
     lambda t, a: t.nn.functional.gelu(a), [((2, 3), _any)]),
    ("clip", lambda a: a.clip(-0.5, 0.7), lambda a: anp.clip(a, -0.5, 0.7), lambda t, a: a.clamp(-0.5, 0.7),
     [((2, 3), _any)]),
    ("maximum", maximum, anp.maximum, lambda t, a, b: t.maximum(a, b), [((2, 3), _any), ((2, 3), _any)]),
    ("minimum", minimum, anp.minimum, lambda t, a, b: t.minimum(a, b), [((2, 3), _any), ((3,), _any)]),
    ("where", lambda a, b: where(_MASK, a, b), lambda a, b: anp.where(_MASK, a, b),
     lambda t, a, b: t.where(t.as_tensor(_MASK), a, b), [((2, 3), _any), ((2, 3), _any)]),
    ("sum axis", lambda a: (a * a).sum(axis=1), lambda a: anp.sum(a * a, axis=1), lambda t, a: (a * a).sum(1),
     [((2, 3), _any)]),
    ("mean keepdims", lambda a: (a**3).mean(axis=0, keepdims=True), lambda a: anp.mean(a**3, axis=0, keepdims=True),
     lambda t, a: (a**3).mean(0, keepdim=True), [((2, 3), _any)]),
    ("max axis", lambda a: (a * a).max(axis=-1), lambda a: anp.max(a * a, axis=-1), lambda t, a: (a * a).amax(-1),
     [((2, 3), _any)]),
    ("min all", lambda a: (a**3).min(), lambda a: anp.min(a**3), lambda t, a: (a**3).min(), [((2, 3), _any)]),
    ("var", lambda a: a.var(axis=1), lambda a: anp.var(a, axis=1), lambda t, a: a.var(1, correction=0),
     [((2, 3), _any)]),
    ("logsumexp", lambda a: a.logsumexp(axis=1), lambda a: asp.logsumexp(a, axis=1), lambda t, a: a.logsumexp(1),
     [((2, 3), _any)]),
    ("softmax", lambda a: a.softmax(axis=-1), lambda a: anp.exp(a - asp.logsumexp(a, axis=-1, keepdims=True)),
     lambda t, a: a.softmax(-1), [((2, 3), _any)]),
    ("log_softmax", lambda a: a.log_softmax(axis=0), lambda a: a - asp.logsumexp(a, axis=0, keepdims=True),
     lambda t, a: a.log_softmax(0), [((2, 3), _any)]),
    ("reshape transpose", lambda a: (a.reshape(3, 2).transpose(-1, 0) ** 2), lambda a: anp.transpose(
        anp.reshape(a, (3, 2)), (1, 0)) ** 2, lambda t, a: a.reshape(3, 2).permute(1, 0) ** 2, [((2, 3), _any)]),
    ("getitem basic", lambda a: a[1:, ::2] ** 3, lambda a: a[1:, ::2] ** 3, lambda t, a: a[1:, ::2] ** 3,
     [((3, 4), _any)]),
    ("getitem repeats", lambda a: a[_IDX] ** 3, lambda a: a[_IDX] ** 3, lambda t, a: a[t.as_tensor(_IDX)] ** 3,
     [((5, 2), _any)]),
    ("concat", lambda a, b: concat([a * a, b], axis=1) ** 2, lambda a, b: anp.concatenate([a * a, b], axis=1) ** 2,
     lambda t, a, b: t.cat([a * a, b], 1) ** 2, [((2, 3), _any), ((2, 2), _any)]),
    ("stack", lambda a, b: stack([a, b * a], axis=0) ** 2, lambda a, b: anp.stack([a, b * a], axis=0) ** 2,
     lambda t, a, b: t.stack([a, b * a], 0) ** 2, [((2, 3), _any), ((2, 3), _any)]),
    ("linear", lambda x, w, b: F.linear(x, w, b).tanh(), lambda x, w, b: anp.tanh(x @ w.T + b),
     lambda t, x, w, b: t.nn.functional.linear(x, w, b).tanh(), [((4, 3), _any), ((2, 3), _any), ((2,), _any)]),
    ("cross_entropy", lambda z: F.CrossEntropyFn.apply(z, labels=_LAB), lambda z: _ce_ref(z, anp),
     lambda t, z: _ce_ref(z, t), [((4, 3), _any)]),
    ("bce_with_logits", lambda x, y: F.BCEWithLogitsFn.apply(x, y),
     lambda x, y: anp.mean(anp.maximum(x, 0) - x * y + anp.log1p(anp.exp(-anp.abs(x)))),
     lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y), [((5,), _any), ((5,), _pos)]),
    ("binary_cross_entropy", lambda p: F.BCEFn.apply(p, np.array([0.0, 1.0, 1.0, 0.3])),
     lambda p: -anp.mean(np.array([0.0, 1.0, 1.0, 0.3]) * anp.log(p)
                         + (1 - np.array([0.0, 1.0, 1.0, 0.3])) * anp.log(1 - p)),
     lambda t, p: t.nn.functional.binary_cross_entropy(p, t.as_tensor([0.0, 1.0, 1.0, 0.3], dtype=t.float64)),
     [((4,), lambda rng, s: rng.uniform(0.1, 0.9, s))]),
    ("batchnorm", lambda x, g, b: F.BatchNormFn.apply(x, g, b, axes=(0,)).tanh(),
     lambda x, g, b: anp.tanh(_bn_ref(x, g, b, anp)), lambda t, x, g, b: _bn_ref(x, g, b, t).tanh(),
     [((5, 3), _any), ((3,), _any), ((3,), _any)]),
    ("embedding", lambda w: F.embedding(_IDX, w) ** 2, lambda w: w[_IDX] ** 2,
     lambda t, w: t.nn.functional.embedding(t.as_tensor(_IDX), w) ** 2, [((5, 3), _any)]),
]


def make_inputs(case, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [maker(rng, shape) for shape, maker in case[4]]


def ours_derivatives(fn, arrays, projections, order: int) -> list[list[np.ndarray]]:
    """[order 1 grads, order 2, ...] of the projected chain s_1 = sum(u * f), s_k = sum_i <g_i, v_i>."""
    from tinygrad_edu import grad

    xs = [Value(a) for a in arrays]
    out = (fn(*xs) * projections[0]).sum()
    result = []
    for k in range(order):
        if not out.requires_grad:  # the previous derivative was constant: all later ones are 0
            result += [[np.zeros(a.shape) for a in arrays] for _ in range(order - k)]
            break
        gs = grad(out, xs, create_graph=k + 1 < order, allow_unused=True)
        result.append([np.asarray(g.data, dtype=np.float64) for g in gs])
        if k + 1 < order:
            out = None
            for g, v in zip(gs, projections[k + 1]):
                term = (g * v).sum()
                out = term if out is None else out + term
    return result


def autograd_derivatives(ref, arrays, projections, order: int) -> list[list[np.ndarray]]:
    import autograd

    def level(k):
        if k == 0:
            return lambda *a: anp.sum(ref(*a) * projections[0])
        prev = level(k - 1)
        grads = [autograd.grad(prev, i) for i in range(len(arrays))]
        return lambda *a: sum(anp.sum(g(*a) * v) for g, v in zip(grads, projections[k]))

    return [[np.asarray(autograd.grad(level(k), i)(*arrays), dtype=np.float64) for i in range(len(arrays))]
            for k in range(order)]


def torch_derivatives(tref, arrays, projections, order: int) -> list[list[np.ndarray]]:
    import torch

    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = (tref(torch, *xs) * torch.as_tensor(projections[0])).sum()
    result = []
    for k in range(order):
        gs = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
        gs = [torch.zeros_like(x) if g is None else g for g, x in zip(gs, xs)]
        result.append([g.detach().numpy(force=True).astype(np.float64) for g in gs])
        out = sum((g * torch.as_tensor(v)).sum() for g, v in zip(gs, projections[k + 1])) if k + 1 < order else None
        if out is not None and not out.requires_grad:
            result += [[np.zeros(a.shape) for a in arrays] for _ in range(order - k - 1)]
            break
    return result


def projections(case, arrays, order: int, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    with_out = case[1](*[Value(a) for a in arrays])
    return [rng.standard_normal(with_out.shape)] + [[rng.standard_normal(a.shape) for a in arrays]
                                                     for _ in range(order - 1)]
