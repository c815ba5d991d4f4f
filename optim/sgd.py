"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinygrad_edu import Value

from ._flat import buckets, effective_grad
from .optimizer import Optimizer, eval_closure


class SGD(Optimizer):
    r"""Stochastic gradient descent, with torch.optim.SGD's exact update.

    For each parameter p with gradient g, learning rate lr, momentum mu, dampening d and weight
    decay wd::

        g = g + wd * p                    # weight decay (L2 penalty wd/2 * p**2)
        b = g                             # first step
        b = mu * b + (1 - d) * g          # later steps (momentum buffer)
        g = g + mu * b  if nesterov else  b
        p = p - lr * g

    With mu = 0 this is plain gradient descent, `p = p - lr * g`.

    **Textbook forms.** Many courses (Sutskever et al. 2013, cs231n) write momentum with the
    learning rate inside the velocity::

        v = eta * v + alpha * grad        # eta: momentum, alpha: learning rate
        W = W - v

    and Nesterov's look-ahead gradient, evaluated at the point momentum is about to carry us to::

        v = eta * v + alpha * grad(W - eta * v)
        W = W - v

    torch's form keeps b = v / alpha instead of v. While the learning rate is constant (and
    d = 0, the textbook's implicit choice) both give the *same* trajectory: multiply torch's
    buffer recursion by lr and it is the textbook one. They differ once lr changes (a
    schedule): the textbook velocity still carries the old lr, torch's buffer does not.
    The look-ahead Nesterov form needs the gradient at the shifted point W - eta * v. Track that
    point instead, P = W - eta * v: then the gradient is taken at the current P, and the update
    becomes P = P - eta**2 * v - (1 + eta) * alpha * grad(P), which is torch's `g + mu * b` rule
    with v = lr * b. So torch's parameters are the textbook's look-ahead points, on the same path.

    Args:
        params: Values or parameter-group dicts.
        lr: learning rate (default 1e-3, as torch).
        momentum: momentum factor mu (default 0).
        dampening: dampening d of the momentum (default 0).
        weight_decay: L2 penalty wd (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.
    """

    _NONNEGATIVE = ("momentum", "weight_decay")

    def __init__(self, params: Iterable[Value] | Iterable[dict], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, hp: dict[str, Any]) -> None:
        super()._check_hyperparameters(hp)
        if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _init_state(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        return {"momentum_buffer": None}  # filled with the first gradient on the first step

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SGD update of every parameter that has a gradient.

        The parameters of a group that share a dtype are updated together as one vector, in
        place, with the intermediates in work arrays (optim/_flat.py): no array is allocated
        after the first step."""
        loss = eval_closure(closure)
        for group in self.param_groups:
            lr, mu, wd, d = group["lr"], group["momentum"], group["weight_decay"], group["dampening"]
            names = ("momentum_buffer",) if mu != 0 else ()
            for bucket, g in buckets(self, group, names, same=lambda st: st.get("momentum_buffer") is None):
                g = effective_grad(bucket, g, group["maximize"], wd)  # g = -g + wd * p
                step = bucket.work(0)
                if mu != 0:
                    buf = bucket.flat["momentum_buffer"]
                    if buf is None:  # b = g
                        buf = bucket.create("momentum_buffer", g)
                    else:  # b = mu * b + (1 - d) * g
                        buf *= mu
                        if d != 0:
                            np.multiply(g, 1 - d, out=step)
                            buf += step
                        else:
                            buf += g
                    if group["nesterov"]:  # g = g + mu * b
                        np.multiply(buf, mu, out=step)
                        step += g
                        g = step
                    else:  # g = b
                        g = buf
                np.multiply(g, lr, out=step)  # p = p - lr * g
                bucket.subtract(0)
        return loss
