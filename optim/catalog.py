"""The optimizer catalog: every optimizer the lessons compare, by name, with a learning rate that
suits each test function, and the one loop that runs an optimizer along a 2-D test function.

    from optim import catalog, testfns

    catalog.names()                                    # ("sgd", "momentum", ..., "adamw")
    catalog.default_lr("momentum", testfns.rosenbrock)  # 1e-3
    opt = catalog.make("adam", [v], fn="beale")        # Adam with beale's learning rate
    run = catalog.trajectory(testfns.rosenbrock, catalog.factory("adam", fn="rosenbrock"), steps=500)
    run.points, run.losses, run.status                 # (k+1, 2), (k+1,), "ok" or "diverged"

The command line's race, the lesson plots (`viz.plot_optimizer_paths`) and the web playground
all read this one table, so an optimizer added here (or with `register` from any module) shows
up in all of them. The learning rates are chosen for a readable race, not tuned: plain SGD must
stay small on the steep Rosenbrock and Beale walls (it diverges on Rosenbrock above ~2e-3),
Adam and Adagrad need larger steps on the flat parts. A function that is not in a table entry
gets the entry's "default".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import Value, no_grad

from . import testfns
from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["OptimizerSpec", "Trajectory", "CATALOG", "register", "names", "get", "default_lr", "make", "factory",
           "factories", "trajectory", "test_function", "ESCAPE"]

ESCAPE = 1e6  # a run whose point gets this far from the origin has diverged: stop following it

Params = list[Value]


@dataclass(frozen=True)
class OptimizerSpec:
    """One catalog entry.

    - `name`: the key ("momentum"), what commands and web requests use;
    - `label`: what a table or a legend shows ("Momentum 0.9");
    - `build(params, lr) -> Optimizer`: the optimizer with every other hyperparameter fixed;
    - `lr`: {test function name: learning rate}, plus "default" for any other function.
    """

    name: str
    label: str
    build: Callable[[Params, float], Optimizer]
    lr: Mapping[str, float] = field(default_factory=dict)


CATALOG: dict[str, OptimizerSpec] = {}


def register(name: str, build: Callable[[Params, float], Optimizer], lr: Mapping[str, float] | float,
             label: str | None = None) -> OptimizerSpec:
    """Add (or replace) an entry; `lr` is one number for every function or a {function: lr} table
    (a table without "default" uses its smallest rate elsewhere). Returns the entry."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"catalog.register: the name must be an identifier, got {name!r}")
    table = {"default": float(lr)} if isinstance(lr, (int, float)) else {k: float(v) for k, v in lr.items()}
    if not table or any(not (v > 0 and np.isfinite(v)) for v in table.values()):
        raise ValueError(f"catalog.register({name!r}): learning rates must be positive numbers, got {lr!r}")
    table.setdefault("default", min(table.values()))
    spec = OptimizerSpec(name, label or name, build, table)
    CATALOG[name] = spec
    return spec


def names() -> tuple[str, ...]:
    """Every registered name, in registration order (the built-in ones first)."""
    return tuple(CATALOG)


def get(name: str) -> OptimizerSpec:
    """The entry called `name`; ValueError listing the names for anything else."""
    spec = CATALOG.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"unknown optimizer {str(name)[:40]!r}; choose one of {', '.join(CATALOG)}")
    return spec


def test_function(fn: Callable | str) -> Callable:
    """A test function given as itself or by its name in `optim.testfns`."""
    if callable(fn):
        return fn
    if isinstance(fn, str) and fn in testfns.__all__:
        return getattr(testfns, fn)
    raise ValueError(f"unknown test function {str(fn)[:40]!r}; choose one of {', '.join(testfns.__all__)}")


test_function.__test__ = False  # not a pytest test, whatever its name


def _fn_name(fn: Callable | str | None) -> str | None:
    return fn if isinstance(fn, str) or fn is None else getattr(fn, "__name__", None)


def default_lr(name: str, fn: Callable | str | None = None) -> float:
    """The learning rate entry `name` uses on test function `fn` (a function or its name)."""
    table = get(name).lr
    return table.get(_fn_name(fn) or "default", table["default"])


def make(name: str, params: Params | Iterable[Value], lr: float | None = None,
         fn: Callable | str | None = None) -> Optimizer:
    """The optimizer `name` over `params`, with `lr` or else the default for `fn`."""
    return get(name).build(list(params), default_lr(name, fn) if lr is None else float(lr))


def factory(name: str, lr: float | None = None, fn: Callable | str | None = None) -> Callable[[Params], Optimizer]:
    """`factory(params) -> Optimizer`: `make` with everything but the parameters fixed."""
    rate = default_lr(name, fn) if lr is None else float(lr)
    spec = get(name)
    return lambda params: spec.build(list(params), rate)


