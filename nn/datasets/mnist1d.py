"""MNIST-1D (Greydanus & Kobak, ICML 2024), generated offline by the `mnist1d` package.

Ten 1-D templates (one per digit) are padded, scaled, sheared, translated, blurred with
correlated noise and sampled to 40 points; seed 42 and the default arguments give the
published data set (4000 training and 1000 test signals). Nothing is downloaded and no pickle
is read: `mnist1d.data.make_dataset` runs its procedural generator here (about a second).
"""

from __future__ import annotations

import functools
import random

import numpy as np

INSTALL_HINT = "pip install 'tinygrad-edu[data]'  (or: pip install mnist1d)"


def load_mnist1d(shuffle_seq: bool = False) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((X_train (4000, 40) float32, y_train (4000,) int64), (X_test (1000, 40), y_test (1000,))).

    shuffle_seq=True applies one fixed random permutation to the 40 positions of every signal
    (the paper's "spatially shuffled" variant: the information is all still there, but local
    structure, which convolutions and recurrences rely on, is gone). The generator seeds
    numpy's and Python's global random state; both are restored afterwards. Generated once per
    process and variant; each call returns fresh copies.
    """
    return tuple((X.copy(), y.copy()) for X, y in _generate(bool(shuffle_seq)))  # type: ignore[return-value]


@functools.lru_cache(maxsize=2)
def _generate(shuffle_seq: bool) -> tuple:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as e:
        raise ImportError(f"load_mnist1d needs the optional `mnist1d` package (extra `data`): {INSTALL_HINT}") from e
    args = get_dataset_args()
    args.shuffle_seq = shuffle_seq
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return ((np.asarray(data["x"], dtype=np.float32), np.asarray(data["y"], dtype=np.int64)),
            (np.asarray(data["x_test"], dtype=np.float32), np.asarray(data["y_test"], dtype=np.int64)))
