"""Work arrays the optimizers reuse from step to step, so an update allocates nothing.

An update such as `p -= lr * m / (sqrt(v) + eps)` written with numpy operators makes a new
array for every intermediate result, every step. Each optimizer instead keeps, per parameter, a
few arrays shaped like the parameter and writes the intermediates into them with `out=`. They
are private to the optimizer (not in `state`, so `state_dict()` stays torch's layout) and are
made again if the parameter's shape or dtype changes.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Value


def scratch(opt: object, p: Value, slot: int = 0) -> np.ndarray:
    """A work array like `p.data` (same shape and dtype), owned by `opt`, the same one every step."""
    store: dict[tuple[int, int], np.ndarray] = opt.__dict__.setdefault("_scratch", {})
    data = p.data
    shape = np.shape(data)
    dtype = data.dtype if isinstance(data, (np.ndarray, np.generic)) else np.asarray(data).dtype
    buf = store.get((id(p), slot))
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = store[(id(p), slot)] = np.empty(shape, dtype)
    return buf


def subtract_(p: Value, update: np.ndarray) -> None:
    """p.data -= update, in p's own memory (a 0-d parameter, stored as an immutable numpy
    scalar, gets the result assigned back instead)."""
    data = p.data
    if isinstance(data, np.ndarray) and data.ndim > 0 and data.flags.writeable:
        np.subtract(data, update, out=data)
    else:
        p.data = (np.asarray(data) - update)[()]
