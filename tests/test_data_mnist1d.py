"""nn.data.load_mnist1d: generated offline by the mnist1d package, shapes/dtypes, shuffled variant,
global random state untouched, and a clear error naming the extra when the package is missing."""

import random
import sys

import numpy as np
import pytest

import nn


def test_default_dataset_shapes_and_dtypes():
    pytest.importorskip("mnist1d")
    (X, y), (Xt, yt) = nn.data.load_mnist1d()
    assert X.shape == (4000, 40) and Xt.shape == (1000, 40)
    assert X.dtype == np.float32 and y.dtype == np.int64 and yt.dtype == np.int64
    assert set(np.unique(y)) == set(range(10)) and np.all(np.bincount(y) > 350)
    assert abs(float(np.concatenate([X, Xt]).mean())) < 1e-3  # the generator centres the whole set


def test_shuffled_variant_permutes_positions_and_keeps_state():
    pytest.importorskip("mnist1d")
    np.random.seed(123)
    random.seed(5)
    expect_np, expect_py = np.random.rand(), random.random()
    np.random.seed(123)
    random.seed(5)
    (X, y), _ = nn.data.load_mnist1d()
    (Xs, ys), _ = nn.data.load_mnist1d(shuffle_seq=True)
    assert np.random.rand() == expect_np and random.random() == expect_py
    np.testing.assert_array_equal(y, ys)
    assert not np.allclose(X, Xs)
    # the same fixed permutation of the 40 positions for every signal
    order = [int(np.argmin(np.abs(X[:50] - Xs[:50, [j]]).sum(axis=0))) for j in range(40)]
    assert sorted(order) == list(range(40))


def test_missing_package_says_how_to_install(monkeypatch):
    from nn.datasets import mnist1d as loader

    loader._generate.cache_clear()  # generated data is cached per process
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"tinygrad-edu\[data\]"):
        nn.data.load_mnist1d()
