"""Keras's CSVLogger, ModelCheckpoint, TerminateOnNaN and ReduceLROnPlateau as `fit` callbacks."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from _helpers import SGD

import nn
from tinygrad_edu import manual_seed


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    return X, (X[:, 0] > 0).astype(np.int64)


def _fit(callbacks, epochs=6, lr=0.1, model=None, optimizer=None, **kw):
    manual_seed(0)
    X, y = _data()
    model = model or nn.MLP(3, [8], 2)
    opt = optimizer or SGD(model.parameters(), lr=lr)
    return model, nn.fit(model, nn.cross_entropy, opt, X, y, epochs=epochs, batch_size=16, validation_split=0.25,
                         callbacks=callbacks, verbose=0, **kw)


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    _, h = _fit([nn.CSVLogger(path)], epochs=4)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", *sorted(h.history)]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2, 3]
    col = rows[0].index("val_loss")
    assert [float(r[col]) for r in rows[1:]] == pytest.approx(h.history["val_loss"], rel=1e-12)


def test_csv_logger_append_keeps_one_header(tmp_path):
    path = tmp_path / "log.csv"
    _fit([nn.CSVLogger(path)], epochs=2)
    _fit([nn.CSVLogger(path, append=True)], epochs=3)
    rows = list(csv.reader(path.open()))
    assert sum(r[0] == "epoch" for r in rows) == 1 and len(rows) == 1 + 2 + 3


def test_model_checkpoint_keeps_the_best_weights(tmp_path):
    path = tmp_path / "best.npz"
    ckpt = nn.ModelCheckpoint(path)
    model, h = _fit([ckpt], epochs=8, lr=0.5)
    best = int(np.argmin(h.history["val_loss"]))
    assert ckpt.best_epoch == best and ckpt.best == pytest.approx(min(h.history["val_loss"]))
    vals = h.history["val_loss"]
    improvements = sum(v < min(vals[:i], default=math.inf) for i, v in enumerate(vals))
    assert len(ckpt.saved) == improvements
    restored = nn.MLP(3, [8], 2).load(path)
    X, y = _data()
    val = nn.evaluate(restored, nn.cross_entropy, X[48:], y[48:])["loss"]
    assert val == pytest.approx(h.history["val_loss"][best], rel=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == ["best.npz"]  # atomic: no temporary file left


def test_model_checkpoint_every_epoch_with_a_formatted_name(tmp_path):
    ckpt = nn.ModelCheckpoint(tmp_path / "m-{epoch:02d}.npz", save_best_only=False)
    _fit([ckpt], epochs=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-01.npz", "m-02.npz", "m-03.npz"]


def test_model_checkpoint_warns_without_the_monitored_value(tmp_path):
    manual_seed(0)
    X, y = _data()
    model = nn.MLP(3, [4], 2)
    with pytest.warns(UserWarning, match="val_loss"):
        nn.fit(model, nn.cross_entropy, SGD(model.parameters(), lr=0.1), X, y, epochs=1,
               callbacks=[nn.ModelCheckpoint(tmp_path / "x.npz")], verbose=0)
    assert not (tmp_path / "x.npz").exists()


def test_terminate_on_nan_stops_at_the_first_bad_batch():
    calls = []

    def loss_fn(out, t):  # the 6th batch's loss is NaN
        calls.append(1)
        loss = nn.cross_entropy(out, t)
        return loss * float("nan") if len(calls) == 6 else loss

    manual_seed(0)
    X, y = _data()
    model, stop = nn.MLP(3, [4], 2), nn.TerminateOnNaN()
    h = nn.fit(model, loss_fn, SGD(model.parameters(), lr=0.1), X, y, epochs=5, batch_size=16,
               callbacks=[stop], verbose=0)
    assert stop.stopped_batch == 5 and len(calls) == 6  # 4 batches per epoch: stopped in the 2nd epoch
    assert len(h.epoch) == 2
    _, h2 = _fit([nn.TerminateOnNaN()], epochs=3)
    assert len(h2.epoch) == 3


class Frozen(SGD):
    def step(self):
        pass  # the loss never improves: a plateau


def test_reduce_lr_on_plateau_multiplies_by_factor_after_patience():
    model = nn.MLP(3, [4], 2)
    cb = nn.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.01)
    _, h = _fit([cb], epochs=9, model=model, optimizer=Frozen(model.parameters(), lr=0.1))
    # epoch 0 sets the best; epochs 1, 2 without improvement -> reduce at 2; again at 4, 6, 8 (min_lr 0.01 caps)
    assert [e for e, _ in cb.reductions] == [2, 4, 6, 8]
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])
    assert cb.reductions[-1][1] == pytest.approx(0.01)


def test_reduce_lr_on_plateau_cooldown_and_bad_arguments():
    model = nn.MLP(3, [4], 2)
    cb = nn.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    _fit([cb], epochs=8, model=model, optimizer=Frozen(model.parameters(), lr=0.1))
    assert [e for e, _ in cb.reductions] == [1, 3, 5, 7]  # Keras: the epoch the cooldown ends counts again
    with pytest.raises(ValueError, match="factor"):
        nn.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        nn.ReduceLROnPlateau(mode="best")
