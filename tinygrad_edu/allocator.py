"""Keep the memory of freed large arrays in the process: no page faults for every step's arrays.

A training step makes and frees the same large arrays (activations, im2col columns, gradients)
every step. glibc's malloc serves a block above its mmap threshold (128 KiB at start, adjusted
upwards as blocks are freed) with a fresh mmap and unmaps it on free, and gives the top of its
heap back to the OS past its trim threshold; the next step's arrays then touch new pages, and
each first touch of a page is a page fault in which the kernel zeroes 4 KiB. In the W3 CNN step
(bench/sustained.py) that was about 2,200 faults per step.

`import tinygrad_edu` therefore sets, on Linux with glibc only, through `mallopt`:

    M_MMAP_THRESHOLD = 32 MiB    blocks up to 32 MiB come from the heap and are reused there
    M_TRIM_THRESHOLD = 256 MiB   up to 256 MiB of freed heap stays mapped for the next step

The cost is memory: up to 256 MiB that a step freed stays part of the process until it is used
again (the peak of a step is not higher; blocks above 32 MiB are still mapped and unmapped).
The setting is process-wide (it applies to every library's allocations). Turn it off with the
environment variable TINYGRAD_EDU_MALLOC=0 (set before the import); `describe()` says what was
applied. The gain is measured in the README's Speed section.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

OFF_VAR = "TINYGRAD_EDU_MALLOC"
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit machines
TRIM_THRESHOLD = 256 * 1024 * 1024
_applied: list[str] = []


def enabled(environ: os._Environ | dict = os.environ) -> bool:
    """False when the user turned the setting off (TINYGRAD_EDU_MALLOC=0/off/false/no)."""
    return environ.get(OFF_VAR, "1").strip().lower() not in ("0", "off", "false", "no")


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018  (present in glibc only, not in musl)
        return libc
    except (OSError, AttributeError):
        return None


def apply() -> str:
    """Apply the setting (once per process). Returns `describe()`."""
    if _applied:
        return describe()
    if not enabled():
        _applied.append(f"malloc left as it is ({OFF_VAR}={os.environ[OFF_VAR]})")
        return describe()
    libc = _glibc()
    if libc is None:
        _applied.append("malloc left as it is (not Linux with glibc)")
        return describe()
    ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    _applied.append(f"glibc malloc: M_MMAP_THRESHOLD={MMAP_THRESHOLD >> 20} MiB, "
                    f"M_TRIM_THRESHOLD={TRIM_THRESHOLD >> 20} MiB" + ("" if ok else " (mallopt refused)"))
    return describe()


def describe() -> str:
    """One line: what the setting did in this process."""
    return _applied[0] if _applied else "not applied yet"
