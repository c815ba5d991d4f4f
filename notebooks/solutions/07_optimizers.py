"""Solutions of lesson 7 (optimizers)."""

import numpy as np


def momentum_step(p, g, buf):
    buf = 0.9 * buf + g
    return p - 1e-3 * buf, buf


def rmsprop_step(p, g, sq):
    sq = 0.99 * sq + 0.01 * g ** 2
    return p - 1e-2 * g / (np.sqrt(sq) + 1e-8), sq


def adam_step(p, g, m, v, t):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g ** 2
    m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
    return p - 5e-2 * m_hat / (np.sqrt(v_hat) + 1e-8), m, v


SOLUTIONS = {"momentum_step": momentum_step, "rmsprop_step": rmsprop_step, "adam_step": adam_step}
