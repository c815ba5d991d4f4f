"""Lesson 7, optimizers: one step of SGD with momentum, RMSprop and Adam, compared with `optim`'s."""

from __future__ import annotations

from typing import Any

import numpy as np

import optim
from tinygrad_edu import Value

from .core import Wrong, assert_close, exercise


def _grad(p: np.ndarray) -> np.ndarray:
    """The gradient of the Rosenbrock-like test loss used by every optimizer check."""
    v = Value(p)
    optim.testfns.rosenbrock(v).backward()
    return np.asarray(v.grad)


def _run(step: Any, make: Any, n_state: int, with_t: bool, steps: int = 25) -> None:
    ref = Value(np.array([-1.2, 1.0]))
    opt = make([ref])
    p = ref.data.copy()
    state = tuple(np.zeros(2) for _ in range(n_state))
    for t in range(1, steps + 1):
        g = _grad(p)
        ref.grad = _grad(ref.data)
        opt.step()
        out = step(np.array(p), g, *state, t) if with_t else step(np.array(p), g, *state)
        if not isinstance(out, (tuple, list)) or len(out) != 1 + n_state:
            raise Wrong(f"return a tuple of {1 + n_state} arrays (the new parameters and the new state)")
        p, state = np.asarray(out[0], dtype=np.float64), tuple(np.asarray(s, dtype=np.float64) for s in out[1:])
        assert_close(p, ref.data, f"the parameters after step {t}", atol=1e-9, rtol=1e-7)


@exercise("momentum_step", hint="torch's form: buf = mu * buf + g (on the first step buf = g, which the same "
                                "formula gives when buf starts at 0), then p = p - lr * buf.")
def _momentum(fn: Any) -> None:
    """`momentum_step(p, g, buf) -> (p, buf)`: SGD with lr=1e-3, momentum=0.9 (torch semantics)."""
    _run(lambda p, g, b: fn(p, g, b), lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9), 1, False)


@exercise("rmsprop_step", hint="sq = alpha * sq + (1 - alpha) * g**2 (alpha = 0.99), then "
                              "p = p - lr * g / (sqrt(sq) + eps): eps goes outside the square root.")
def _rmsprop(fn: Any) -> None:
    """`rmsprop_step(p, g, sq) -> (p, sq)`: RMSprop with lr=1e-2, alpha=0.99, eps=1e-8."""
    _run(fn, lambda ps: optim.RMSprop(ps, lr=1e-2), 1, False)


@exercise("adam_step", hint="m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; with the bias corrections "
                            "m_hat = m / (1 - b1**t), v_hat = v / (1 - b2**t) (t counts from 1): "
                            "p = p - lr * m_hat / (sqrt(v_hat) + eps).")
def _adam(fn: Any) -> None:
    """`adam_step(p, g, m, v, t) -> (p, m, v)`: Adam with lr=5e-2, betas=(0.9, 0.999), eps=1e-8; t = 1, 2, ..."""
    _run(fn, lambda ps: optim.Adam(ps, lr=5e-2), 2, True)
