"""Data and initial weights shared by every system, so each computes the same math."""

from __future__ import annotations

import numpy as np

SEED = 0


def make_moons(n: int = 100, noise: float = 0.1, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (as scikit-learn's make_moons); labels are -1 / +1."""
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    return X, y


def linear_init(rng: np.random.Generator, fan_out: int, fan_in: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias."""
    bound = 1.0 / np.sqrt(fan_in)
    return (rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype),
            rng.uniform(-bound, bound, fan_out).astype(dtype))


def mlp_params(sizes=(784, 256, 128, 10), dtype=np.float32, seed: int = SEED) -> dict[str, np.ndarray]:
    """Weights of Linear-ReLU-Linear-ReLU-Linear in PyTorch's Sequential naming ("0.weight", ...)."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fin, fout) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"{2 * i}.weight"], params[f"{2 * i}.bias"] = linear_init(rng, fout, fin, dtype)
    return params


def cnn_params(dtype=np.float32, seed: int = SEED) -> dict[str, np.ndarray]:
    """Conv2d(1, 8, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1568, 10) weights,
    named as the torch.nn.Sequential of those layers names them ("0.weight", "4.weight", ...)."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(9)
    params = {"0.weight": rng.uniform(-bound, bound, (8, 1, 3, 3)).astype(dtype),
              "0.bias": rng.uniform(-bound, bound, 8).astype(dtype)}
    params["4.weight"], params["4.bias"] = linear_init(rng, 10, 8 * 14 * 14, dtype)
    return params


def batch(shape: tuple[int, ...], classes: int = 10, dtype=np.float32, seed: int = SEED + 1):
    """A fixed random input batch in [0, 1) and integer labels."""
    rng = np.random.default_rng(seed)
    return rng.random(shape).astype(dtype), rng.integers(0, classes, shape[0]).astype(np.int64)


def import_torch():
    """torch with its intra-op threads set as the runner asked (BENCH_THREADS); ImportError if absent."""
    import os

    import torch

    threads = os.environ.get("BENCH_THREADS")
    if threads and torch.get_num_threads() != int(threads):
        torch.set_num_threads(int(threads))
    return torch


def load_into(model, params: dict[str, np.ndarray]) -> None:
    """Set our model's parameters to copies of `params` (by name), keeping their dtype."""
    named = dict(model.named_parameters())
    if set(named) != set(params):
        raise ValueError(f"parameter names differ: ours {sorted(named)} vs {sorted(params)}")
    for name, p in named.items():
        p.data = params[name].copy()


def torch_load_into(model, params: dict[str, np.ndarray]) -> None:
    torch = import_torch()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(params[name].copy()))
