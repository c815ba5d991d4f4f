"""Each optimizer's one extra hyperparameter besides the learning rate: its "knob".

It is read off the optimizer's own param group, so a new catalog entry gets one for free:
beta1 for Adam-like optimizers (`betas`), `momentum` for SGD with momentum, `alpha` (the
squared-gradient average) for RMSprop. The race's sliders and the training lab's form use it.

    >>> opt = catalog.make("adam", params, lr=0.01)
    >>> knob(opt)                 # ('beta1', 0.9)
    >>> set_knob(opt, 0.8)        # betas become (0.8, 0.999)
"""

from __future__ import annotations

from typing import Any

__all__ = ["knob", "set_knob"]


def knob(opt: Any) -> tuple[str, float] | None:
    """(name, value) of the optimizer's second hyperparameter, from its first param group."""
    g = opt.param_groups[0]
    if "betas" in g:
        return "beta1", float(g["betas"][0])
    if g.get("momentum", 0) > 0:
        return "momentum", float(g["momentum"])
    if "alpha" in g:
        return "alpha", float(g["alpha"])
    return None


def set_knob(opt: Any, value: float | None) -> Any:
    """Set the optimizer's knob to `value` in every param group (nothing when `value` is None or
    the optimizer has no knob); returns `opt`."""
    k = knob(opt)
    if value is None or k is None:
        return opt
    for g in opt.param_groups:
        if k[0] == "beta1":
            g["betas"] = (value, g["betas"][1])
        else:
            g[k[0]] = value
    return opt
