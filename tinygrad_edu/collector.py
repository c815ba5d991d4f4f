"""The cyclic garbage collector's threshold, raised for graph building (TINYGRAD_EDU_GC=0: off).

Every op allocates a Value and a Function, and CPython runs a collection every 700 net
allocations, each of which walks the young objects; as a graph grows, its older generations
are walked again and again. Building a 1,000,000-node chain spent about half of its time there.
Graphs hold no reference cycles (only create_graph makes some), so collecting 70x less often
loses nothing: the threshold of generation 0 goes from 700 to 50,000. It is applied once at
import, only if the threshold is still CPython's default (a user's own gc.set_threshold wins).
"""

from __future__ import annotations

import gc
import os

THRESHOLD0 = 50_000
_applied = False


def apply() -> None:
    global _applied
    if os.environ.get("TINYGRAD_EDU_GC", "1") == "0":
        return
    t0, t1, t2 = gc.get_threshold()
    if t0 == 700:  # CPython's default: nobody chose another
        gc.set_threshold(THRESHOLD0, t1, t2)
        _applied = True


def describe() -> str:
    return (f"gc threshold {gc.get_threshold()[0]} (raised from 700; TINYGRAD_EDU_GC=0 keeps the default)"
            if _applied else f"gc threshold {gc.get_threshold()[0]} (left as it was)")
