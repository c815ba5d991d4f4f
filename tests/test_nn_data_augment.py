"""Data augmentation for the digits: shifts with zero fill, flips, noise, and the augmented set's layout."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn


@given(st.integers(-3, 3), st.integers(-3, 3))
def test_shift_moves_pixels_and_fills_zeros(dy, dx):
    img = np.arange(1.0, 65.0).reshape(8, 8)
    out = nn.data.shift_images(img[None], dy, dx)[0]
    for r in range(8):
        for c in range(8):
            src = (r - dy, c - dx)
            expected = img[src] if 0 <= src[0] < 8 and 0 <= src[1] < 8 else 0.0
            assert out[r, c] == expected


def test_shift_keeps_the_flat_layout_and_takes_one_shift_per_image():
    X, _ = nn.data.load_digits()
    out = nn.data.shift_images(X[:3], np.array([0, 1, -1]), np.array([0, 0, 2]))
    assert out.shape == (3, 64)
    np.testing.assert_array_equal(out[0], X[0])
    np.testing.assert_array_equal(out[1].reshape(8, 8)[1:], X[1].reshape(8, 8)[:-1])
    assert np.all(nn.data.shift_images(X[:2], 8, 0) == 0)  # shifted out entirely


def test_augment_appends_transformed_copies_with_their_labels():
    X, y = nn.data.load_digits()
    Xa, ya = nn.data.augment(X[:50], y[:50], copies=3, max_shift=1, noise=0.1, random_state=0)
    assert Xa.shape == (200, 64) and ya.shape == (200,)
    np.testing.assert_array_equal(Xa[:50], X[:50])
    np.testing.assert_array_equal(ya, np.tile(y[:50], 4))
    assert Xa.min() >= 0 and Xa.max() <= 1
    assert not np.allclose(Xa[50:100], X[:50])
    again, _ = nn.data.augment(X[:50], y[:50], copies=3, max_shift=1, noise=0.1, random_state=0)
    np.testing.assert_array_equal(Xa, again)


def test_augment_flip_mirrors_about_half_the_copies():
    X, y = nn.data.load_digits()
    Xa, _ = nn.data.augment(X[:400], y[:400], copies=1, max_shift=0, flip=True, random_state=1)
    imgs, copies = X[:400].reshape(-1, 8, 8), Xa[400:].reshape(-1, 8, 8)
    mirrored = np.array([np.array_equal(c, i[:, ::-1]) and not np.array_equal(c, i) for c, i in zip(copies, imgs)])
    assert 0.4 < mirrored.mean() < 0.6


def test_augment_reduces_overfitting_gap():
    """Measured on 200 digits: augmentation narrows the gap between validation and training loss."""
    import optim
    from tinygrad_edu import manual_seed

    X, y = nn.data.load_digits()
    Xtr, Xv, ytr, yv = nn.data.train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    Xtr, ytr = Xtr[:200], ytr[:200]
    gaps = []
    for data, epochs in (((Xtr, ytr), 100), (nn.data.augment(Xtr, ytr, copies=4, noise=0.1, random_state=0), 20)):
        manual_seed(0)
        model = nn.MLP(64, [128], 10)
        nn.fit(model, nn.cross_entropy, optim.Adam(model.parameters(), lr=3e-3), *data, epochs=epochs,
               batch_size=32, verbose=0)
        gaps.append(nn.evaluate(model, nn.cross_entropy, Xv, yv)["loss"]
                    - nn.evaluate(model, nn.cross_entropy, Xtr, ytr)["loss"])
    assert gaps[1] < gaps[0]


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="shift_images: expected images of shape"):
        nn.data.shift_images(np.zeros((2, 10)), 1, 1)
    with pytest.raises(ValueError, match="copies"):
        nn.data.augment(np.zeros((2, 64)), np.zeros(2), copies=-1)
    with pytest.raises(ValueError, match="same number of samples"):
        nn.data.augment(np.zeros((2, 64)), np.zeros(3))
