"""Run Graphviz's `dot` with bounded cost: a time limit, a cap on concurrent runs, a cache.

    >>> from viz import draw_graph
    >>> from viz.render import render_svg_bounded
    >>> svg = render_svg_bounded(draw_graph(L), timeout=10)   # RenderTimeout after 10 s

Why: `dot`'s layout is worst-case super-linear. A fan-out such as `x + x + ... + x` (100 terms)
makes its crossing minimisation run for minutes. Three bounds keep any input cheap:

- layout effort: `dot` gets `-Gnslimit=2 -Gnslimit1=2 -Gmclimit=0.3` (graph attributes bounding
  its network-simplex iterations and crossing-minimisation passes; a graph's own attributes win).
  The 100-term fan-out then lays out in about 1 s instead of minutes, with the same drawing for
  ordinary graphs.
- time: the process runs in its own process group and is killed (SIGKILL to the group) when
  `timeout` seconds pass or `cancelled()` becomes true (a web client that went away); it also
  runs under coreutils' `timeout -s KILL`, so it dies on time even if this process dies first.
- concurrency: at most `max_concurrent` `dot` processes per `Renderer`; a caller waits at most
  `queue_timeout` seconds for a slot (less if `cancelled()` turns true), then gets `RenderBusy`.
- shedding only what is expensive: `reserved` of the slots are kept for cheap drawings (at most
  `cheap_edges` edges, e.g. the graph of tanh(x*w + b)), so a flood of expensive drawings waits
  and is refused (RenderBusy) while small ones still get a slot at once. A drawing judged cheap
  gets at most `cheap_timeout` seconds of `dot`'s CPU time in a reserved slot; if it needs more it
  is killed and runs again as an expensive one with the time it has left, so no input holds a
  reserved slot long. CPU time, not the wall clock, because the wall clock measures the machine:
  on a loaded machine a 30 ms layout can take seconds to finish and is still cheap. (Where
  /proc is missing the budget falls back to wall time.)
- priority: expensive drawings run under `nice -n 10`, so on a busy machine the cores go to the
  server and to small drawings first.

Finished renders are kept in an LRU cache bounded by total bytes, keyed by the SHA-256 of the
DOT text and the format, so the same drawing is never laid out twice.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["ByteCache", "Renderer", "RenderError", "RenderTimeout", "RenderBusy", "RenderCancelled", "render_bounded",
           "render_svg_bounded", "default_renderer", "DOT_EFFORT_LIMITS", "CHEAP_EDGES", "CHEAP_TIMEOUT"]

DOT_EFFORT_LIMITS = ("-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.3")
CHEAP_EDGES = 64  # a drawing with at most this many edges lays out in well under 0.1 s, whatever its shape
CHEAP_TIMEOUT = 1.5  # seconds of dot's CPU time a cheap drawing may use in a reserved slot
_POLL = 0.05  # seconds between checks of the clock and of `cancelled`
_EXPENSIVE_NICE = 10  # scheduling niceness of `dot` for drawings that are not cheap
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100  # /proc's unit of CPU time


class RenderError(RuntimeError):
    """`dot` failed (bad DOT text, or it crashed); the message is its first error line."""


class RenderTimeout(RenderError):
    """`dot` ran out of its time limit and was killed."""


class RenderBusy(RenderError):
    """Every render slot stayed taken for `queue_timeout` seconds."""


class RenderCancelled(RenderError):
    """The caller stopped waiting (`cancelled()` became true); `dot` was killed."""


def _source(graph: Any) -> str:
    """DOT text of a graphviz.Digraph/Graph/Source, or the text itself."""
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render: expected DOT text or a graphviz graph, got {type(graph).__name__}")
    return source


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of `pid` and its descendants (the `timeout` wrapper and `dot`),
    read from /proc; None where /proc cannot tell."""
    total, todo = 0.0, [pid]
    try:
        while todo:
            p = todo.pop()
            with open(f"/proc/{p}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()  # after "(comm)", which may hold spaces
            total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14, 15 of stat
            with open(f"/proc/{p}/task/{p}/children", "rb") as f:
                todo += [int(c) for c in f.read().split()]
    except (OSError, ValueError, IndexError):
        return None if p == pid else total  # a child that exited between the reads has no more to count
    return total


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process group (dot may fork helpers), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


class ByteCache:
    """A thread-safe LRU map from keys to bytes/str, bounded by the total size of its values.

    An entry larger than a quarter of the budget is not kept (one huge item must not flush the rest).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0

    @property
    def size(self) -> int:
        return self._size

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return value

    def put(self, key: Any, value: Any) -> None:
        n = len(value)
        if n > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._size += n
            while self._size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


class Renderer:
    """Bounded `dot` runs: `max_concurrent` at once, `reserved` of them for cheap drawings only,
    an LRU cache of `cache_bytes` in total (see the module docstring)."""

    def __init__(self, max_concurrent: int = 2, cache_bytes: int = 16 * 2**20, queue_timeout: float = 10.0,
                 reserved: int = 0, cheap_edges: int = CHEAP_EDGES, cheap_timeout: float = CHEAP_TIMEOUT) -> None:
        if max_concurrent < 1:
            raise ValueError(f"Renderer: max_concurrent must be at least 1, got {max_concurrent}")
        if not 0 <= reserved < max_concurrent:
            raise ValueError(f"Renderer: reserved must be at least 0 and below max_concurrent ({max_concurrent}), "
                             f"got {reserved}")
        self.max_concurrent = max_concurrent
        self.reserved = reserved
        self.cheap_edges = cheap_edges
        self.cheap_timeout = cheap_timeout
        self.cache_bytes = cache_bytes
        self.queue_timeout = queue_timeout
        self._slots = threading.Condition()
        self._taken = {"all": 0, "expensive": 0}  # slots held, guarded by _slots
        self._lock = threading.Lock()
        self.cache = ByteCache(cache_bytes)
        self.stats = {"running": 0, "peak": 0, "started": 0, "killed": 0, "busy": 0, "cheap": 0, "expensive": 0,
                      "peak_expensive": 0}

    def is_cheap(self, source: str) -> bool:
        """Whether a drawing may use a reserved slot: at most `cheap_edges` edges (DOT's `->`)."""
        return source.count("->") <= self.cheap_edges

    # -- slots -----------------------------------------------------------------------------------
    def _acquire(self, cheap: bool, cancelled: Callable[[], bool] | None) -> bool:
        """Take a slot (a cheap drawing any free one, an expensive one only an unreserved one),
        waiting at most queue_timeout seconds; False if none came free or the caller left."""
        def free() -> bool:
            return self._taken["all"] < self.max_concurrent and (
                cheap or self._taken["expensive"] < self.max_concurrent - self.reserved)

        deadline = time.monotonic() + self.queue_timeout
        with self._slots:
            while not free():
                left = deadline - time.monotonic()
                if left <= 0 or (cancelled is not None and cancelled()):
                    return False
                self._slots.wait(min(left, 0.1))  # wake up now and then: a waiting client may have left
            self._taken["all"] += 1
            self._taken["expensive"] += not cheap
            with self._lock:
                self.stats["cheap" if cheap else "expensive"] += 1
                self.stats["peak_expensive"] = max(self.stats["peak_expensive"], self._taken["expensive"])
            return True

    def _release(self, cheap: bool) -> None:
        with self._slots:
            self._taken["all"] -= 1
            self._taken["expensive"] -= not cheap
            self._slots.notify_all()

    def _in_slot(self, cheap: bool, exe: str, source: str, format: str, timeout: float,
                 cancelled: Callable[[], bool] | None, cpu_limit: float | None = None) -> bytes:
        if not self._acquire(cheap, cancelled):
            with self._lock:
                self.stats["busy"] += 1
            if cancelled is not None and cancelled():
                raise RenderCancelled("the drawing was cancelled")
            kind = "small " if cheap else ""
            raise RenderBusy(f"the server is busy drawing other {kind}graphs ({self.max_concurrent} at once); "
                             "try again in a moment")
        try:
            return self._run(exe, source, format, timeout, cancelled, cpu_limit, nice=0 if cheap else _EXPENSIVE_NICE)
        finally:
            self._release(cheap)

    # -- rendering -------------------------------------------------------------------------------
    def render(self, graph: Any, format: str = "svg", timeout: float = 10.0,
               cancelled: Callable[[], bool] | None = None) -> bytes:
        """`dot -T<format>` of `graph` (DOT text or a graphviz object) as bytes, bounded as above."""
        from .graph import GraphvizNotFound

        if not format.isalnum():
            raise ValueError(f"render: bad format {format!r}")
        source = _source(graph)
        key = hashlib.sha256(format.encode() + b"\0" + source.encode("utf-8")).hexdigest()
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        exe = shutil.which("dot")
        if exe is None:
            raise GraphvizNotFound()
        if self.reserved and self.is_cheap(source):
            start = time.monotonic()
            try:
                data = self._in_slot(True, exe, source, format, timeout, cancelled, cpu_limit=self.cheap_timeout)
            except _OverBudget:
                left = timeout - (time.monotonic() - start)
                if left <= 0:
                    raise RenderTimeout(_too_slow(timeout)) from None
                try:  # not cheap after all: out of the reserved slot, with the time it has left
                    data = self._in_slot(False, exe, source, format, left, cancelled)
                except RenderTimeout:
                    raise RenderTimeout(_too_slow(timeout)) from None
        else:
            data = self._in_slot(False, exe, source, format, timeout, cancelled)
        self.cache.put(key, data)
        return data

    def _run(self, exe: str, source: str, format: str, timeout: float, cancelled: Callable[[], bool] | None,
             cpu_limit: float | None = None, nice: int = 0) -> bytes:
        """One `dot` run, killed after `timeout` wall seconds or `cpu_limit` CPU seconds
        (_OverBudget; wall seconds where /proc is missing), or when `cancelled()`."""
        start = time.monotonic()
        deadline = start + timeout
        proc = subprocess.Popen([*_hard_limit(timeout), *_lower_priority(nice), exe, f"-T{format}", *DOT_EFFORT_LIMITS],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        with self._lock:
            self.stats["started"] += 1
            self.stats["running"] += 1
            self.stats["peak"] = max(self.stats["peak"], self.stats["running"])
        try:
            payload: bytes | None = source.encode("utf-8")
            while True:
                try:
                    out, err = proc.communicate(payload, timeout=_POLL)
                    break
                except subprocess.TimeoutExpired:
                    payload = None  # sent once; later calls only wait
                over = False
                if cpu_limit is not None:
                    used = _cpu_seconds(proc.pid)
                    over = (used if used is not None else time.monotonic() - start) > cpu_limit
                timed_out = time.monotonic() > deadline
                if over or timed_out or (cancelled is not None and cancelled()):
                    _kill(proc)
                    with self._lock:
                        self.stats["killed"] += 1
                    if timed_out:
                        raise RenderTimeout(_too_slow(timeout))
                    if over:
                        raise _OverBudget(f"dot needed more than {cpu_limit:g} s of CPU time")
                    raise RenderCancelled("the drawing was cancelled")
        finally:
            if proc.poll() is None:  # an exception of our own (e.g. KeyboardInterrupt)
                _kill(proc)
            with self._lock:
                self.stats["running"] -= 1
        if proc.returncode != 0:
            first = err.decode("utf-8", "replace").strip().splitlines()[:1]
            raise RenderError(f"Graphviz failed: {first[0] if first else 'exit status ' + str(proc.returncode)}")
        return out


class _OverBudget(RenderError):
    """A cheap drawing used up its CPU budget (internal: it is then drawn as an expensive one)."""


def _lower_priority(nice: int) -> list[str]:
    """coreutils' `nice -n N` in front of dot (nothing for N = 0 or where `nice` is missing)."""
    wrapper = shutil.which("nice") if nice else None
    return [wrapper, "-n", str(nice)] if wrapper else []


def _hard_limit(timeout: float) -> list[str]:
    """coreutils' `timeout -s KILL`: dot dies at its deadline even if this process died first
    (killed, or a crashed test run), so no orphaned `dot` lays a huge graph out for minutes."""
    wrapper = shutil.which("timeout")
    return [wrapper, "-s", "KILL", f"{math.ceil(timeout) + 1}"] if wrapper else []


def _too_slow(timeout: float) -> str:
    return f"Graphviz needed more than {timeout:g} s to lay this graph out and was stopped; try a smaller expression"


_DEFAULT = Renderer()


def default_renderer() -> Renderer:
    """The process-wide Renderer used by the functions below (2 concurrent `dot` runs)."""
    return _DEFAULT


def render_bounded(graph: Any, format: str = "svg", timeout: float = 10.0,
                   cancelled: Callable[[], bool] | None = None) -> bytes:
    """`dot -T<format>` output as bytes, with the default Renderer's bounds (see the module docstring)."""
    return _DEFAULT.render(graph, format, timeout, cancelled)


def render_svg_bounded(graph: Any, timeout: float = 10.0, cancelled: Callable[[], bool] | None = None) -> str:
    """SVG text of `graph` (a graphviz.Digraph or DOT text); raises RenderTimeout after `timeout`
    seconds (the `dot` process is killed), RenderBusy when all slots stay taken, GraphvizNotFound
    when `dot` is missing."""
    return render_bounded(graph, "svg", timeout, cancelled).decode("utf-8")
