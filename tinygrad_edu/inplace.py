"""Catching data changed behind the graph's back (torch's version counter, for numpy data).

An op that needs its inputs for backward (y = x * w needs x and w) reads them when backward
runs. If `x.data` was changed in between, the gradient would silently be wrong. So:

- every op remembers the CLOCK at its creation (`stamp`);
- assigning `.data` (`p.data = ...`, and `x.data *= 10`, which assigns too) ticks the clock and
  stamps the Value with its new version;
- handing out `.data` while a recorded graph awaits its backward (the array you could write
  into: `x.data[...] = 0`) first takes a fingerprint of its contents, once per forward;
- backward re-checks an op only if the clock moved since the op ran, and refuses it if an input
  has a newer version or no longer matches its fingerprint.

After a backward nothing is pending, so optimizer steps pay nothing.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

CLOCK = [0]  # a list so the hot path reads it without a global statement


class InplaceModificationError(RuntimeError):
    """The data of a Value saved by an op for its backward was modified after the op ran."""


def touch(value: Any) -> None:
    """Record that `value`'s data was replaced or changed now (a new version)."""
    CLOCK[0] += 1
    value._track = (CLOCK[0], 0, None)


def fingerprint(data: Any) -> int:
    arr = np.ascontiguousarray(data)
    return zlib.crc32(arr.view(np.uint8).reshape(-1)) if arr.size else 0


PENDING = [False]  # has an op been recorded since the last backward?
RELEASED = [0]  # the clock at the last backward


def release() -> None:
    """A backward finished: reading .data is free again until the next op is recorded."""
    CLOCK[0] += 1
    RELEASED[0] = CLOCK[0]
    PENDING[0] = False


def lend(value: Any) -> None:
    """`value.data` is being handed out while an op still needs it: remember its contents."""
    version, lent, _ = value._track or (0, 0, None)
    if lent > RELEASED[0]:
        return  # already fingerprinted for this forward: keep that first baseline
    CLOCK[0] += 1
    value._track = (version, CLOCK[0], fingerprint(value._data))


def modified_since(value: Any, stamp: int) -> bool:
    """Has `value`'s data changed since the clock read `stamp`?"""
    track = value._track
    if track is None:
        return False
    version, lent, fp = track
    if version > stamp:
        return True
    return lent > stamp and fp != fingerprint(value._data)
