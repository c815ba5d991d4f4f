"""The optimizer race: several optimizers start at the same point of a 2-D test function.

`run_race(payload)` returns the function's values on a grid (the page draws them as a
log-scaled contour map) and each optimizer's path and loss per step, computed by the one
trajectory loop of `optim.catalog` (`opt.zero_grad(); fn(v).backward(); opt.step()`), with the
catalog's optimizers and learning rates. The page animates the paths, so every optimizer is
seen moving even where the paths overlap, and re-races one optimizer when its sliders move.

Each optimizer has at most one extra knob besides the learning rate (`knobs.knob`: beta1,
momentum or alpha, read off the optimizer itself).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .knobs import knob as optimizer_knob
from .knobs import set_knob
from .validate import ApiError, finite, get_float, get_int

__all__ = ["run_race", "options", "functions", "optimizers", "MAX_STEPS"]

# The plotted box [x0, x1, y0, y1] of each function: the start, the minimum and the interesting part.
BOXES = {"rosenbrock": (-2.0, 2.0, -1.0, 3.0), "beale": (-1.0, 4.5, -1.5, 2.5),
         "saddle": (-2.0, 2.0, -1.6, 1.6), "quadratic": (-4.0, 3.0, -3.5, 2.0)}
MAX_STEPS = 2000
GRID = 120


def functions() -> tuple[str, ...]:
    from optim import testfns

    return tuple(n for n in testfns.__all__ if n in BOXES)


def optimizers() -> tuple[str, ...]:
    from optim import catalog

    return catalog.names()


@functools.lru_cache(maxsize=1)
def options() -> dict:
    """What the page offers: functions, optimizers with labels, default lr per function, knobs."""
    from optim import catalog
    from tinygrad_edu import Value

    opts = {}
    for name in optimizers():
        knob = optimizer_knob(catalog.make(name, [Value(np.zeros(2))], lr=0.1))
        opts[name] = {"label": catalog.get(name).label, "knob": knob[0] if knob else None,
                      "knob_default": knob[1] if knob else None,
                      "lr": {f: catalog.default_lr(name, f) for f in functions()}}
    return {"functions": list(functions()), "optimizers": opts, "max_steps": MAX_STEPS,
            "docs": {f: _doc(f) for f in functions()}}


def _doc(name: str) -> str:
    from optim import testfns

    return (getattr(testfns, name).__doc__ or "").strip().split("\n")[0]


@functools.lru_cache(maxsize=8)
def _grid(name: str) -> dict:
    """The log-scaled contour grid of one function (the same for every race on it)."""
    from optim import testfns

    fn = getattr(testfns, name)
    x0, x1, y0, y1 = BOXES[name]
    gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    z = np.asarray(fn(np.stack([gx, gy])), dtype=np.float64)
    # Colour by log(f - min): the valleys where optimizers crawl are many decades below the walls.
    zmin = min(float(z.min()), float(np.asarray(fn(fn.minimum))))
    logz = np.log10(z - zmin + 1e-3)
    top = float(logz.max())
    return {"box": [x0, x1, y0, y1], "grid": GRID, "z": np.round(logz, 3).ravel().tolist(),
            "zrange": [float(logz.min()), top if math.isfinite(top) else 0.0],
            "start": np.asarray(fn.start).tolist(), "minimum": np.asarray(fn.minimum).tolist()}


def _path(fn_name: str, name: str, lr: float, knob: float | None, steps: int) -> dict:
    from optim import catalog, testfns

    fn = getattr(testfns, fn_name)
    spec = catalog.get(name)

    def factory(params: list) -> Any:
        return set_knob(spec.build(params, lr), knob)

    run = catalog.trajectory(fn, factory, steps)
    return {"name": name, "lr": lr, "knob": knob, "status": run.status,
            "points": np.round(run.points, 5).tolist(),
            "losses": [finite(x) for x in np.asarray(run.losses, dtype=np.float64)],
            "final_loss": finite(run.final_loss), "distance": finite(run.distance(fn.minimum))}


def run_race(d: dict) -> dict:
    """Validate the request ({fn, optimizers: [{name, lr, knob?}], steps, grid?}) and race."""
    fns, names = functions(), optimizers()
    name = d.get("fn")
    if name not in fns:
        raise ApiError(f"'fn' must be one of {', '.join(fns)}; got {str(name)[:40]!r}")
    steps = get_int(d, "steps", 1, MAX_STEPS, 300)
    entries = d.get("optimizers")
    if not isinstance(entries, list) or not entries:
        raise ApiError("'optimizers' must be a non-empty list like [{\"name\": \"adam\", \"lr\": 0.05}]")
    if len(entries) > len(names):
        raise ApiError(f"'optimizers' has {len(entries)} entries, at most {len(names)}")
    info = options()["optimizers"]
    chosen: list[tuple[str, float, float | None]] = []
    for e in entries:
        if not isinstance(e, dict) or e.get("name") not in names:
            raise ApiError(f"each optimizer needs a 'name', one of {', '.join(names)}")
        if e["name"] in (n for n, _, _ in chosen):
            raise ApiError(f"optimizer {e['name']!r} is listed twice")
        lr = get_float(e, "lr", 0.0, 10.0, info[e["name"]]["lr"][name], lo_open=True)
        knob = None
        if info[e["name"]]["knob"] and e.get("knob") is not None:
            knob = get_float(e, "knob", 0.0, 0.999)
        chosen.append((e["name"], lr, knob))
    with np.errstate(all="ignore"):
        paths = [_path(name, n, lr, knob, steps) for n, lr, knob in chosen]
    answer = {"fn": name, "doc": _doc(name), "steps": steps, "paths": paths}
    if d.get("grid", True) is not False:
        answer.update(_grid(name))
    return answer
