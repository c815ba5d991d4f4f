"""The optimizer race: several optimizers start at the same point of a 2-D test function.

`run_race(payload)` returns the function's values on a grid (the page draws them as a
log-scaled contour map) and each optimizer's path, computed with `optim` on the engine exactly as
a student's loop would: `opt.zero_grad(); fn(v).backward(); opt.step()`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .validate import ApiError, finite, get_float, get_int

__all__ = ["run_race", "FUNCTIONS", "OPTIMIZERS", "DEFAULT_LR"]

FUNCTIONS = ("rosenbrock", "beale", "saddle", "quadratic")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam")

# The plotted box [x0, x1, y0, y1] of each function: the start, the minimum and the interesting part.
BOXES = {"rosenbrock": (-2.0, 2.0, -1.0, 3.0), "beale": (-1.0, 4.5, -1.5, 2.5),
         "saddle": (-2.0, 2.0, -1.6, 1.6), "quadratic": (-4.0, 3.0, -3.5, 2.0)}

# Learning rates that make a sensible race on each function (plain SGD needs small ones on
# the steep functions); the page shows them and lets the student change them.
DEFAULT_LR = {
    "rosenbrock": {"sgd": 1e-3, "momentum": 5e-4, "nesterov": 5e-4, "rmsprop": 1e-2, "adagrad": 0.5, "adam": 0.05},
    "beale": {"sgd": 1e-2, "momentum": 2e-3, "nesterov": 2e-3, "rmsprop": 1e-2, "adagrad": 0.3, "adam": 0.05},
    "saddle": {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.01, "adagrad": 0.3, "adam": 0.05},
    "quadratic": {"sgd": 0.04, "momentum": 0.004, "nesterov": 0.004, "rmsprop": 0.05, "adagrad": 1.0, "adam": 0.1},
}
MAX_STEPS = 2000
GRID = 120
ESCAPE = 1e6  # a path this far out has diverged: stop following it


def _make(name: str, params: list, lr: float) -> Any:
    import optim

    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if name == "nesterov":
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    return {"rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adam": optim.Adam}[name](params, lr=lr)


def _path(fn: Any, name: str, lr: float, start: np.ndarray, steps: int) -> dict:
    from tinygrad_edu import Value

    v = Value(start.copy(), label="xy")
    opt = _make(name, [v], lr)
    points = [start.tolist()]
    status = "ok"
    for _ in range(steps):
        opt.zero_grad()
        fn(v).backward()
        opt.step()
        p = np.asarray(v.data, dtype=np.float64)
        if not np.all(np.isfinite(p)) or np.abs(p).max() > ESCAPE:
            status = "diverged"
            break
        points.append(p.tolist())
    last = np.asarray(points[-1])
    with np.errstate(all="ignore"):
        final = float(np.asarray(fn(last)))
    dist = float(np.linalg.norm(last - fn.minimum))
    return {"name": name, "lr": lr, "status": status, "points": np.round(points, 5).tolist(),
            "final_loss": finite(final), "distance": finite(dist)}


def run_race(d: dict) -> dict:
    """Validate the request ({fn, optimizers: [{name, lr}], steps}) and race."""
    from optim import testfns

    name = d.get("fn")
    if name not in FUNCTIONS:
        raise ApiError(f"'fn' must be one of {', '.join(FUNCTIONS)}; got {str(name)[:40]!r}")
    fn = getattr(testfns, name)
    steps = get_int(d, "steps", 1, MAX_STEPS, 300)
    entries = d.get("optimizers")
    if not isinstance(entries, list) or not entries:
        raise ApiError("'optimizers' must be a non-empty list like [{\"name\": \"adam\", \"lr\": 0.05}]")
    if len(entries) > len(OPTIMIZERS):
        raise ApiError(f"'optimizers' has {len(entries)} entries, at most {len(OPTIMIZERS)}")
    chosen: list[tuple[str, float]] = []
    for e in entries:
        if not isinstance(e, dict) or e.get("name") not in OPTIMIZERS:
            raise ApiError(f"each optimizer needs a 'name', one of {', '.join(OPTIMIZERS)}")
        if e["name"] in (n for n, _ in chosen):
            raise ApiError(f"optimizer {e['name']!r} is listed twice")
        lr = get_float(e, "lr", 0.0, 10.0, DEFAULT_LR[name][e["name"]], lo_open=True)
        chosen.append((e["name"], lr))

    x0, x1, y0, y1 = BOXES[name]
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(fn(np.stack([gx, gy])), dtype=np.float64)
    # Colour by log(f - min): the valleys where optimizers crawl are many decades below the walls.
    zmin = min(float(z.min()), float(np.asarray(fn(fn.minimum))))
    logz = np.log10(z - zmin + 1e-3)
    with np.errstate(all="ignore"):
        paths = [_path(fn, n, lr, np.asarray(fn.start, dtype=np.float64), steps) for n, lr in chosen]
    return {"fn": name, "doc": (fn.__doc__ or "").strip().split("\n")[0], "box": [x0, x1, y0, y1],
            "grid": GRID, "z": np.round(logz, 3).ravel().tolist(), "start": np.asarray(fn.start).tolist(),
            "minimum": np.asarray(fn.minimum).tolist(), "steps": steps, "paths": paths,
            "zrange": [float(logz.min()), float(logz.max()) if math.isfinite(float(logz.max())) else 0.0]}
