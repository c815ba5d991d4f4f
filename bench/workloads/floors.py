"""The numpy floor: W2's MLP and W3's CNN with forward and backward written out by hand.

No graph, no per-op bookkeeping: the fewest numpy calls a careful person would write for the
same math (same layers, same loss, same optimizer as torch.optim, in-place updates). An engine
cannot beat it by much; the target is to come close. `check_*_against_torch` prove once per run
that each floor computes the same gradients as PyTorch, and tests/test_bench_workloads_floors.py
checks them against our engine, so the floor is known to do the real work.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of logits z (N, C) (overwritten) and dL/dz."""
    n = len(y)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.log(s).mean() - z[rows, y].mean())
    e /= s  # softmax probabilities
    e[rows, y] -= 1
    e *= 1.0 / n
    return loss, e


class Adam:
    """torch.optim.Adam's update (no weight decay), in place on numpy arrays."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1 - b1**self.t)
        bc2_sqrt = math.sqrt(1 - b2**self.t)
        for k, p in self.params.items():
            g, m, v = grads[k], self.m[k], self.v[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= bc2_sqrt
            denom += self.eps
            p -= step_size * m / denom


class SGD:
    """torch.optim.SGD's update with momentum (buffer = grad on the first step), in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float, momentum: float = 0.9):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.buf: dict[str, np.ndarray] = {}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for k, p in self.params.items():
            g, b = grads[k], self.buf.get(k)
            if b is None:
                b = self.buf[k] = g.copy()
            else:
                b *= self.momentum
                b += g
            p -= self.lr * b


class MLPFloor:
    """Linear-ReLU-Linear-ReLU-Linear (torch names "0.weight", ..., "4.bias"), cross-entropy, Adam."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 1e-3):
        self.p = {k: v.copy() for k, v in params.items()}
        self.opt = Adam(self.p, lr=lr)

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p = self.p
        W1, b1, W2, b2, W3, b3 = (p[k] for k in ("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"))
        h1 = X @ W1.T
        h1 += b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2.T
        h2 += b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3.T
        z += b3
        loss, dz = _softmax_cross_entropy(z, y)
        g = {"4.weight": dz.T @ a2, "4.bias": dz.sum(axis=0)}
        da2 = dz @ W3
        da2[h2 <= 0] = 0  # ReLU backward
        g["2.weight"], g["2.bias"] = da2.T @ a1, da2.sum(axis=0)
        da1 = da2 @ W2
        da1[h1 <= 0] = 0
        g["0.weight"], g["0.bias"] = da1.T @ X, da1.sum(axis=0)
        return loss, g

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.loss_and_grads(X, y)
        self.opt.step(grads)
        return loss


class CNNFloor:
    """Conv2d(1, 8, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1568, 10),
    cross-entropy, SGD with momentum. Torch names: "0.weight" (8, 1, 3, 3), "0.bias", "4.weight",
    "4.bias". The convolution is im2col (a strided view of the padded input, one copy) and one
    matmul; activations are kept channels-last (N, H, W, C) and flattened in torch's (C, H, W)
    order. Max-pool takes the maximum of the four strided corner views of each 2x2 window (no
copy of the windows) and routes each gradient to the first maximum, as torch does.
    The input needs no gradient, so none is computed for it."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.01, momentum: float = 0.9):
        self.p = {k: v.copy() for k, v in params.items()}
        self.opt = SGD(self.p, lr=lr, momentum=momentum)

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p = self.p
        Wc, bc, W, b = p["0.weight"], p["0.bias"], p["4.weight"], p["4.bias"]
        n, c, hgt, wid = X.shape
        k, oc = Wc.shape[-1], Wc.shape[0]
        xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H, W, k, k), a view
        cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * hgt * wid, c * k * k)  # im2col: one copy
        h = cols @ Wc.reshape(oc, -1).T  # (N*H*W, OC): channels-last
        h += bc
        a = np.maximum(h, 0).reshape(n, hgt // 2, 2, wid // 2, 2, oc)  # a[:, :, i, :, j]: a strided view
        corners = [a[:, :, i, :, j] for i in (0, 1) for j in (0, 1)]  # the 4 positions of each 2x2 window
        pooled = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)  # torch's Flatten order: (C, H, W)
        z = flat @ W.T
        z += b
        loss, dz = _softmax_cross_entropy(z, y)
        g = {"4.weight": dz.T @ flat, "4.bias": dz.sum(axis=0)}
        dpooled = (dz @ W).reshape(n, oc, hgt // 2, wid // 2).transpose(0, 2, 3, 1)
        da = np.zeros_like(a)
        taken = np.zeros(pooled.shape, dtype=bool)
        for k, corner in enumerate(corners):  # each gradient to the first maximum of its window
            first = (corner == pooled) & ~taken
            da[:, :, k // 2, :, k % 2] = np.where(first, dpooled, 0)
            taken |= first
        dh = da.reshape(-1, oc)
        dh[h <= 0] = 0  # ReLU backward
        g["0.weight"] = (dh.T @ cols).reshape(Wc.shape)
        g["0.bias"] = dh.sum(axis=0)
        return loss, g

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.loss_and_grads(X, y)
        self.opt.step(grads)
        return loss


# --- correctness of the floors -----------------------------------------------------------------

def torch_mlp(torch):
    n = torch.nn
    return n.Sequential(n.Linear(784, 256), n.ReLU(), n.Linear(256, 128), n.ReLU(), n.Linear(128, 10))


def torch_cnn(torch):
    n = torch.nn
    return n.Sequential(n.Conv2d(1, 8, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(), n.Linear(1568, 10))


def _torch_loss_and_grads(torch, model, params, X, y):
    with torch.no_grad():
        for name, q in model.named_parameters():
            q.copy_(torch.from_numpy(params[name]))
    loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    return loss.item(), {name: q.grad.numpy().copy() for name, q in model.named_parameters()}


def max_rel_error(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """max over parameters of max|a - b| / max|b| (0 when equal)."""
    return max(float(np.max(np.abs(a[k] - b[k])) / max(float(np.max(np.abs(b[k]))), 1e-30)) for k in b)


def check_against_torch(which: str, n: int = 8, steps: int = 3) -> float:
    """Largest relative difference between a floor and torch on a small float64 batch: loss and
    gradients at the start, then the parameters after `steps` optimizer steps (ImportError
    without torch). Both see the same weights, inputs and labels."""
    import torch

    from .common import batch, cnn_params, mlp_params

    if which == "mlp":
        params, model, floor = mlp_params(dtype=np.float64), torch_mlp(torch).double(), MLPFloor
        X, y = batch((n, 784), dtype=np.float64)
    else:
        params, model, floor = cnn_params(dtype=np.float64), torch_cnn(torch).double(), CNNFloor
        X, y = batch((n, 1, 28, 28), dtype=np.float64)
    loss_t, grads_t = _torch_loss_and_grads(torch, model, params, X, y)
    net = floor(params)
    loss_f, grads_f = net.loss_and_grads(X, y)
    err = max(abs(loss_f - loss_t) / abs(loss_t), max_rel_error(grads_f, grads_t))
    if which == "mlp":
        opt = torch.optim.Adam(model.parameters(), lr=net.opt.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=net.opt.lr, momentum=net.opt.momentum)
    model.zero_grad()
    for _ in range(steps):
        net.step(X, y)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        opt.step()
    after = {name: q.detach().numpy() for name, q in model.named_parameters()}
    return max(err, max_rel_error(net.p, after))
