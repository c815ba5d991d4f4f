"""Data for training: a mini-batch loader, a train/test split, toy data sets and real digits.

Everything here works on plain numpy arrays (the engine takes arrays as constants), so a
training loop reads::

    X, y = make_moons(200, noise=0.1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
    for epoch in range(10):
        for xb, yb in DataLoader(X_train, y_train, batch_size=32):
            ...  # forward, loss, backward, step

Randomness: shuffling and the generators use the library's one generator
(`tinygrad_edu.rng.get_rng()`), so `manual_seed(n)` makes a whole run repeatable. Passing
`random_state=` (an int or a numpy Generator) uses a private generator instead and leaves the
global one untouched. The numbers differ from scikit-learn's for the same seed (numpy's
new-style Generator, not the legacy RandomState); the geometry of the data sets is the same.

The real data set, `load_digits()`, is the UCI ML hand-written digits (test set of
"Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak, 1998), licensed
CC BY 4.0. It ships inside the package as `nn/datasets/digits.npz` (made once by
`scripts/make_digits.py` from scikit-learn's bundled copy); nothing is ever downloaded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from importlib import resources

import numpy as np

from tinygrad_edu.rng import get_rng

from .datasets.mnist1d import load_mnist1d

__all__ = [
    "DataLoader",
    "train_test_split",
    "make_moons",
    "make_spirals",
    "make_blobs",
    "load_digits",
    "load_mnist1d",
    "shift_images",
    "augment",
]

RandomState = int | np.random.Generator | None


# ----------------------------------------------------------------------------- helpers

def _as_rng(random_state: RandomState) -> np.random.Generator:
    """None -> the library's generator; int -> a fresh seeded one; a Generator is used as is."""
    if random_state is None:
        return get_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}"
    )


def _check_count(name: str, value: object, minimum: int = 1) -> int:
    """A whole number >= minimum, or a ValueError/TypeError that names the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_xy(X: object, y: object, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays with one row per sample in both X and y, else an error naming both lengths."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{who}: X and y need a sample axis; got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(
            f"{who}: X and y must have the same number of samples, got {len(X)} (X.shape={X.shape}) "
            f"and {len(y)} (y.shape={y.shape})"
        )
    if len(X) == 0:
        raise ValueError(f"{who}: X and y are empty (0 samples)")
    return X, y


# ----------------------------------------------------------------------------- DataLoader

class DataLoader:
    """Cut (X, y) into mini-batches, one pass over the data per epoch.

    `batch_size` picks the flavour of gradient descent:

    - `None`: full batch (one step per epoch: plain gradient descent),
    - `1`: single-sample stochastic gradient descent,
    - anything in between: mini-batch SGD (the usual choice).

    `len(loader)` is the number of steps per epoch: `ceil(n / batch_size)`, or
    `floor(n / batch_size)` with `drop_last=True` (the short final batch is skipped).
    With `shuffle=True` every `iter(loader)` (every epoch) draws a fresh permutation from the
    library's generator, so `manual_seed(n)` reproduces the whole sequence of batches.

    Batches are numpy arrays indexed from X and y (copies, so changing a batch never changes
    the data set)::

        loader = DataLoader(X, y, batch_size=32)
        for epoch in range(epochs):
            for xb, yb in loader:   # reshuffled each epoch
                ...
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int | None = 32,
        shuffle: bool = True,
        drop_last: bool = False,
    ) -> None:
        self.X, self.y = _check_xy(X, y, "DataLoader")
        n = len(self.X)
        if batch_size is not None:
            batch_size = _check_count("DataLoader: batch_size", batch_size)
            if drop_last and batch_size > n:
                raise ValueError(
                    f"DataLoader: batch_size={batch_size} is larger than the {n} samples and "
                    "drop_last=True, so every epoch would be empty; lower batch_size or set drop_last=False"
                )
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)

    @property
    def n_samples(self) -> int:
        """How many samples one epoch can visit."""
        return len(self.X)

    def __len__(self) -> int:
        """Steps (batches) per epoch."""
        if self.batch_size is None:
            return 1
        if self.drop_last:
            return self.n_samples // self.batch_size
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        # The permutation is drawn here, when the epoch starts (not lazily at the first batch).
        n = self.n_samples
        order = get_rng().permutation(n) if self.shuffle else np.arange(n)
        size = n if self.batch_size is None else self.batch_size
        return self._batches(order, size)

    def _batches(self, order: np.ndarray, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for step in range(len(self)):
            idx = order[step * size : (step + 1) * size]
            yield self.X[idx], self.y[idx]

    def __repr__(self) -> str:
        return (
            f"DataLoader(n_samples={self.n_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, steps_per_epoch={len(self)})"
        )


# ----------------------------------------------------------------------------- splitting

def _split_sizes(n: int, test_size: float | int) -> tuple[int, int]:
    """(n_train, n_test) as scikit-learn computes them: a float is a fraction (test rounds up)."""
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.integer, np.floating)):
        raise TypeError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if isinstance(test_size, (int, np.integer)):
        if not 0 < test_size < n:
            raise ValueError(f"test_size={test_size} must be between 1 and {n - 1} for {n} samples")
        n_test = int(test_size)
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size={test_size} as a fraction must be strictly between 0 and 1")
        n_test = math.ceil(test_size * n)
    n_train = n - n_test
    if n_train == 0 or n_test == 0:
        raise ValueError(
            f"test_size={test_size} with {n} samples leaves {n_train} for training and {n_test} "
            "for testing; both need at least one"
        )
    return n_train, n_test


