"""nn.data: DataLoader, train_test_split, the toy generators and the shipped digits."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import DataLoader, load_digits, make_blobs, make_moons, make_spirals, train_test_split
from tinygrad_edu.rng import get_rng, manual_seed

ROOT = Path(__file__).resolve().parent.parent


def tagged(n: int, features: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the sample id, y = 10 * id, so pairs can be traced through batches."""
    X = np.repeat(np.arange(n, dtype=np.float64)[:, None], features, axis=1)
    return X, np.arange(n) * 10


def epoch(loader: DataLoader) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(xb.copy(), yb.copy()) for xb, yb in loader]


# ----------------------------------------------------------------------------- DataLoader

@pytest.mark.parametrize(
    "n, batch_size, drop_last, sizes",
    [
        (10, None, False, [10]),  # full batch
        (10, 3, False, [3, 3, 3, 1]),  # mini-batch, short last batch kept
        (10, 3, True, [3, 3, 3]),  # short last batch dropped
        (10, 1, False, [1] * 10),  # single-sample SGD
        (10, 5, True, [5, 5]),  # drop_last with nothing to drop
        (10, 64, False, [10]),  # batch larger than the data
        (10, None, True, [10]),
    ],
)
def test_batch_counts_and_sizes(n, batch_size, drop_last, sizes):
    X, y = tagged(n)
    loader = DataLoader(X, y, batch_size=batch_size, drop_last=drop_last)
    batches = epoch(loader)
    assert len(loader) == len(sizes)
    assert [len(xb) for xb, _ in batches] == sizes
    assert all(len(yb) == len(xb) for xb, yb in batches)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.one_of(st.none(), st.integers(1, 70)), drop_last=st.booleans(),
       shuffle=st.booleans())
def test_len_is_steps_and_epoch_visits_each_sample_once(n, batch_size, drop_last, shuffle):
    if drop_last and batch_size is not None and batch_size > n:
        return  # refused, see test_errors
    X, y = tagged(n)
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    batches = epoch(loader)
    assert len(batches) == len(loader)
    b = n if batch_size is None else batch_size
    assert len(loader) == (n // b if drop_last else math.ceil(n / b))
    ids = np.concatenate([xb[:, 0] for xb, _ in batches]).astype(int)
    assert len(set(ids)) == len(ids)  # no sample twice in one epoch
    assert len(ids) == (len(loader) * b if drop_last else n)
    for xb, yb in batches:  # X rows and labels stay paired
        np.testing.assert_array_equal(yb, xb[:, 0].astype(int) * 10)
    if not shuffle:
        np.testing.assert_array_equal(ids, np.arange(len(ids)))


def test_batches_are_numpy_arrays_with_sample_shape_kept():
    X = np.zeros((20, 1, 8, 8), dtype=np.float32)
    y = np.arange(20)
    xb, yb = next(iter(DataLoader(X, y, batch_size=6)))
    assert isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray)
    assert xb.shape == (6, 1, 8, 8) and xb.dtype == np.float32
    assert yb.shape == (6,)
    xb[:] = 1.0  # a batch is a copy: the data set is unchanged
    assert X.sum() == 0


def test_lists_are_accepted():
    loader = DataLoader([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 1, 0], batch_size=2, shuffle=False)
    (x0, y0), (x1, y1) = list(loader)
    np.testing.assert_array_equal(x0, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(y1, [0])


def test_reshuffles_every_epoch():
    X, y = tagged(50)
    loader = DataLoader(X, y, batch_size=10)
    orders = [np.concatenate([yb for _, yb in loader]) for _ in range(3)]
    for order in orders:
        assert sorted(order) == list(y)
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], np.sort(orders[0]))


