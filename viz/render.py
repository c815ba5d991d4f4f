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
  `timeout` seconds pass or `cancelled()` becomes true (a web client that went away).
- concurrency: at most `max_concurrent` `dot` processes per `Renderer`; a caller waits at most
  `queue_timeout` seconds for a slot, then gets `RenderBusy`.

Finished renders are kept in an LRU cache bounded by total bytes, keyed by the SHA-256 of the
DOT text and the format, so the same drawing is never laid out twice.
"""

from __future__ import annotations

import hashlib
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
           "render_svg_bounded", "default_renderer", "DOT_EFFORT_LIMITS"]

DOT_EFFORT_LIMITS = ("-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.3")
_POLL = 0.05  # seconds between checks of the clock and of `cancelled`


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
    """Bounded `dot` runs: `max_concurrent` at once, an LRU cache of `cache_bytes` in total."""

    def __init__(self, max_concurrent: int = 2, cache_bytes: int = 16 * 2**20, queue_timeout: float = 10.0) -> None:
        if max_concurrent < 1:
            raise ValueError(f"Renderer: max_concurrent must be at least 1, got {max_concurrent}")
        self.max_concurrent = max_concurrent
        self.cache_bytes = cache_bytes
        self.queue_timeout = queue_timeout
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self.cache = ByteCache(cache_bytes)
        self.stats = {"running": 0, "peak": 0, "started": 0, "killed": 0}

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
        if not self._slots.acquire(timeout=self.queue_timeout):
            raise RenderBusy(f"the server is busy drawing other graphs ({self.max_concurrent} at once); "
                             "try again in a moment")
        try:
            data = self._run(exe, source, format, timeout, cancelled)
        finally:
            self._slots.release()
        self.cache.put(key, data)
        return data

    def _run(self, exe: str, source: str, format: str, timeout: float,
             cancelled: Callable[[], bool] | None) -> bytes:
        deadline = time.monotonic() + timeout
        proc = subprocess.Popen([exe, f"-T{format}", *DOT_EFFORT_LIMITS], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
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
                if time.monotonic() > deadline or (cancelled is not None and cancelled()):
                    timed_out = time.monotonic() > deadline
                    _kill(proc)
                    with self._lock:
                        self.stats["killed"] += 1
                    if timed_out:
                        raise RenderTimeout(f"Graphviz needed more than {timeout:g} s to lay this graph out and "
                                            "was stopped; try a smaller expression")
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
