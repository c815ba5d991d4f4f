"""Optimizers with a per-coordinate step size: Adagrad, RMSprop, Adam and AdamW.

Each keeps running statistics of the gradient in `self.state[p]` (arrays shaped like p) and
divides the step by a root-mean-square of past gradients, so coordinates with large gradients
take smaller steps. All updates are whole-array numpy operations done in place. The parameters
of a group that share a dtype (and step count) are updated together as one vector, and the
intermediate results go into work arrays with `out=` (optim/_flat.py), so a step allocates
nothing; each operation is the one of the formula in the docstring, in its order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Value

from ._flat import buckets, effective_grad
from .optimizer import Optimizer, eval_closure


def _zeros_like(p: Value) -> np.ndarray:
    data = np.asarray(p.data)
    return np.zeros(data.shape, dtype=data.dtype)


def _step_count(state: dict[str, Any]) -> int:
    return state["step"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al. 2011), with torch.optim.Adagrad's exact update.

    With t the step number (from 1)::

        g = g + wd * p                           # weight decay
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                            # sum of squared gradients, s_0 = initial_accumulator_value
        p = p - lr_t * g / (sqrt(s) + eps)

    Args:
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of s (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: ascend instead of descend.
    """

    _NONNEGATIVE = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        # torch creates Adagrad's state eagerly, so a state_dict taken before any step has it too
        for group in self.param_groups:
            for p in group["params"]:
                self._state_for(p, group)

    def _init_state(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        s = _zeros_like(p)
        s.fill(group["initial_accumulator_value"])
        return {"step": 0, "sum": s}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad update of every parameter that has a gradient."""
        loss = eval_closure(closure)
        for group in self.param_groups:
            wd, eps = group["weight_decay"], group["eps"]
            for bucket, g in buckets(self, group, ("sum",), same=_step_count):
                for state in bucket.states:
                    state["step"] += 1
                g = effective_grad(bucket, g, group["maximize"], wd)
                clr = group["lr"] / (1 + (bucket.states[0]["step"] - 1) * group["lr_decay"])
                s, acc = bucket.work(0), bucket.flat["sum"]
                acc += np.multiply(g, g, out=s)  # s = s + g * g
                np.sqrt(acc, out=s)  # std = sqrt(s) + eps
                s += eps
                bucket.subtract_ratio(g, clr)  # p = p - clr * (g / std)
        return loss


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), with torch.optim.RMSprop's exact update.

    ::

        g = g + wd * p                               # weight decay
        sq = alpha * sq + (1 - alpha) * g * g        # running mean of g**2, sq_0 = 0
        avg = sqrt(sq) + eps                         # eps outside the sqrt, as torch
        # centered=True: also ga = alpha * ga + (1 - alpha) * g and avg = sqrt(sq - ga**2) + eps,
        # i.e. divide by the running standard deviation instead of the root mean square
        p = p - lr * g / avg                         # momentum == 0
        b = mu * b + g / avg;  p = p - lr * b        # momentum mu > 0 (b_0 = 0)

    Args:
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by the estimated variance of the gradient (default False).
        maximize: ascend instead of descend.
    """

    _NONNEGATIVE = ("eps", "momentum", "weight_decay", "alpha")

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    @staticmethod
    def _buffers(group: dict[str, Any]) -> tuple[str, ...]:
        """The state arrays this group's options need, zeros at the start."""
        return ("square_avg", *(("momentum_buffer",) if group["momentum"] > 0 else ()),
                *(("grad_avg",) if group["centered"] else ()))

    def _init_state(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, **{name: _zeros_like(p) for name in self._buffers(group)}}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update of every parameter that has a gradient."""
        loss = eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd, mu = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
            for bucket, g in buckets(self, group, self._buffers(group)):
                for state in bucket.states:
                    state["step"] += 1
                g = effective_grad(bucket, g, group["maximize"], wd)
                s = bucket.work(0)
                sq = bucket.flat["square_avg"]  # sq = alpha * sq + (1 - alpha) * g * g
                sq *= alpha
                np.multiply(g, 1 - alpha, out=s)
                s *= g
                sq += s
                if group["centered"]:
                    ga = bucket.flat["grad_avg"]  # ga += (1 - alpha) * (g - ga): torch's lerp form
                    np.subtract(g, ga, out=s)
                    s *= 1 - alpha
                    ga += s
                    np.multiply(ga, ga, out=s)  # avg = sqrt(sq - ga * ga)
                    np.subtract(sq, s, out=s)
                    np.sqrt(s, out=s)
                else:
                    np.sqrt(sq, out=s)  # avg = sqrt(sq)
                s += eps
                np.divide(g, s, out=s)  # g / avg
                if mu > 0:
                    buf = bucket.flat["momentum_buffer"]  # b = mu * b + g / avg; p = p - lr * b
                    buf *= mu
                    buf += s
                    np.multiply(buf, lr, out=s)
                else:
                    s *= lr  # p = p - lr * (g / avg)
                bucket.subtract(0)
        return loss


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), with torch.optim.Adam's exact update.

    With t the step number (from 1) and m_0 = v_0 = 0::

        g = g + wd * p                              # L2 weight decay (see AdamW for the decoupled kind)
        m = beta1 * m + (1 - beta1) * g             # running mean of g
        v = beta2 * v + (1 - beta2) * g * g         # running mean of g**2
        m_hat = m / (1 - beta1**t)                  # bias corrections: m and v start at 0
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    `amsgrad=True` uses the running maximum of v (v_max = max(v_max, v)) in place of v.
    (torch folds the corrections into the step as lr / (1 - beta1**t) and
    sqrt(v) / sqrt(1 - beta2**t) + eps; we compute it the same way, so the numbers agree to
    rounding.)

    Args:
        lr: learning rate (default 1e-3).
        betas: (beta1, beta2), decay rates of the two running means (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        amsgrad: use the AMSGrad variant (default False).
        maximize: ascend instead of descend.
        decoupled_weight_decay: shrink p directly instead (AdamW); prefer `AdamW`.
    """

    _NONNEGATIVE = ("eps", "weight_decay")

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float = 1e-3,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, hp: dict[str, Any]) -> None:
        super()._check_hyperparameters(hp)
        betas = hp["betas"]
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")

    @staticmethod
    def _buffers(group: dict[str, Any]) -> tuple[str, ...]:
        """The state arrays this group's options need, zeros at the start."""
        return ("exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if group["amsgrad"] else ()))

    def _init_state(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, **{name: _zeros_like(p) for name in self._buffers(group)}}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every parameter that has a gradient."""
        loss = eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            decoupled = wd != 0 and group["decoupled_weight_decay"]
            for bucket, g in buckets(self, group, self._buffers(group), same=_step_count):
                for state in bucket.states:
                    state["step"] += 1
                t = bucket.states[0]["step"]
                if decoupled:  # p = p * (1 - lr * wd)
                    bucket.scale_data(1 - lr * wd)
                g = effective_grad(bucket, g, group["maximize"], 0 if decoupled else wd)

                s = bucket.work(0)
                m, v = bucket.flat["exp_avg"], bucket.flat["exp_avg_sq"]
                np.subtract(g, m, out=s)  # m += (1 - beta1) * (g - m): beta1*m + (1-beta1)*g, torch's lerp
                s *= 1 - beta1
                m += s
                v *= beta2  # v = beta2 * v + (1 - beta2) * g * g
                np.multiply(g, 1 - beta2, out=s)
                s *= g
                v += s
                if group["amsgrad"]:
                    vmax = bucket.flat["max_exp_avg_sq"]
                    v = np.maximum(vmax, v, out=vmax)

                step_size = lr / (1 - beta1**t)
                np.sqrt(v, out=s)  # denom = sqrt(v) / sqrt(1 - beta2**t) + eps
                s /= (1 - beta2**t) ** 0.5
                s += eps
                bucket.subtract_ratio(m, step_size)  # p = p - step_size * (m / denom)
        return loss


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019): Adam with *decoupled* weight decay, as torch.optim.AdamW.

    Before the Adam step the weights shrink directly, p = p * (1 - lr * wd); the decay is not
    added to the gradient, so it is not rescaled by Adam's per-coordinate step size::

        p = p - lr * wd * p
        m, v, m_hat, v_hat as in Adam (with the raw gradient)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Same arguments as Adam, but weight_decay defaults to 1e-2.
    """

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float = 1e-3,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)
