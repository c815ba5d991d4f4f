"""Multi-parameter steps: a group's parameters of one dtype updated as one long vector.

Updating each parameter on its own pays numpy's call overhead (about a microsecond) for every
operation of the formula, for every parameter: an Adam step is a dozen operations, so a
six-layer MLP pays some eighty calls, more than the arithmetic itself when the layers are
small. A `Bucket` instead

- gathers the gradients of its parameters into one flat array (one `np.concatenate`),
- keeps each state buffer of those parameters (exp_avg, momentum_buffer, ...) in one flat array,
  and puts a view of its slice into `state[p][name]`, so per-parameter access and `state_dict()`
  read the same numbers,
- hands the optimizer flat work arrays for the intermediates (`out=`; nothing is allocated per
  step), and subtracts each parameter's slice of the final step from that parameter.

The arithmetic per element is the per-parameter formula, unchanged. A group is split into
buckets of parameters that share a dtype and whatever else the optimizer needs to be equal (the
step count, whether a buffer exists yet). A parameter of SOLO_SIZE elements or more gets a
bucket of its own, which works on its own arrays: copying it would cost more than the calls saved. A
bucket is rebuilt, copying the current state in, when its parameters change shape or dtype or
a state buffer was replaced (`load_state_dict`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

from tinygrad_edu import Value

SOLO_SIZE = 32768  # from this many elements on, the per-call overhead no longer matters: no gathering


def _dtype(a: Any) -> np.dtype:
    return a.dtype if isinstance(a, (np.ndarray, np.generic)) else np.asarray(a).dtype


def subtract_(p: Value, update: np.ndarray) -> None:
    """p.data -= update, in p's own memory (a 0-d parameter, stored as an immutable numpy
    scalar, gets the result assigned back instead)."""
    data = p.data
    if isinstance(data, np.ndarray) and data.ndim > 0 and data.flags.writeable:
        np.subtract(data, update, out=data)
    else:
        p.data = (np.asarray(data) - update)[()]


class Bucket:
    """Parameters of one dtype seen as one vector: flat gradient, state buffers and work arrays."""

    def __init__(self, params: list[Value], states: list[dict[str, Any]], names: tuple[str, ...]) -> None:
        self.params, self.states, self.names = params, states, names
        self.shapes = [np.shape(p.data) for p in params]
        self.dtype = _dtype(params[0].data)
        sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.bounds = list(zip(np.cumsum([0, *sizes[:-1]]).tolist(), np.cumsum(sizes).tolist()))
        n = sum(sizes)
        self.single = len(params) == 1
        self.flat: dict[str, np.ndarray | None] = {}
        self._views: list[dict[str, Any]] = [{} for _ in params]
        for name in names:
            arrays = [st.get(name) for st in states]
            if all(a is None for a in arrays):  # not created yet (SGD's momentum before the first step)
                self.flat[name] = None
                continue
            if self.single and isinstance(arrays[0], np.ndarray) and arrays[0].flags.c_contiguous \
                    and arrays[0].dtype == self.dtype:
                self.flat[name] = arrays[0].reshape(-1)  # a view: the state array itself
                self._views[0][name] = arrays[0]
                continue
            flat = self.flat[name] = np.empty(n, self.dtype)
            for i, (a, b) in enumerate(self.bounds):
                flat[a:b] = np.ravel(arrays[i])
                states[i][name] = self._views[i][name] = flat[a:b].reshape(self.shapes[i])
        self.size = n
        self._work: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}
        self._grad = None if self.single else np.empty(n, self.dtype)
        self._data: np.ndarray | None = None

    def work(self, i: int) -> np.ndarray:
        """Flat work array number i (made on first use, then the same one every step)."""
        if i not in self._work:
            w = np.empty(self.size, self.dtype)
            self._work[i] = (w, [w[a:b].reshape(s) for (a, b), s in zip(self.bounds, self.shapes)])
        return self._work[i][0]

    def create(self, name: str, value: np.ndarray) -> np.ndarray:
        """Make the flat buffer `name` (missing until now) as a copy of `value`; state gets views."""
        flat = self.flat[name] = np.array(value, dtype=self.dtype).reshape(-1)
        for i, (a, b) in enumerate(self.bounds):
            self.states[i][name] = self._views[i][name] = flat[a:b].reshape(self.shapes[i])
        return flat

    def valid(self, states: list[dict[str, Any]], same: Callable[[dict[str, Any]], Hashable]) -> bool:
        """Still describes its parameters: same state dicts holding our views, same shapes and
        dtype, and `same(state)` still equal across them."""
        first = same(states[0])
        for p, st, mine, shape, views in zip(self.params, states, self.states, self.shapes, self._views):
            if st is not mine or same(st) != first:
                return False
            d = p.data
            if getattr(d, "shape", None) != shape or getattr(d, "dtype", None) != self.dtype:
                return False
            for name in self.names:
                if st.get(name) is not views.get(name):
                    return False
        return True

    def gather_grad(self, grads: list[np.ndarray]) -> np.ndarray:
        """The gradients as one flat array (read only: it may be the parameter's own .grad)."""
        if self.single:
            return grads[0].reshape(-1)
        return np.concatenate([g.reshape(-1) for g in grads], out=self._grad, casting="same_kind")

    def gather_data(self) -> np.ndarray:
        """The parameters' values as one flat array (a copy when there are several)."""
        if self.single:
            return np.reshape(self.params[0].data, -1)
        if self._data is None:
            self._data = np.empty(self.size, self.dtype)
        return np.concatenate([np.reshape(p.data, -1) for p in self.params], out=self._data)

    def subtract(self, i: int) -> None:
        """p -= its slice of work array i, for every parameter."""
        for p, v in zip(self.params, self._work[i][1]):
            subtract_(p, v)

    def subtract_ratio(self, numer: np.ndarray, scale: float) -> None:
        """p -= scale * numer / d for every parameter, d being in work array 0 (overwritten)."""
        d = self.work(0)
        np.divide(numer, d, out=d)
        d *= scale
        self.subtract(0)

    def scale_data(self, factor: float) -> None:
        """p *= factor for every parameter (AdamW's decoupled weight decay)."""
        for p in self.params:
            data = p.data
            if isinstance(data, np.ndarray) and data.ndim > 0 and data.flags.writeable:
                data *= factor
            else:
                p.data = (np.asarray(data) * factor)[()]


def buckets(opt: Any, group: dict[str, Any], names: tuple[str, ...],
            same: Callable[[dict[str, Any]], Hashable] = lambda state: None,
            ) -> Iterator[tuple[Bucket, np.ndarray]]:
    """(bucket, flat gradient) for the group's parameters that have a gradient, split by dtype and
    by `same(state)`. The buckets are kept on `opt` between steps and made again when stale. With
    no state `names`, no per-parameter state is created (as torch's SGD without momentum)."""
    params, grads, states = [], [], []
    for p, g in opt._params_with_grad(group):
        params.append(p)
        grads.append(g)
        states.append(opt._state_for(p, group) if names else {})
    if not params:
        return
    cache: dict[tuple, list[tuple[Bucket, list[int]]]] = opt.__dict__.setdefault("_buckets", {})
    key = (names, *map(id, params))
    plan = cache.get(key)
    if plan is None or not all(b.valid([states[i] for i in idx], same) for b, idx in plan):
        split: dict[Hashable, list[int]] = {}
        for i, (p, st) in enumerate(zip(params, states)):
            solo = i if np.size(p.data) >= SOLO_SIZE else None  # large: its own bucket, no copying
            split.setdefault((_dtype(p.data), same(st), solo), []).append(i)
        if len(cache) > 64:  # parameter sets that changed (freezing): forget the old plans
            cache.clear()
        plan = cache[key] = [(Bucket([params[i] for i in idx], [states[i] for i in idx], names), idx)
                             for idx in split.values()]
    for bucket, idx in plan:
        yield bucket, bucket.gather_grad([grads[i] for i in idx])


def effective_grad(bucket: Bucket, g: np.ndarray, maximize: bool, wd: float) -> np.ndarray:
    """g, or -g (maximize), plus wd * p (L2 weight decay); in work array 1 when it changes."""
    if not maximize and wd == 0:
        return g
    out = bucket.work(1)
    if wd == 0:
        return np.negative(g, out=out)
    np.multiply(bucket.gather_data(), wd, out=out)
    return (np.subtract if maximize else np.add)(out, g, out=out)
