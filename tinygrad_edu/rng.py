"""The one random generator used by init, dropout and data shuffling.

`manual_seed(n)` makes every random choice in the library repeatable, like `torch.manual_seed`.
"""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator; returns it (for use in the same breath)."""
    global _rng
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _rng = np.random.default_rng(int(seed))
    return _rng


def get_rng() -> np.random.Generator:
    """The current generator (changes identity after each `manual_seed`)."""
    return _rng