def factories(fn: Callable | str | None = None, which: Sequence[str] | None = None,
              lrs: Mapping[str, float] | None = None) -> dict[str, Callable[[Params], Optimizer]]:
    """{"Adam (lr=0.05)": factory, ...} for `which` (default: every entry), with the learning
    rates of `lrs` or the defaults for `fn`: the `optimizers` argument of `plot_optimizer_paths`."""
    out = {}
    for name in names() if which is None else which:
        rate = (lrs or {}).get(name, default_lr(name, fn))
        out[f"{get(name).label} (lr={rate:g})"] = factory(name, rate)
    return out


# ----------------------------------------------------------------------------- the built-in entries

register("sgd", lambda p, lr: SGD(p, lr=lr), label="SGD",
         lr={"rosenbrock": 1e-3, "beale": 1e-2, "saddle": 5e-2, "quadratic": 4e-2, "default": 1e-3})
register("momentum", lambda p, lr: SGD(p, lr=lr, momentum=0.9), label="Momentum 0.9",
         lr={"rosenbrock": 1e-3, "beale": 2e-3, "saddle": 2e-2, "quadratic": 4e-3, "default": 1e-3})
register("nesterov", lambda p, lr: SGD(p, lr=lr, momentum=0.9, nesterov=True), label="Nesterov 0.9",
         lr={"rosenbrock": 1e-3, "beale": 2e-3, "saddle": 2e-2, "quadratic": 4e-3, "default": 1e-3})
register("adagrad", lambda p, lr: Adagrad(p, lr=lr), label="Adagrad",
         lr={"rosenbrock": 0.5, "beale": 0.5, "saddle": 0.3, "quadratic": 1.0, "default": 1e-2})
register("rmsprop", lambda p, lr: RMSprop(p, lr=lr), label="RMSprop",
         lr={"rosenbrock": 1e-2, "beale": 1e-2, "saddle": 1e-2, "quadratic": 5e-2, "default": 1e-2})
register("adam", lambda p, lr: Adam(p, lr=lr), label="Adam",
         lr={"rosenbrock": 5e-2, "beale": 5e-2, "saddle": 5e-2, "quadratic": 1e-1, "default": 1e-3})
register("adamw", lambda p, lr: AdamW(p, lr=lr), label="AdamW",
         lr={"rosenbrock": 5e-2, "beale": 5e-2, "saddle": 5e-2, "quadratic": 1e-1, "default": 1e-3})


# ----------------------------------------------------------------------------- trajectory

@dataclass
class Trajectory:
    """One optimizer run on a test function.

    `points[k]` is the position after k steps (`points[0]` the start) and `losses[k]` is fn there;
    `status` is "ok", or "diverged" when a step left the finite numbers or went past `ESCAPE`
    (the run stops there and `points` ends at the last good position).
    """

    points: np.ndarray
    losses: np.ndarray
    status: str

    @property
    def steps(self) -> int:
        """Steps whose result was kept (fewer than asked when the run diverged)."""
        return len(self.points) - 1

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def distance(self, target: Any) -> float:
        """Euclidean distance from the last position to `target` (e.g. `fn.minimum`)."""
        return float(np.linalg.norm(self.final - np.asarray(target, dtype=np.float64)))


def trajectory(fn: Callable | str, factory: Callable[[Params], Any], steps: int, start: Any = None,
               escape: float = ESCAPE) -> Trajectory:
    """Run `factory([v])` for `steps` steps on `fn`, exactly as a student's loop would::

        v = Value(start); opt = factory([v])
        for _ in range(steps):
            opt.zero_grad(); fn(v).backward(); opt.step()

    `start` defaults to `fn.start`; `fn` may be given by its name in `optim.testfns`.
    """
    fn = test_function(fn)
    if start is None:
        start = getattr(fn, "start", None)
        if start is None:
            raise ValueError("trajectory: fn has no `start`; pass start=(x, y)")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"trajectory: steps must be an int >= 0, got {steps!r}")
    v = Value(np.array(start, dtype=np.float64), label="xy")
    opt = factory([v])
    points, losses, status = [np.array(v.data, dtype=np.float64)], [], "ok"
    with np.errstate(all="ignore"):
        for _ in range(int(steps)):
            opt.zero_grad()
            loss = fn(v)
            losses.append(float(loss.item()))
            loss.backward()
            opt.step()
            p = np.array(v.data, dtype=np.float64)
            if not np.all(np.isfinite(p)) or np.abs(p).max() > escape:
                status = "diverged"
                break
            points.append(p)
        if len(losses) < len(points):  # the last position's loss (no step follows it)
            with no_grad():
                losses.append(float(fn(Value(points[-1], requires_grad=False)).item()))
    return Trajectory(np.array(points), np.array(losses, dtype=np.float64), status)
