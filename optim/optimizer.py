"""The `Optimizer` base class: parameter groups, state, zero_grad, state_dict.

An optimizer holds a list of *parameter groups*, exactly like `torch.optim`:

    opt.param_groups == [{"params": [W, b], "lr": 0.1, "momentum": 0.9, ...}, ...]

Each group is a dict of the parameters it updates plus its own copy of every hyperparameter, so
different layers can use different learning rates. `opt.state[p]` holds the per-parameter
buffers (momentum, running averages, step counts).

Subclasses implement `step()` and, when they keep buffers, `_init_state(p, group)`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from tinygrad_edu import Value
from tinygrad_edu.grad_utils import zero_grad


class _RequiredParameter:
    """Marks a hyperparameter that has no default and must be given."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


@contextmanager
def writable_data(p: Value) -> Iterator[np.ndarray]:
    """Yield `p.data` as an ndarray that can be updated in place.

    Tensor parameters are updated in their own memory (no copy). A 0-d parameter stores an
    immutable numpy scalar, so we hand out a 0-d copy and assign the result back afterwards.
    """
    data = p.data
    if isinstance(data, np.ndarray) and data.ndim > 0 and data.flags.writeable:
        yield data
        return
    work = np.array(data)  # a private copy we are free to modify
    yield work
    p.data = work if work.ndim else work[()]


