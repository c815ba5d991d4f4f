"""Timing helpers shared by the workloads: interleaved repetitions, medians, results.

Every workload builds one `step()` callable per system, warms each one up, then times them
interleaved, one call each per round, so slow drifts of the machine (frequency, other processes)
hit every system alike. The order rotates from round to round (A B C, B C A, C A B, ...), so each
system follows each other one equally often (a library's lingering threads or cache state never
taxes the same neighbour). `gc.collect()` runs before each timed call, outside the timing: each system
starts from a clean heap and pays only for the collections its own step triggers. Objects that
exist before the timing (modules of every library loaded, models, data) are moved out of the
collector's sight with `gc.freeze()`, so no system's collections scan another library's objects.
"""

from __future__ import annotations

import gc
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Step = Callable[[], Any]
Builder = Callable[[], Step]


@dataclass
class Result:
    """One row of the table: a workload measured on one system."""

    workload: str
    system: str
    unit: str  # "ms", "us/op", "s"
    samples: list[float] = field(default_factory=list)  # in `unit`
    status: str = ""  # "" when measured, else why not ("n/a: torch not installed", "fails: RecursionError")
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # other figures (e.g. KiB per node)

    @property
    def ok(self) -> bool:
        return not self.status and bool(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_dict(self) -> dict[str, Any]:
        d = {"workload": self.workload, "system": self.system, "unit": self.unit, "status": self.status,
             "note": self.note, "samples": self.samples, **self.extra}
        if self.ok:
            d.update(median=self.median, min=min(self.samples), max=max(self.samples))
        return d


def build_all(workload: str, unit: str, builders: dict[str, Builder]) -> tuple[dict[str, Step], list[Result]]:
    """Call every builder; a missing peer (ImportError) becomes an "n/a" row, any other error an
    "error" row (with the traceback printed), so one broken system never stops the suite."""
    steps: dict[str, Step] = {}
    failed: list[Result] = []
    for system, build in builders.items():
        try:
            steps[system] = build()
        except ImportError as e:
            failed.append(Result(workload, system, unit, status=f"n/a: {e.name or e} not installed"))
        except Exception as e:  # noqa: BLE001 - reported in the table, never hidden
            traceback.print_exc()
            failed.append(Result(workload, system, unit, status=f"error: {type(e).__name__}: {e}"))
    return steps, failed


def time_interleaved(workload: str, unit: str, builders: dict[str, Builder], reps: int, warmup: int = 1,
                     scale: float = 1e3) -> list[Result]:
    """Median-ready samples for each system: `warmup` untimed calls each, then `reps` rounds of
    one timed call per system in turn. `scale` converts seconds to `unit` (1e3 for ms)."""
    steps, failed = build_all(workload, unit, builders)
    results = {s: Result(workload, s, unit) for s in steps}
    for system, step in list(steps.items()):
        try:
            for _ in range(warmup):
                step()
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            failed.append(Result(workload, system, unit, status=f"error: {type(e).__name__}: {e}"))
            del steps[system], results[system]
    gc.collect()
    gc.freeze()
    try:
        names = list(steps)
        for i in range(reps):
            k = i % len(names)
            for system in names[k:] + names[:k]:
                step = steps[system]
                gc.collect()
                t0 = time.perf_counter()
                step()
                results[system].samples.append((time.perf_counter() - t0) * scale)
    finally:
        gc.unfreeze()
    order = list(builders)
    return sorted([*results.values(), *failed], key=lambda r: order.index(r.system))
