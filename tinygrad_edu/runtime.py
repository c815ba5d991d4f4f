"""Process-wide settings applied once, when `tinygrad_edu` is imported (before numpy loads):

- the BLAS thread policy (threads.py): one thread unless OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
  MKL_NUM_THREADS or TINYGRAD_EDU_THREADS say otherwise; threadpoolctl overrides it later;
- the malloc setting (allocator.py): freed large arrays stay in the process for the next step;
  TINYGRAD_EDU_MALLOC=0 turns it off;
- the garbage collector's threshold (collector.py): collections 70x rarer while graphs are built;
  TINYGRAD_EDU_GC=0 turns it off.

`tinygrad_edu.runtime.describe()` tells what was applied in this process.
"""

from __future__ import annotations

from . import allocator, collector, threads

threads.apply()
allocator.apply()
collector.apply()


def describe() -> str:
    """The thread policy, the malloc setting and the gc threshold as applied in this process."""
    return f"BLAS threads: {threads.describe()}\nmalloc: {allocator.describe()}\ngc: {collector.describe()}"
