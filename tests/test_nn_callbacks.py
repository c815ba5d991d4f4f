"""Callbacks of `fit`: hook order, EarlyStopping, LearningRateScheduler, GradientClipping."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import SGD

import nn
from nn.callbacks import Callback, TrainerState, clip_grad_norm, get_lr, set_lr
from tinygrad_edu import Value, manual_seed


class GroupsOnly:
    """An optimizer exposing its learning rate only through torch-style `param_groups`."""

    def __init__(self, params, lr=0.1):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self):
        g = self.param_groups[0]
        for p in g["params"]:
            p.data = p.data - g["lr"] * p.grad


class Frozen(SGD):
    """Never changes the weights: the loss stays on a plateau."""

    def step(self):
        pass


class RandomWalk(SGD):
    """Moves the weights at random, so the validation loss goes up and down."""

    def step(self):
        rng = np.random.default_rng(len(self.params) + int(1e6 * abs(float(self.params[0].data.flat[0]))))
        for p in self.params:
            p.data = p.data + rng.normal(0, 0.3, p.shape)


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)
    return X, y


def mse(pred, target):
    return nn.mse_loss(pred.reshape(-1), target)


def small_model():
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))


# ----------------------------------------------------------------------------- hook protocol

class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda state, logs: self.calls.append((name, state.epoch, dict(logs)))
        return object.__getattribute__(self, name)


def test_hooks_run_in_order_with_state_and_logs():
    manual_seed(0)
    X, y = regression(8)
    rec = Recorder()
    nn.fit(small_model(), mse, SGD(small_model().parameters()), X, y, epochs=2, batch_size=4,
           callbacks=[rec], metrics=(), verbose=0)
    names = [c[0] for c in rec.calls]
    batch = ["on_batch_begin", "on_after_backward", "on_batch_end"]
    epoch = ["on_epoch_begin", *batch, *batch, "on_epoch_end"]
    assert names == ["on_train_begin", *epoch, *epoch, "on_train_end"]
    assert [c[1] for c in rec.calls if c[0] == "on_epoch_end"] == [0, 1]
    end_logs = [c[2] for c in rec.calls if c[0] == "on_batch_end"]
    assert all(set(logs) == {"batch", "size", "loss"} for logs in end_logs)


def test_after_backward_sees_gradients_before_the_step():
    manual_seed(0)
    X, y = regression(16)
    model = small_model()
    seen = []

    class Check(Callback):
        def on_batch_begin(self, state, logs):
            self.before = model[0].weight.data.copy()

        def on_after_backward(self, state, logs):
            assert state.loss is not None and math.isclose(state.loss.item(), logs["loss"])
            seen.append((np.abs(model[0].weight.grad).sum() > 0,
                         np.array_equal(model[0].weight.data, self.before)))

    nn.fit(model, mse, SGD(model.parameters()), X, y, epochs=1, batch_size=8, callbacks=[Check()],
           metrics=(), verbose=0)
    assert seen == [(True, True), (True, True)]


def test_stop_training_in_a_batch_ends_the_run():
    manual_seed(0)
    X, y = regression(32)
    steps = []

    class StopAtThree(Callback):
        def on_batch_end(self, state, logs):
            steps.append(state.step)
            if state.step == 3:
                state.stop_training = True

    h = nn.fit(small_model(), mse, SGD(small_model().parameters()), X, y, epochs=5, batch_size=4,
               callbacks=[StopAtThree()], metrics=(), verbose=0)
    assert steps == [1, 2, 3] and len(h) == 1


# ----------------------------------------------------------------------------- EarlyStopping

def fake_run(es, values, monitor="val_loss"):
    """Feed `values` to an EarlyStopping as successive epoch results; return the epochs run."""
    state = TrainerState(model=None, optimizer=None)
    es.on_train_begin(state, {})
    for epoch, v in enumerate(values):
        state.epoch = epoch
        es.on_epoch_end(state, {monitor: v})
        if state.stop_training:
            return epoch + 1
    return len(values)


def test_early_stopping_patience_and_min_delta():
    # improvement needs loss < best - min_delta; patience counts epochs without one
    assert fake_run(nn.EarlyStopping(patience=0), [1.0, 0.9, 0.95, 0.5]) == 3
    assert fake_run(nn.EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.5, 0.6, 0.7]) == 6
    es = nn.EarlyStopping(patience=1, min_delta=0.2)
    assert fake_run(es, [1.0, 0.85, 0.7, 0.6]) == 2  # 0.85 is not 0.2 better than 1.0
    assert es.best_epoch == 0 and es.stopped_epoch == 1 and es.best == 1.0


def test_early_stopping_modes():
    es = nn.EarlyStopping(monitor="val_accuracy", patience=1)
    assert es.mode == "max"
    assert fake_run(es, [0.5, 0.7, 0.6, 0.65], "val_accuracy") == 3 and es.best_epoch == 1
    assert nn.EarlyStopping(monitor="val_acc").mode == "max"
    assert nn.EarlyStopping(monitor="loss").mode == "min"
    es = nn.EarlyStopping(monitor="loss", mode="max", patience=0)
    assert fake_run(es, [1.0, 2.0, 1.5], "loss") == 3
    with pytest.raises(ValueError, match="mode"):
        nn.EarlyStopping(mode="best")


def test_early_stopping_never_stops_at_the_first_epoch_and_warns_without_its_key():
    es = nn.EarlyStopping(patience=0)
    assert fake_run(es, [math.inf]) == 1 and es.stopped_epoch is None
    with pytest.warns(UserWarning, match="val_loss"):
        fake_run(nn.EarlyStopping(), [1.0], monitor="loss")


def test_early_stopping_stops_on_a_plateau_before_the_epoch_limit():
    manual_seed(0)
    X, y = regression()
    model = small_model()
    h = nn.fit(model, mse, Frozen(model.parameters()), X, y, epochs=50, validation_split=0.25,
               callbacks=[nn.EarlyStopping(patience=3)], metrics=(), verbose=0)
    # epoch 0 sets the best, epochs 1, 2, 3 do not improve: stop after epoch 3
    assert len(h.history["val_loss"]) == 4 < 50
    assert h.stopped_epoch == 3 and h.best_epoch == 0


@pytest.mark.parametrize("patience", [2, 100])  # stops early / runs out of epochs
def test_restore_best_weights_loads_the_best_epochs_weights(patience):
    manual_seed(1)
    X, y = regression()
    model = small_model()
    snapshots = []

    class Snapshot(Callback):
        def on_epoch_end(self, state, logs):
            snapshots.append(state.model.state_dict())

    es = nn.EarlyStopping(patience=patience, restore_best_weights=True)
    h = nn.fit(model, mse, RandomWalk(model.parameters()), X, y, epochs=12, batch_size=None,
               validation_split=0.25, callbacks=[Snapshot(), es], metrics=(), verbose=0)
    best = int(np.argmin(h.history["val_loss"]))
    assert h.best_epoch == best == es.best_epoch
    assert best != len(h) - 1, "the random walk should have moved past its best point"
    final = model.state_dict()
    for key, value in snapshots[best].items():
        np.testing.assert_array_equal(final[key], value)
    assert h.best() == (best, min(h.history["val_loss"]))


# ----------------------------------------------------------------------------- LearningRateScheduler

def test_scheduler_is_called_with_epochs_from_zero_and_sets_the_lr():
    manual_seed(0)
    X, y = regression(16)
    model = small_model()
    opt = SGD(model.parameters(), lr=0.1)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr * 0.5

    h = nn.fit(model, mse, opt, X, y, epochs=3, callbacks=[nn.LearningRateScheduler(schedule)],
               metrics=(), verbose=0)
    assert calls == [(0, 0.1), (1, 0.05), (2, 0.025)]
    assert h.history["lr"] == [0.05, 0.025, 0.0125]  # the lr each epoch trained with
    assert opt.lr == 0.0125


def test_scheduler_with_param_groups_and_a_one_argument_schedule():
    manual_seed(0)
    X, y = regression(16)
    model = small_model()
    opt = GroupsOnly(model.parameters(), lr=1.0)
    sched = nn.LearningRateScheduler(lambda epoch: 0.1 / (1 + epoch))
    h = nn.fit(model, mse, opt, X, y, epochs=2, callbacks=[sched], metrics=(), verbose=0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    assert h.history["lr"] == pytest.approx([0.1, 0.05]) and sched.lrs == pytest.approx([0.1, 0.05])


def test_scheduler_errors_are_clear():
    class NoLr:
        def zero_grad(self):
            pass

        def step(self):
            pass

    X, y = regression(8)
    with pytest.raises(AttributeError, match="learning rate"):
        nn.fit(small_model(), mse, NoLr(), X, y, callbacks=[nn.LearningRateScheduler(lambda e, lr: lr)],
               verbose=0)
    with pytest.raises(ValueError, match="finite"):
        nn.fit(small_model(), mse, SGD([]), X, y,
               callbacks=[nn.LearningRateScheduler(lambda e, lr: float("nan"))], verbose=0)


def test_get_and_set_lr_duck_typing():
    opt = GroupsOnly([], lr=0.3)
    assert get_lr(opt) == 0.3
    set_lr(opt, 0.2)
    assert opt.param_groups[0]["lr"] == 0.2 and get_lr(object()) is None
    with pytest.raises(AttributeError):
        set_lr(object(), 0.1)


def test_scheduler_drives_a_real_optimizer_if_present():
    optim = pytest.importorskip("optim")
    manual_seed(0)
    X, y = regression(16)
    model = small_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    nn.fit(model, mse, opt, X, y, epochs=2, callbacks=[nn.LearningRateScheduler(lambda e, lr: 0.003)],
           verbose=0)
    assert opt.lr == pytest.approx(0.003)
    assert all(g["lr"] == pytest.approx(0.003) for g in opt.param_groups)


# ----------------------------------------------------------------------------- GradientClipping

def global_norm(params):
    return math.sqrt(sum(float(np.sum(np.square(p.grad))) for p in params))


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Value(np.zeros(2)), Value(np.zeros(3))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([0.0, 4.0, 0.0])  # global norm 5
    assert clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    assert global_norm([a, b]) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad / b.grad[1], [0.75, 0.0])  # direction kept
    assert clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-5)  # below the bound: unchanged
    with pytest.raises(ValueError):
        clip_grad_norm([a], 0.0)


def test_gradient_clipping_bounds_the_norm_seen_by_the_step():
    manual_seed(0)
    X, y = regression()
    y = 1000 * y  # huge errors: huge gradients
    model = small_model()
    after = []

    class Measure(Callback):
        def on_after_backward(self, state, logs):
            after.append(global_norm(state.model.parameters()))

    clip = nn.GradientClipping(0.5)
    nn.fit(model, mse, SGD(model.parameters(), 1e-3), X, y, epochs=2, batch_size=16,
           callbacks=[clip, Measure()], metrics=(), verbose=0)
    assert len(clip.norms) == len(after) == 8
    assert max(clip.norms) > 10 and clip.clipped == 8
    assert max(after) <= 0.5 * (1 + 1e-6)
    with pytest.raises(ValueError):
        nn.GradientClipping(-1)