def test_shuffle_uses_the_library_generator_and_manual_seed_repeats():
    X, y = tagged(40)
    loader = DataLoader(X, y, batch_size=7)
    manual_seed(123)
    first = [epoch(loader) for _ in range(3)]
    manual_seed(123)
    second = [epoch(loader) for _ in range(3)]
    for ep1, ep2 in zip(first, second, strict=True):
        for (xa, ya), (xb, yb) in zip(ep1, ep2, strict=True):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    # The first epoch's order is the global generator's first permutation.
    manual_seed(7)
    order = np.concatenate([yb for _, yb in loader]) // 10
    np.testing.assert_array_equal(order, np.random.default_rng(7).permutation(40))


def test_order_is_fixed_when_iteration_starts():
    X, y = tagged(30)
    loader = DataLoader(X, y, batch_size=30)
    manual_seed(1)
    it = iter(loader)
    manual_seed(99)  # reseeding after iter() must not change this epoch
    (_, yb), = list(it)
    manual_seed(1)
    np.testing.assert_array_equal(yb, next(iter(loader))[1])


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(X=np.zeros((10, 2)), y=np.zeros(9)), ValueError, ["10", "9"]),
        (dict(X=np.zeros((0, 2)), y=np.zeros(0)), ValueError, ["empty"]),
        (dict(X=np.float64(3.0), y=np.zeros(1)), ValueError, ["sample axis"]),
        (dict(X=np.zeros((10, 2)), y=np.zeros(10), batch_size=0), ValueError, ["batch_size", "0"]),
        (dict(X=np.zeros((10, 2)), y=np.zeros(10), batch_size=-2), ValueError, ["batch_size"]),
        (dict(X=np.zeros((10, 2)), y=np.zeros(10), batch_size=2.5), TypeError, ["batch_size"]),
        (dict(X=np.zeros((10, 2)), y=np.zeros(10), batch_size=True), TypeError, ["batch_size"]),
        (dict(X=np.zeros((10, 2)), y=np.zeros(10), batch_size=11, drop_last=True), ValueError, ["11", "10"]),
    ],
)
def test_errors(kwargs, exc, words):
    with pytest.raises(exc) as info:
        DataLoader(**kwargs)
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------------------- train_test_split

def test_split_sizes_and_partition():
    X, y = tagged(10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    assert (len(X_tr), len(X_te), len(y_tr), len(y_te)) == (7, 3, 7, 3)  # test rounds up: ceil(2.5)
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    assert sorted(ids) == list(range(10))
    np.testing.assert_array_equal(y_tr, X_tr[:, 0] * 10)
    np.testing.assert_array_equal(y_te, X_te[:, 0] * 10)


@pytest.mark.parametrize("test_size, n_test", [(0.2, 20), (0.333, 34), (1, 1), (99, 99), (None, 25)])
def test_split_test_size(test_size, n_test):
    X, y = tagged(100)
    _, X_te, _, y_te = train_test_split(X, y, test_size=test_size, random_state=1)
    assert len(X_te) == len(y_te) == n_test


def test_split_without_shuffle_keeps_order():
    X, y = tagged(8)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, shuffle=False)
    np.testing.assert_array_equal(y_tr, np.arange(6) * 10)
    np.testing.assert_array_equal(y_te, [60, 70])


def test_split_random_state_repeats_and_leaves_global_generator_alone():
    X, y = tagged(50)
    manual_seed(5)
    expected_next = np.random.default_rng(5).random()
    a = train_test_split(X, y, random_state=3)
    b = train_test_split(X, y, random_state=3)
    c = train_test_split(X, y, random_state=4)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    assert get_rng().random() == expected_next


def test_split_none_uses_manual_seed():
    X, y = tagged(50)
    manual_seed(11)
    a = train_test_split(X, y)
    manual_seed(11)
    b = train_test_split(X, y)
    np.testing.assert_array_equal(a[3], b[3])
    assert not np.array_equal(a[3], np.sort(a[3]))  # it did shuffle


