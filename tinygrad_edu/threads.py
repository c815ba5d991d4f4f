"""The BLAS thread policy: numpy's BLAS runs one thread, unless you chose otherwise.

Course-scale matrices (a batch of 64 through 64x128 or 784x256 layers, im2col of 28x28 images)
are too small for BLAS threads to pay much: when the cores are free, a second thread saves a
little on the larger products (W2 below) and nothing on the digits; when anything else runs on
them (another program, a second notebook, the browser), OpenBLAS's threads spin and wait on each
other, and the same step takes 10-15 times longer. Measured on a 2-core machine, ms per step of
a sustained loop (bench/sustained.py; bench/runtime_gain.py for the idle column)::

                                         other work running       idle machine
    workload                            1 thread   2 threads    1 thread   2 threads
    W2 MLP 784-256-128-10, batch 128      2.3        32           1.69       1.20
    W3 CNN conv8-pool-fc, batch 64       12.5        52           1.70       1.60
    digits MLP fit, per batch             1.37       18.5         0.222      0.235
    digits CNN fit, per batch             1.31       20.7         0.525      0.523

(the "other work" columns were measured before the convolution and allocator work, hence the
larger figures). One thread loses up to 30% on an idle machine and wins 4-15x on a busy one,
so it is the default; set TINYGRAD_EDU_THREADS=default (or any of the variables below) on a
machine you have to yourself.

Two ways to get a second core's help without the spinning were measured too (W2, ms per step):
OpenBLAS's two threads with OPENBLAS_THREAD_TIMEOUT=4 (its threads sleep at once instead of
spinning) ran 2.1-2.4 on the idle machine but 3.4-3.5 beside one CPU-bound process, where one
thread ran 2.4-2.5; and splitting a product over a thread of our own that sleeps between jobs
pays about 100 us per wake-up on this machine, more than half of W2's largest product saves.
A split whose halves are *claimed* (the caller runs every half the sleeping worker has not
started yet, so a late worker costs nothing) was measured on W2 as well: its six large jobs
(the 784-256 and 256-128 products, Adam's 200,704-element update) cut in two. Medians of 7
windows, 3 processes each: 2.7-2.9 ms per step against 2.8-3.2 with one thread on the idle
machine, 3.4-4.0 against 2.7-3.3 beside one CPU-bound process; cutting in 4 or 8 parts was
slower in both. The halves on two cores took 1.2-1.4 ms where the whole took 2.0 on one. It
is not used: idle it gains under a tenth, busy it loses a fifth.

So `import tinygrad_edu` applies, once, before anything is computed:

- if you set any of OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS: nothing (yours rules);
- else if TINYGRAD_EDU_THREADS is set: that many threads, or numpy's own default when it is
  "default" (or 0);
- else one thread. When numpy is not loaded yet, OPENBLAS_NUM_THREADS=1 (and MKL's) is put in the
  environment while numpy loads and taken out again, so neither child processes nor other
  libraries (torch) see it; when numpy is already loaded, threadpoolctl sets numpy's BLAS to one
  thread, unless its thread count was already lowered (by you, with threadpoolctl).

A later `threadpoolctl.threadpool_limits(n)` always overrides the policy. `describe()` says what
was applied.
"""

from __future__ import annotations

import os
import sys

USER_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
OWN_VAR = "TINYGRAD_EDU_THREADS"
DEFAULT_THREADS = 1
_applied: list[str] = []  # what apply() did, for describe()


def wanted_threads(environ: os._Environ | dict = os.environ) -> int | None:
    """The BLAS thread count the policy asks for, or None to leave numpy's as it is."""
    if any(environ.get(var) for var in USER_VARS):
        return None
    own = environ.get(OWN_VAR, "").strip().lower()
    if own in ("default", "0"):
        return None
    if own:
        try:
            n = int(own)
        except ValueError:
            raise ValueError(f"{OWN_VAR} must be a positive integer or 'default', got {own!r}") from None
        if n < 1:
            raise ValueError(f"{OWN_VAR} must be a positive integer or 'default', got {own!r}")
        return n
    return DEFAULT_THREADS


def _numpy_blas_controllers() -> list:
    """threadpoolctl's controllers of the BLAS libraries numpy loaded ([] without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    return [lib for lib in ThreadpoolController().lib_controllers
            if lib.user_api == "blas" and "numpy" in str(lib.filepath)]


def apply() -> str:
    """Apply the policy (once per process; later calls only report). Returns `describe()`."""
    if _applied:
        return describe()
    n = wanted_threads()
    if n is None:
        chosen = [v for v in (*USER_VARS, OWN_VAR) if os.environ.get(v)]
        _applied.append(f"numpy's BLAS threads left as they are ({', '.join(chosen) or 'numpy default'})")
    elif "numpy" not in sys.modules:
        saved = {var: os.environ.get(var) for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        os.environ.update({var: str(n) for var in saved})
        try:
            import numpy  # noqa: F401  (its BLAS reads the variables as it loads)
        finally:
            for var, old in saved.items():
                if old is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = old
        _applied.append(f"numpy's BLAS loaded with {n} thread(s) (tinygrad_edu.threads policy)")
    else:
        libs = _numpy_blas_controllers()
        cores = os.cpu_count() or 1
        lowered = [lib for lib in libs if lib.num_threads < cores and lib.num_threads != n]
        if lowered:  # someone (threadpoolctl) already lowered it: theirs rules
            _applied.append("numpy's BLAS threads left as set before import "
                            f"({', '.join(str(lib.num_threads) for lib in lowered)})")
        else:
            for lib in libs:
                lib.set_num_threads(n)
            _applied.append(f"numpy's BLAS set to {n} thread(s) with threadpoolctl (numpy was already loaded)"
                            if libs else "numpy's BLAS threads unknown (threadpoolctl missing): left as they are")
    return describe()


def describe() -> str:
    """One line: what the policy did in this process."""
    return _applied[0] if _applied else "policy not applied yet"
