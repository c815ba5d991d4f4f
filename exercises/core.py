"""The machinery behind every exercise: a registry of named checks and the result they print.

An exercise is a function `checker(answer)` that raises `Wrong("what differs")` when the
student's answer is not right; `check(name, answer)` runs it and returns a `CheckResult`
that prints (and renders in Jupyter) as a tick, or as a cross with what differs and a hint.
A stub that still raises `NotImplementedError` (or an answer left as `None` / `...`) is
reported as "not attempted yet", so a notebook with blank exercises still runs to the end.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Wrong", "CheckResult", "Exercise", "exercise", "check", "exercise_names", "assert_close"]


class Wrong(AssertionError):
    """Raised by a checker: the message says what differs (where, expected, got)."""


@dataclass(frozen=True)
class Exercise:
    name: str
    lesson: str
    task: str
    hint: str
    checker: Callable[[Any], None]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one `check`: truthy when right; `message` says what differs, `hint` how to fix it."""

    name: str
    passed: bool
    message: str
    hint: str = ""
    attempted: bool = True

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return f"✓ {self.name}: correct. {self.message}".rstrip()
        if not self.attempted:
            return f"… {self.name}: {self.message}\n  task: {self.hint}"
        return f"✗ {self.name}: {self.message}\n  hint: {self.hint}" if self.hint else f"✗ {self.name}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else ("#cf222e" if self.attempted else "#9a6700")
        lines = html.escape(str(self)).replace("\n", "<br>")
        return f"<div style='border-left:4px solid {colour};padding:4px 8px;font-family:monospace'>{lines}</div>"


_REGISTRY: dict[str, Exercise] = {}


def exercise(name: str, hint: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register `checker` under `name`; its docstring is the task, `hint` is shown on a wrong answer."""

    def register(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        lesson = checker.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = Exercise(name, lesson, " ".join((checker.__doc__ or "").split()), hint, checker)
        return checker

    return register


def exercise_names(lesson: str | None = None) -> list[str]:
    """Every registered exercise name (of one lesson module, e.g. "backprop", when given)."""
    return [n for n, e in _REGISTRY.items() if lesson is None or e.lesson == lesson]


def check(name: str, answer: Any) -> CheckResult:
    """Check `answer` (usually the function you wrote) for the exercise `name`.

    Returns a `CheckResult`: `bool(result)` is True when right; printed, it says what differs
    and gives a hint. It never raises for a wrong answer, so a notebook keeps running.
    """
    if name not in _REGISTRY:
        raise ValueError(f"no exercise named {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    ex = _REGISTRY[name]
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, "not attempted yet (the answer is still None).", ex.task, attempted=False)
    try:
        ex.checker(answer)
    except NotImplementedError:
        return CheckResult(name, False, "not attempted yet (your function still raises NotImplementedError).",
                           ex.task, attempted=False)
    except Wrong as e:
        return CheckResult(name, False, str(e), ex.hint)
    except Exception as e:  # the student's code crashed: say where, keep the notebook going
        return CheckResult(name, False, f"your code raised {type(e).__name__}: {e}", ex.hint)
    return CheckResult(name, True, "")


def assert_close(got: Any, expected: Any, what: str, atol: float = 1e-6, rtol: float = 1e-5) -> None:
    """Raise `Wrong` naming `what`, the shapes, or the first element that differs (got vs expected)."""
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got_arr = np.asarray(getattr(got, "data", got), dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what}: expected numbers of shape {expected.shape}, got {type(got).__name__}") from None
    if got_arr.shape != expected.shape:
        raise Wrong(f"{what}: expected shape {expected.shape}, got shape {got_arr.shape}")
    bad = ~np.isclose(got_arr, expected, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {idx}" if got_arr.ndim else ""
        raise Wrong(f"{what}{where}: expected {expected[idx]:.6g}, got {got_arr[idx]:.6g} "
                    f"({int(bad.sum())} of {bad.size} values differ)")