def test_split_stratified_keeps_class_proportions():
    X, y = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    assert len(y_te) == math.ceil(0.2 * len(y))
    total, test = np.bincount(y), np.bincount(y_te, minlength=10)
    assert np.all(np.abs(test - 0.2 * total) <= 1)
    np.testing.assert_array_equal(np.bincount(y_tr, minlength=10) + test, total)
    # Imbalanced labels: 90 zeros, 10 ones -> exactly 2 ones among 20 test samples.
    labels = np.array([0] * 90 + [1] * 10)
    *_, lab_te = train_test_split(np.zeros((100, 1)), labels, test_size=20, stratify=labels, random_state=2)
    assert lab_te.sum() == 2


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(test_size=0.0), ValueError, "test_size"),
        (dict(test_size=1.0), ValueError, "test_size"),
        (dict(test_size=1.5), ValueError, "test_size"),
        (dict(test_size=10), ValueError, "10"),
        (dict(test_size=0), ValueError, "test_size"),
        (dict(test_size="half"), TypeError, "test_size"),
        (dict(stratify=np.arange(10)), ValueError, "only 1 member"),
        (dict(stratify=np.zeros(10), shuffle=False), ValueError, "shuffle"),
        (dict(stratify=np.zeros(9)), ValueError, "one label per sample"),
        (dict(random_state="seed"), TypeError, "random_state"),
    ],
)
def test_split_errors(kwargs, exc, word):
    X, y = tagged(10)
    with pytest.raises(exc, match=word):
        train_test_split(X, y, **kwargs)


def test_split_mismatched_lengths():
    with pytest.raises(ValueError, match="12.*11"):
        train_test_split(np.zeros((12, 2)), np.zeros(11))


# ----------------------------------------------------------------------------- generators

GENERATORS = [
    (make_moons, {}),
    (make_spirals, {}),
    (make_spirals, {"n_classes": 3}),
    (make_blobs, {}),
    (make_blobs, {"n_features": 5, "centers": 4}),
]


@pytest.mark.parametrize("make, kwargs", GENERATORS)
def test_generator_shapes_dtypes_and_determinism(make, kwargs):
    X, y = make(n_samples=101, random_state=0, **kwargs)
    n_features = kwargs.get("n_features", 2)
    n_classes = kwargs.get("n_classes", kwargs.get("centers", 3 if make is make_blobs else 2))
    assert X.shape == (101, n_features) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))
    X2, y2 = make(n_samples=101, random_state=0, **kwargs)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n_samples=101, random_state=1, **kwargs)
    assert not np.allclose(X, X3)
    assert not np.array_equal(y, np.sort(y))  # shuffled by default
    # random_state=None draws from the library generator, so manual_seed repeats it.
    manual_seed(42)
    a = make(n_samples=50, **kwargs)
    manual_seed(42)
    b = make(n_samples=50, **kwargs)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # A numpy Generator may be passed too.
    c = make(n_samples=50, random_state=np.random.default_rng(3), **kwargs)
    d = make(n_samples=50, random_state=3, **kwargs)
    np.testing.assert_array_equal(c[0], d[0])


@pytest.mark.parametrize("make", [make_moons, make_spirals, make_blobs])
def test_generator_bad_input(make):
    with pytest.raises(ValueError, match="n_samples"):
        make(n_samples=0)
    with pytest.raises(TypeError, match="n_samples"):
        make(n_samples=10.5)
    with pytest.raises(TypeError, match="random_state"):
        make(n_samples=10, random_state=1.5)


