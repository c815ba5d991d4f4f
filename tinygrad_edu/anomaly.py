"""Anomaly mode: find the op where NaN or Inf first appears, forward or backward."""

from __future__ import annotations

from .mode import ModeSwitch


class AnomalyError(RuntimeError):
    """Raised inside `detect_anomaly()` by the first op whose output or gradient is NaN/Inf.
    The message names the op and the line of your code that created it."""


class detect_anomaly(ModeSwitch):
    """Check every op's forward output and backward gradient for NaN/Inf::

        with detect_anomaly():
            loss = model(x).log().mean()   # log of a negative number -> AnomalyError here
            loss.backward()

    It costs a check per op, so use it while debugging, not for training runs.
    """

    _flag, _value = "anomaly", True
