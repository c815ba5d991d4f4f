"""The optimizers' fast path (a group's parameters as one flat vector, work arrays, `out=`;
optim/_flat.py) against the plain formulas of their docstrings, written per parameter with fresh
arrays: same parameters after 25 steps to 1e-12 in float64 and 1e-6 in float32, every option;
buckets split by dtype and step count, stale buckets rebuilt; no array allocated after the
first step."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from optim import SGD, Adagrad, Adam, AdamW, RMSprop
from tinygrad_edu import Value

STEPS = 25


def plain_sgd(p, g, st, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    if momentum:
        st["b"] = g.copy() if t == 1 else momentum * st["b"] + (1 - dampening) * g
        g = g + momentum * st["b"] if nesterov else st["b"]
    return p - lr * g


def plain_adagrad(p, g, st, t, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                  maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    st["s"] = st.get("s", np.full_like(p, initial_accumulator_value)) + g * g
    return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(st["s"]) + eps)


def plain_rmsprop(p, g, st, t, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                  maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    st["sq"] = alpha * st.get("sq", np.zeros_like(p)) + (1 - alpha) * g * g
    if centered:
        st["ga"] = alpha * st.get("ga", np.zeros_like(p)) + (1 - alpha) * g
        avg = np.sqrt(st["sq"] - st["ga"] ** 2) + eps
    else:
        avg = np.sqrt(st["sq"]) + eps
    if momentum:
        st["b"] = momentum * st.get("b", np.zeros_like(p)) + g / avg
        return p - lr * st["b"]
    return p - lr * g / avg


def plain_adam(p, g, st, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
               decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    st["m"] = b1 * st.get("m", np.zeros_like(p)) + (1 - b1) * g
    st["v"] = b2 * st.get("v", np.zeros_like(p)) + (1 - b2) * g * g
    v = st["v"]
    if amsgrad:
        v = st["vmax"] = np.maximum(st.get("vmax", np.zeros_like(p)), v)
    m_hat, v_hat = st["m"] / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


CASES = {
    "sgd": (SGD, plain_sgd, dict(lr=0.05)),
    "sgd-momentum": (SGD, plain_sgd, dict(lr=0.05, momentum=0.9)),
    "sgd-nesterov-wd": (SGD, plain_sgd, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "sgd-damp-max": (SGD, plain_sgd, dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    "sgd-max-wd": (SGD, plain_sgd, dict(lr=0.05, weight_decay=0.1, maximize=True)),
    "adagrad": (Adagrad, plain_adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    "adagrad-wd-max": (Adagrad, plain_adagrad, dict(lr=0.1, weight_decay=0.05, maximize=True)),
    "rmsprop": (RMSprop, plain_rmsprop, dict(lr=0.01)),
    "rmsprop-centered-mom-wd": (RMSprop, plain_rmsprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    "adam": (Adam, plain_adam, dict(lr=0.01)),
    "adam-ams-wd-max": (Adam, plain_adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01, maximize=True)),
    "adamw": (AdamW, lambda *a, **k: plain_adam(*a, decoupled=True, **k), dict(lr=0.01, weight_decay=0.1)),
}
SHAPES = [(6, 5), (7,), ()]


def _grads(dtype):
    rng = np.random.default_rng(1)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-12), (np.float32, 1e-6)], ids=["float64", "float32"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_in_place_step_equals_plain_formula(case, dtype, rtol):
    cls, plain, kwargs = CASES[case]
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    params = [Value(np.array(a)) for a in start]
    opt = cls(params, **kwargs)
    ref = [a.astype(np.float64) if dtype == np.float64 else a.copy() for a in start]
    states = [{} for _ in SHAPES]
    for t, grads in enumerate(_grads(dtype), start=1):
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        ref = [np.asarray(plain(r, g, st, t, **kwargs), dtype=dtype) for r, g, st in zip(ref, grads, states)]
    for p, r in zip(params, ref):
        assert np.asarray(p.data).dtype == dtype
        np.testing.assert_allclose(np.asarray(p.data), r, rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("case", ["sgd-nesterov-wd", "adagrad", "rmsprop-centered-mom-wd", "adam-ams-wd-max"])
def test_step_allocates_no_array_after_the_first(case):
    cls, _, kwargs = CASES[case]
    W = Value(np.random.default_rng(0).standard_normal((256, 256)))  # 512 KiB
    opt = cls([W], **kwargs)
    W.grad = np.ones((256, 256))
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < W.data.nbytes / 8, f"{case}: a step allocated {peak} bytes"


@pytest.mark.parametrize("case", ["sgd-momentum", "adagrad", "rmsprop-centered-mom-wd", "adam-ams-wd-max"])
def test_mixed_dtypes_frozen_steps_and_reloaded_state_follow_the_plain_formula(case):
    """Parameters of two dtypes, one frozen for some steps (its step count falls behind), and the
    state reloaded into the optimizer halfway: every parameter still follows its own plain
    trajectory, and opt.state[p] shows the live buffers."""
    cls, plain, kwargs = CASES[case]
    rng = np.random.default_rng(0)
    dtypes = [np.float64, np.float32, np.float64, np.float32]
    shapes = [(3, 4), (5,), (), (2, 2)]
    start = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    params = [Value(np.array(a)) for a in start]
    opt = cls(params, **kwargs)
    ref, states, t = [a.copy() for a in start], [{} for _ in shapes], [0] * len(shapes)
    for step in range(12):
        frozen = 2 if 3 <= step < 6 else None
        for i, p in enumerate(params):
            p.requires_grad = i != frozen
            p.grad = rng.standard_normal(shapes[i]).astype(dtypes[i])
        if step == 8:
            opt.load_state_dict(opt.state_dict())
        opt.step()
        for i, p in enumerate(params):
            if i != frozen:
                t[i] += 1
                ref[i] = np.asarray(plain(ref[i], np.asarray(p.grad), states[i], t[i], **kwargs), dtype=dtypes[i])
    for p, r, d in zip(params, ref, dtypes):
        assert np.asarray(p.data).dtype == d
        np.testing.assert_allclose(np.asarray(p.data), r, rtol=1e-6 if d == np.float32 else 1e-12, atol=1e-9)
    if cls is Adam:
        for p, st in zip(params, states):
            np.testing.assert_allclose(opt.state[p]["exp_avg"], st["m"], rtol=1e-6)