def _check_nonnegative(name: str, value: Any) -> None:
    # `not 0.0 <= value` also rejects NaN, as torch does.
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of `Value`s, or of dicts `{"params": [...], "lr": ..., ...}` (one per
            parameter group; missing hyperparameters take the optimizer's defaults).
        defaults: dict of default hyperparameters. A bare number is taken as the learning rate,
            and keyword arguments are added, so `Optimizer(params, lr=0.1)` also works.

    A subclass overrides `step()`. The simplest one is plain gradient descent::

        class GD(Optimizer):
            def step(self):
                for group in self.param_groups:
                    for p in group["params"]:
                        p.data = p.data - group["lr"] * p.grad
    """

    def __init__(self, params: Iterable[Value] | Iterable[dict], defaults: dict | float | None = None,
                 **kwargs: Any) -> None:
        if defaults is None:
            defaults = {}
        elif not isinstance(defaults, dict):
            defaults = {"lr": defaults}
        self.defaults: dict[str, Any] = {**defaults, **kwargs}
        self._check_hyperparameters(self.defaults)
        self.state: dict[Value, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []

        if isinstance(params, (Value, np.ndarray)):
            raise TypeError("params argument given to the optimizer should be an iterable of Values or "
                            f"dicts, but got {type(params).__name__} (wrap a single Value in a list)")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be in an ordered collection (a set's order "
                            "changes between runs); use a list instead")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. to unfreeze a layer)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        if isinstance(params, Value):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be in an ordered collection (a set's order "
                            "changes between runs); use a list instead")
        group["params"] = list(params)
        if len(group["params"]) == 0:
            raise ValueError("optimizer got an empty parameter list")
        named = [isinstance(p, tuple) for p in group["params"]]
        if any(named):  # (name, Value) pairs, as from named_parameters(): keep the names like torch
            if not all(named):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            group["param_names"] = [name for name, _ in group["params"]]
            group["params"] = [p for _, p in group["params"]]
        for p in group["params"]:
            if not isinstance(p, Value):
                raise TypeError("optimizer can only optimize Values, but one of the params is "
                                f"{type(p).__module__}.{type(p).__name__}")

        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            group.setdefault(name, default)
        self._check_hyperparameters(group)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter group holds the same parameter twice; it would be updated twice")
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    #: hyperparameters that must be >= 0; a bad one raises torch's message ("Invalid momentum value: -1")
    _NONNEGATIVE: tuple[str, ...] = ()

    def _check_hyperparameters(self, hp: dict[str, Any]) -> None:
        """Raise ValueError for invalid hyperparameters (subclasses add their own rules)."""
        if "lr" in hp and hp["lr"] is not required:
            _check_nonnegative("learning rate", hp["lr"])
        for key in self._NONNEGATIVE:
            _check_nonnegative(("epsilon" if key == "eps" else key) + " value", hp[key])

    @property
    def lr(self) -> float:
        """The learning rate of the first parameter group (setting it sets every group's)."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        _check_nonnegative("learning rate", value)
        for group in self.param_groups:
            group["lr"] = value

    # ------------------------------------------------------------------ stepping

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter from its `.grad`. Returns `closure()` when a closure is given."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient, as torch: `set_to_none=True` (the default) returns it
        to the state before any backward (reads as zeros, the next backward writes a fresh
        buffer); `set_to_none=False` fills the existing array with zeros in place, so views of it
        stay valid. See `tinygrad_edu.grad_utils` for the one meaning both modes share."""
        zero_grad([p for group in self.param_groups for p in group["params"]], set_to_none=set_to_none)

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Value, np.ndarray]]:
        """(param, grad) for the group's trainable parameters.

        Like torch, a frozen parameter (requires_grad=False) is skipped, while a gradient of all
        zeros is a real gradient: momentum and running averages still move. (`.grad` is never
        None here: an unset gradient reads as zeros.)
        """
        for p in group["params"]:
            if p.requires_grad:
                yield p, p.grad

    def _state_for(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        """p's state dict, created by `_init_state` on first use."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = self._init_state(p, group)
        return state

    def _init_state(self, p: Value, group: dict[str, Any]) -> dict[str, Any]:
        """Fresh per-parameter state (buffers shaped like p). Subclasses with buffers override."""
        return {}

    # ------------------------------------------------------------------ saving and loading

    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer, in torch's layout.

        `{"state": {index: {name: array or number}}, "param_groups": [{..., "params": [index, ...]}]}`
        where parameters are numbered in the order they appear across groups. Arrays are copied,
        so later steps do not change a saved snapshot.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a snapshot made by `state_dict()` (of an optimizer of the same kind and layout).

        Everything is checked before anything changes: a mismatched snapshot raises ValueError and
        leaves this optimizer as it was.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("optimizer state_dict must be a dict with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than this optimizer ({len(self.param_groups)})")

        new_groups = []
        id_map: dict[Any, Value] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"loaded state dict contains a parameter group ({i}) that doesn't match "
                                 f"the size of optimizer's group: {len(saved['params'])} parameters "
                                 f"saved, {len(group['params'])} here")
            missing = sorted(set(self.defaults) - set(saved))
            if missing:
                raise ValueError(f"loaded parameter group {i} lacks hyperparameters {missing} of "
                                 f"{type(self).__name__}; was it saved from another optimizer?")
            new_group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            self._check_hyperparameters(new_group)
            new_groups.append(new_group)
            id_map.update(zip(saved["params"], group["params"]))

        group_of = {id(p): g for g in new_groups for p in g["params"]}
        new_state: dict[Value, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            if key not in id_map:
                raise ValueError(f"loaded state refers to parameter {key!r}, which is not in the saved "
                                 "parameter groups")
            p = id_map[key]
            expected = self._init_state(p, group_of[id(p)])
            if set(saved_state) != set(expected):
                raise ValueError(f"loaded state of parameter {key} has entries {sorted(saved_state)} but "
                                 f"{type(self).__name__} keeps {sorted(expected)}")
            for name, value in saved_state.items():
                if isinstance(expected[name], np.ndarray) or isinstance(value, np.ndarray):
                    if np.shape(value) != np.shape(p.data):
                        raise ValueError(f"loaded state '{name}' of parameter {key} has shape "
                                         f"{np.shape(value)} but the parameter has shape {np.shape(p.data)}")
            new_state[p] = {name: (np.array(value, dtype=np.asarray(p.data).dtype)
                                   if isinstance(value, np.ndarray) else copy.deepcopy(value))
                            for name, value in saved_state.items()}

        self.param_groups = new_groups
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def eval_closure(closure: Callable[[], Any] | None) -> Any:
    """torch's optional closure: re-evaluate the model and return the loss."""
    return None if closure is None else closure()
