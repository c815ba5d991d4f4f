"""Every exercise's solution passes its check; a deliberately wrong answer fails it, with the hint."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import exercises
from exercises import check
from tinygrad_edu import Function

SOLUTIONS_DIR = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"


def _load(path: Path) -> dict:
    spec = importlib.util.spec_from_file_location(f"solution_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SOLUTIONS


SOLUTIONS = {name: sol for path in sorted(SOLUTIONS_DIR.glob("[0-9]*.py")) for name, sol in _load(path).items()}


class WrongCube(Function):
    def forward(self, x):
        self.saved = x
        return x ** 3

    def backward(self, grad):
        return grad * 2 * self.saved  # the derivative of x**2, not x**3


def _wrong_batches(X, y, batch_size, rng):
    for i in range(0, len(X), batch_size):  # never shuffles
        yield X[i:i + batch_size], y[i:i + batch_size]


WRONG = {
    "neuron_grads": {"x1": 1.5, "w1": -1.0, "x2": 0.5, "w2": 0.0, "b": 0.5},   # signs flipped
    "tanh_backward": lambda x, g: g * (1 - x ** 2),                             # forgot the tanh
    "cube_op": WrongCube,
    "unbroadcast": lambda g, shape: np.broadcast_to(g.sum(), shape),            # sums everything
    "matmul_backward": lambda A, B, G: (G @ B, A @ G),                         # no transposes
    "sigmoid_derivative": lambda x: 1 / (1 + np.exp(-x)),                      # the function itself
    "elu_derivative": lambda x, a: np.where(x > 0, 1.0, np.exp(x)),            # forgot alpha
    "stable_softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),  # overflows
    "sigmoid_chain_bound": lambda d: 0.5 ** d,
    "deep_network_that_learns": lambda: __import__("nn").MLP(16, [32] * 20, 4, activation="sigmoid"),
    "he_normal": lambda shape, rng: rng.normal(scale=math.sqrt(1 / shape[1]), size=shape),   # LeCun, not He
    "xavier_limit": lambda fi, fo: math.sqrt(2 / (fi + fo)),
    "distinct_units": lambda W, b: len(np.unique(np.round(W, 8), axis=0)),     # ignores the bias
    "steps_per_epoch": lambda n, bs, drop=False: 1 if bs is None else n // bs,  # always drops the last
    "minibatches": _wrong_batches,
    "momentum_step": lambda p, g, buf: (p - 1e-3 * (0.9 * buf + 0.1 * g), 0.9 * buf + 0.1 * g),  # dampening
    "rmsprop_step": lambda p, g, sq: (p - 1e-2 * g / (np.sqrt(0.99 * sq + g * g) + 1e-8),
                                      0.99 * sq + g * g),                          # no (1 - alpha)
    "adam_step": lambda p, g, m, v, t: (p - 5e-2 * (0.9 * m + 0.1 * g) / (np.sqrt(0.999 * v + 0.001 * g * g) + 1e-8),
                                        0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g),  # no bias correction
    "step_decay": lambda e, lr0: lr0 * 0.1 ** (e // 31),                       # off by one
    "cosine_lr": lambda e, lr0, T, eta_min=0.0: lr0 * (1 + math.cos(math.pi * e / T)) / 2,   # ignores eta_min
    "l1_grad": lambda w, lam: 2 * lam * w,                                      # that is L2's
    "inverted_dropout": lambda x, p, rng: x * (rng.random(x.shape) >= p),       # no 1/(1-p)
    "classic_dropout_eval": lambda x, p: x,
    "shift_image": lambda img, dy, dx: np.roll(img, (dy, dx), axis=(0, 1)),    # wraps around
    "batchnorm_forward": lambda x, g, b, eps=1e-5: g * (x - x.mean(0)) / x.std(0, ddof=1) + b,  # unbiased, no eps
    "running_stats": lambda m, v, x, mom=0.1: ((1 - mom) * m + mom * x.mean(0), (1 - mom) * v + mom * x.var(0)),
    "batchnorm_backward": lambda x, gamma, g, eps=1e-5: gamma * g / np.sqrt(x.var(0) + eps),  # mean/var constant
    "clip_by_norm": lambda grads, mx: [np.clip(g, -mx, mx) for g in grads],     # clips values, not the norm
    "rnn_cell": lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi + h @ Wh + bi + bh),  # no transposes
    "conv_output_size": lambda n, k, s=1, p=0: (n + p - k) // s + 1,
    "conv2d_loops": lambda x, w, b: SOLUTIONS["conv2d_loops"](x, w[:, :, ::-1, ::-1], b),  # flipped kernel
    "maxpool_backward": lambda x, g: np.repeat(np.repeat(g, 2, axis=2), 2, axis=3) / 4,     # average pooling's
    "tanh_second_derivative": lambda x: 1 - np.tanh(x) ** 2,                  # the first derivative
    "hvp_double_backward": lambda f, x, v: v,                                   # identity Hessian
    "complete_prefix": lambda words, prefix, k: [wc for wc in words if wc[0].startswith(prefix)][:k],  # unranked
    "bigram_loss": lambda train, val, vocab: float(np.log(len(vocab))),        # the uniform model
}


def test_every_exercise_has_a_solution_and_a_wrong_answer():
    names = set(exercises.exercise_names())
    assert names == set(SOLUTIONS), names ^ set(SOLUTIONS)
    assert names == set(WRONG), names ^ set(WRONG)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_solution_passes(name):
    result = check(name, SOLUTIONS[name])
    assert result.passed, str(result)
    assert str(result).startswith(f"✓ {name}")


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answer_fails_with_the_hint(name):
    result = check(name, WRONG[name])
    assert not result.passed and result.attempted, str(result)
    hint = exercises.core._REGISTRY[name].hint
    assert hint and hint in str(result)
    assert "<div" in result._repr_html_()


def test_blank_stub_is_not_attempted_and_never_raises():
    def stub(*args):
        raise NotImplementedError

    result = check("tanh_backward", stub)
    assert not result and not result.attempted and "not attempted" in str(result)
    assert not check("neuron_grads", None).attempted
    with pytest.raises(ValueError, match="no exercise named"):
        check("no_such_exercise", stub)


def test_a_crashing_answer_is_reported_not_raised():
    result = check("tanh_backward", lambda x, g: x.nonexistent)
    assert not result and "AttributeError" in str(result)