def test_moons_geometry_matches_scikit_learn():
    X, y = make_moons(n_samples=101, noise=0.0, shuffle=False)
    assert np.bincount(y).tolist() == [50, 51]  # scikit-learn gives the odd one to class 1
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)  # unit circle, top half
    assert upper[:, 1].min() >= -1e-12
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)  # shifted circle
    assert lower[:, 1].max() <= 0.5 + 1e-12
    np.testing.assert_allclose(upper[[0, -1]], [[1.0, 0.0], [-1.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(lower[[0, -1]], [[0.0, 0.5], [2.0, 0.5]], atol=1e-12)
    np.testing.assert_array_equal(make_moons(n_samples=101, noise=None, shuffle=False)[0], X)


def test_moons_noise_is_gaussian_with_the_given_std():
    clean, _ = make_moons(n_samples=20000, noise=0.0, shuffle=False)
    noisy, _ = make_moons(n_samples=20000, noise=0.2, shuffle=False, random_state=0)
    diff = noisy - clean
    assert abs(diff.mean()) < 0.01
    assert abs(diff.std() - 0.2) < 0.005
    with pytest.raises(ValueError, match="noise"):
        make_moons(noise=-0.1)


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_spiral_arms_are_rotated_copies(n_classes):
    X, y = make_spirals(n_samples=60 * n_classes, n_classes=n_classes, noise=0.0, shuffle=False)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-12
    arm0 = X[y == 0]
    for k in range(1, n_classes):
        a = 2 * np.pi * k / n_classes
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        np.testing.assert_allclose(arm0 @ rot.T, X[y == k], atol=1e-12)


def test_spirals_are_not_linearly_separable_but_learnable():
    X, y = make_spirals(n_samples=600, n_classes=2, random_state=0)
    A = np.c_[X, np.ones(len(X))]
    W = np.linalg.lstsq(A, np.eye(2)[y], rcond=None)[0]
    assert (np.argmax(A @ W, axis=1) == y).mean() < 0.75  # a linear model fails
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    nearest = np.argmin(((X_te[:, None, :] - X_tr[None, :, :]) ** 2).sum(-1), axis=1)
    assert (y_tr[nearest] == y_te).mean() > 0.9  # nearby points share a class


def test_blobs_centres_and_std():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, -10.0]])
    X, y = make_blobs(n_samples=30000, centers=centres, cluster_std=[0.5, 1.0, 2.0], random_state=0)
    for k in range(3):
        pts = X[y == k]
        np.testing.assert_allclose(pts.mean(axis=0), centres[k], atol=0.1)
        np.testing.assert_allclose(pts.std(axis=0), [0.5, 1.0, 2.0][k], rtol=0.05)
    X, _ = make_blobs(n_samples=500, centers=4, n_features=3, cluster_std=0.0, random_state=0)
    assert len(np.unique(X, axis=0)) == 4 and np.all(np.abs(X) <= 10.0)  # centres in center_box


def test_blobs_bad_input():
    with pytest.raises(ValueError, match="cluster_std"):
        make_blobs(centers=3, cluster_std=[1.0, 2.0])
    with pytest.raises(ValueError, match="cluster_std"):
        make_blobs(centers=2, cluster_std=-1.0)
    with pytest.raises(ValueError, match="centers"):
        make_blobs(centers=[1.0, 2.0])
    with pytest.raises(ValueError, match="centers"):
        make_blobs(centers=0)


# ----------------------------------------------------------------------------- digits

def test_digits_shape_dtype_range_and_balance():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))  # the 0..16 counts divided by 16
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.sum() == 1797
    assert counts.min() >= 170 and counts.max() <= 190
    np.testing.assert_array_equal(y[:10], np.arange(10))  # the UCI file starts 0, 1, ..., 9
    # Each digit's images look alike: the mean image of a class is closest to its own images.
    means = np.stack([X[y == d].mean(axis=0) for d in range(10)])
    nearest_mean = np.argmin(((X[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (nearest_mean == y).mean() > 0.85


def test_digits_returns_fresh_arrays():
    X, y = load_digits()
    X[:] = -1.0
    y[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0.0 and y2.min() == 0


def test_data_files_ship_inside_the_package():
    folder = ROOT / "nn" / "datasets"
    assert (folder / "__init__.py").exists()  # a package, so setuptools ships its *.npz and *.txt
    assert (folder / "digits.npz").stat().st_size < 100_000
    notice = (folder / "README.txt").read_text()
    assert "CC BY 4.0" in notice and "public domain" in notice.lower()
    with np.load(folder / "digits.npz", allow_pickle=False) as npz:
        assert npz["pixels"].dtype == np.uint8 and npz["pixels"].max() == 16


def test_layering_nn_data_and_text_import_no_optim_viz_or_sklearn():
    code = (
        "import sys, nn.data, nn.text\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('optim', 'viz', 'sklearn', 'names')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