def _stratified_test_indices(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Pick n_test indices so that each class keeps (as nearly as possible) its share of the data.

    Each class c with n_c members gets floor(n_test * n_c / n) test samples; the few left over go
    to the classes with the largest remainders (the "largest remainder" rounding).
    """
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n = len(labels)
    if counts.min() < 2:
        bad = classes[np.argmin(counts)]
        raise ValueError(f"stratify: class {bad!r} has only 1 member; every class needs at least 2")
    if n_test < len(classes) or n - n_test < len(classes):
        raise ValueError(
            f"stratify: {n_test} test and {n - n_test} train samples cannot each hold all "
            f"{len(classes)} classes"
        )
    exact = n_test * counts / n
    per_class = np.floor(exact).astype(int)
    leftover = n_test - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:leftover]] += 1
    picks = [rng.permutation(np.flatnonzero(inverse == c))[:k] for c, k in enumerate(per_class)]
    return np.concatenate(picks)


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float | int | None = 0.25,
    shuffle: bool = True,
    random_state: RandomState = None,
    stratify: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into a training and a test part, as `sklearn.model_selection.train_test_split`.

    Returns `X_train, X_test, y_train, y_test`. `test_size` is a fraction of the samples
    (rounded up) or an absolute count (None means 0.25). `shuffle=False` keeps the order: the
    first samples train, the last ones test. `stratify=y` keeps each class's proportion equal
    in both parts (needs shuffling and at least two members per class; the per-class test
    counts are rounded by largest remainder). With `random_state=None` the library's
    generator is used.
    """
    X, y = _check_xy(X, y, "train_test_split")
    n = len(X)
    n_train, n_test = _split_sizes(n, 0.25 if test_size is None else test_size)
    rng = _as_rng(random_state) if shuffle else None
    if stratify is not None:
        labels = np.asarray(stratify)
        if labels.shape[:1] != (n,):
            raise ValueError(f"stratify must have one label per sample: got shape {labels.shape}, n={n}")
        if rng is None:
            raise ValueError("stratify needs shuffle=True (a stratified split picks samples at random)")
        test_idx = rng.permutation(_stratified_test_indices(labels, n_test, rng))
        in_test = np.zeros(n, dtype=bool)
        in_test[test_idx] = True
        train_idx = rng.permutation(np.flatnonzero(~in_test))
    elif rng is None:
        train_idx, test_idx = np.arange(n_train), np.arange(n_train, n)
    else:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


# ----------------------------------------------------------------------------- toy data sets

def _shuffle_and_jitter(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, shuffle: bool,
                        noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The generators' last step: shuffle the rows (optionally), then add Gaussian noise of
    standard deviation `noise` to every coordinate (in that order, so a seed gives the same data
    with or without noise in the same row order)."""
    if shuffle:
        X, y = _shuffled(X, y, rng)
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


def _check_noise(noise: float | None) -> float:
    """A standard deviation >= 0; None means no noise (as in scikit-learn)."""
    if noise is None:
        return 0.0
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"noise must be a number, got {noise!r}")
    if not noise >= 0:  # also refuses NaN
        raise ValueError(f"noise must be >= 0, got {noise}")
    return float(noise)


def make_moons(
    n_samples: int = 100,
    noise: float | None = 0.1,
    random_state: RandomState = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the geometry of scikit-learn's `make_moons`).

    Class 0 is the upper half of the unit circle, `(cos t, sin t)` for t in [0, pi]; class 1 is
    the lower half circle `(1 - cos t, 0.5 - sin t)`, shifted so the two moons interlock.
    Each class gets half of the points (class 1 one more when n_samples is odd), evenly spaced
    in t, then Gaussian noise of standard deviation `noise` (None: none) is added to both
    coordinates. Returns X float64 (n_samples, 2) and y int64 (n_samples,), shuffled unless `shuffle=False`.
    """
    n_samples = _check_count("make_moons: n_samples", n_samples, minimum=2)
    noise = _check_noise(noise)
    rng = _as_rng(random_state)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)
    X = np.concatenate([outer, inner]).astype(np.float64)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _shuffle_and_jitter(X, y, rng, shuffle, noise)


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float | None = 0.05,
    random_state: RandomState = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: no straight line separates them.

    Arm k is the curve `r = t`, `angle = 2*pi*k/n_classes + 3*pi*t` for t in [0, 1]: it starts at
    the centre and winds outwards one and a half turns to radius 1, and the arms are rotated
    copies of each other. The n_samples points are shared between the classes as evenly as
    possible (the first classes get one more when it does not divide), evenly spaced in t, and
    Gaussian noise of standard deviation `noise` is added to both coordinates (neighbouring arms
    are 2 / (3 * n_classes) apart, so keep noise well below that).
    Returns X float64 (n_samples, 2) and y int64 in 0..n_classes-1, shuffled unless `shuffle=False`.
    """
    n_classes = _check_count("make_spirals: n_classes", n_classes, minimum=2)
    n_samples = _check_count("make_spirals: n_samples", n_samples, minimum=n_classes)
    noise = _check_noise(noise)
    rng = _as_rng(random_state)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    parts, labels = [], []
    for k, size in enumerate(sizes):
        t = np.linspace(0.0, 1.0, size)
        angle = 2 * np.pi * k / n_classes + 3 * np.pi * t
        parts.append(np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1))
        labels.append(np.full(size, k, dtype=np.int64))
    X, y = np.concatenate(parts).astype(np.float64), np.concatenate(labels)
    return _shuffle_and_jitter(X, y, rng, shuffle, noise)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float | Sequence[float] = 1.0,
    random_state: RandomState = None,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters ("blobs"), as scikit-learn's `make_blobs`.

    `centers` is either a number of clusters, whose centres are drawn uniformly in `center_box`
    in each of `n_features` dimensions, or an array of centres of shape (k, n_features) (then
    n_features is taken from it). Cluster i is centre i plus Gaussian noise of standard deviation
    `cluster_std` (one number, or one per cluster). The samples are shared between the clusters
    as evenly as possible (the first clusters get one more). Returns X float64
    (n_samples, n_features) and y int64 (the cluster index), shuffled unless `shuffle=False`.
    """
    rng = _as_rng(random_state)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _check_count("make_blobs: centers", centers)
        n_features = _check_count("make_blobs: n_features", n_features)
        lo, hi = center_box
        if not lo < hi:
            raise ValueError(f"make_blobs: center_box must be (low, high) with low < high, got {center_box}")
        centres = rng.uniform(lo, hi, size=(k, n_features))
    else:
        centres = np.asarray(centers, dtype=np.float64)
        if centres.ndim != 2 or len(centres) == 0:
            raise ValueError(
                f"make_blobs: centers must be an int or an array (k, n_features), got shape {centres.shape}"
            )
        k = len(centres)
    n_samples = _check_count("make_blobs: n_samples", n_samples, minimum=k)
    std = np.asarray(cluster_std, dtype=np.float64)
    if std.ndim == 0:
        std = np.full(k, float(std))
    if std.shape != (k,):
        raise ValueError(
            f"make_blobs: cluster_std must be a number or one per cluster ({k}), got {cluster_std!r}"
        )
    if not np.all(std >= 0):
        raise ValueError(f"make_blobs: cluster_std must be >= 0, got {cluster_std!r}")
    sizes = [n_samples // k + (i < n_samples % k) for i in range(k)]
    X = np.concatenate(
        [centres[i] + rng.normal(scale=std[i], size=(size, centres.shape[1])) for i, size in enumerate(sizes)]
    )
    y = np.repeat(np.arange(k, dtype=np.int64), sizes)
    if shuffle:
        X, y = _shuffled(X, y, rng)
    return X.astype(np.float64), y


# ----------------------------------------------------------------------------- real data

def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: 1,797 images of the digits 0-9 (about 180 of each).

    Returns X float64 of shape (1797, 64), each row an 8x8 image flattened row by row
    (`X[i].reshape(8, 8)` gives the picture), with the original pixel counts 0..16 divided by 16
    so values lie in [0, 1]; and y int64 of shape (1797,), the digit shown.

    Source: UCI ML hand-written digits (the test set of "Optical Recognition of Handwritten
    Digits", E. Alpaydin and C. Kaynak, 1998), CC BY 4.0, the copy bundled with scikit-learn.
    Shipped in the package as `nn/datasets/digits.npz`; loaded offline with allow_pickle=False.
    """
    source = resources.files("nn.datasets").joinpath("digits.npz")
    with source.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        pixels, target = npz["pixels"], npz["target"]
    return pixels.astype(np.float64) / 16.0, target.astype(np.int64)


# ----------------------------------------------------------------------------- data augmentation

def _as_images(X: object, image_shape: tuple[int, int], who: str) -> np.ndarray:
    """(n, h*w) rows (or (n, h, w) images) viewed as (n, h, w) float images."""
    X = np.asarray(X, dtype=np.float64)
    h, w = image_shape
    if X.ndim == 1:
        X = X[None]
    if X.shape[1:] not in ((h * w,), (h, w)):
        raise ValueError(f"{who}: expected images of shape (n, {h * w}) or (n, {h}, {w}), got {X.shape}")
    return X.reshape(len(X), h, w)


def shift_images(X: object, dy: int | np.ndarray, dx: int | np.ndarray,
                 image_shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Move every image `dy` rows down and `dx` columns right, filling with zeros (background).

    `out[r + dy, c + dx] = img[r, c]` where both positions lie inside the image; pixels pushed
    out are lost (no wrap-around). `dy`, `dx` are ints, or arrays with one shift per image.
    Returns the same layout as `X` ((n, h*w) rows stay rows).
    """
    flat = np.asarray(X).ndim == 2 and np.asarray(X).shape[1] == image_shape[0] * image_shape[1]
    imgs = _as_images(X, image_shape, "shift_images")
    n, h, w = imgs.shape
    dy = np.broadcast_to(np.asarray(dy, dtype=np.int64), (n,))
    dx = np.broadcast_to(np.asarray(dx, dtype=np.int64), (n,))
    out = np.zeros_like(imgs)
    for sy, sx in set(zip(dy.tolist(), dx.tolist())):  # one slice copy per distinct shift
        idx = np.flatnonzero((dy == sy) & (dx == sx))
        if abs(sy) >= h or abs(sx) >= w:
            continue
        out[idx, max(sy, 0):h + min(sy, 0), max(sx, 0):w + min(sx, 0)] = \
            imgs[idx, max(-sy, 0):h + min(-sy, 0), max(-sx, 0):w + min(-sx, 0)]
    return out.reshape(n, h * w) if flat else out


def augment(X: object, y: object, copies: int = 1, max_shift: int = 1, flip: bool = False, noise: float = 0.0,
            image_shape: tuple[int, int] = (8, 8), random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
    """A bigger training set: the originals plus `copies` randomly transformed copies of each image.

    Each copy is, in this order: shifted by (dy, dx) drawn uniformly from {-max_shift..max_shift}
    (`shift_images`), mirrored left-right with probability 1/2 when `flip` (good for photos of
    objects; for digits it turns a 2 into something else, which the regularization lesson shows),
    and given Gaussian pixel noise of standard deviation `noise`, clipped back to [0, 1].
    Labels are repeated; returns `(X_aug, y_aug)` with `(1 + copies) * n` rows, originals first.
    Augment only the training split: validation and test data stay untouched.
    """
    X, y = _check_xy(X, y, "augment")
    copies = _check_count("copies", copies, minimum=0)
    max_shift = _check_count("max_shift", max_shift, minimum=0)
    noise = _check_noise(noise)
    rng = _as_rng(random_state)
    imgs = _as_images(X, image_shape, "augment")
    n = len(imgs)
    parts, labels = [imgs], [y]
    for _ in range(copies):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=(2, n))
        new = shift_images(imgs, dy, dx, image_shape)
        if flip:
            mirror = rng.random(n) < 0.5
            new[mirror] = new[mirror, :, ::-1]
        if noise > 0:
            new = np.clip(new + rng.normal(scale=noise, size=new.shape), 0.0, 1.0)
        parts.append(new)
        labels.append(y)
    out = np.concatenate(parts)
    return out.reshape(len(out), *np.asarray(X).shape[1:]), np.concatenate(labels)
