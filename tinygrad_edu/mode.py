"""Per-thread switches read by every op: is the graph being recorded, is anomaly mode on.

Thread-local so a background training thread and a drawing thread (the web playground) never
flip each other's switches.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any


class _Mode(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.user_op = ""  # the composite the user called (sqrt, mean, ...), named by anomaly mode


MODE = _Mode()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default); False inside `no_grad()`."""
    return MODE.grad_enabled


class ModeSwitch(contextlib.ContextDecorator):
    """Set one flag of MODE for the duration of a `with` block or a decorated call.

    The saved values live on a per-thread stack: one instance used as a decorator may be entered
    by two threads at once (and re-entered by recursion) without mixing up their modes.
    """

    _flag = ""
    _value = False

    def __init__(self) -> None:
        self._local = threading.local()

    def _stack(self) -> list[bool]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def __enter__(self) -> ModeSwitch:
        self._stack().append(getattr(MODE, self._flag))
        setattr(MODE, self._flag, self._value)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(MODE, self._flag, self._stack().pop())


class no_grad(ModeSwitch):
    """Ops inside record no graph: results have no parents and `requires_grad=False`.

    Use it for evaluation and for parameter updates (`p.data -= lr * p.grad` needs no graph)::

        with no_grad():
            pred = model(X_test)

        @no_grad()
        def evaluate(model, X): ...
    """

    _flag, _value = "grad_enabled", False


class enable_grad(ModeSwitch):
    """Turn graph recording back on inside a `no_grad()` block."""

    _flag, _value = "grad_enabled", True


def composite(name: str) -> Any:
    """Decorate a method built from primitives, so anomaly mode names what the user called
    ('sqrt: pow', not just the 'pow' inside). Costs one flag test when anomaly mode is off."""

    def deco(method: Any) -> Any:
        @functools.wraps(method)
        def named(*args: Any, **kwargs: Any) -> Any:
            if not MODE.anomaly or MODE.user_op:
                return method(*args, **kwargs)
            MODE.user_op = name
            try:
                return method(*args, **kwargs)
            finally:
                MODE.user_op = ""

        return named

    return deco
