"""`fit`, `evaluate`, `predict`, `History` and metrics; networks that must learn."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import SGD

import nn
from nn.data import load_digits, make_moons, train_test_split
from nn.training import accuracy, evaluate, predict
from tinygrad_edu import manual_seed


class NoLr(SGD):
    """An optimizer with no readable learning rate: `fit` must not need one."""

    def __init__(self, params):
        self.params, self._lr = list(params), 0.1

    def step(self):
        for p in self.params:
            p.data = p.data - self._lr * p.grad


def adam(params, lr):
    optim = pytest.importorskip("optim")
    return optim.Adam(params, lr=lr)


def blobs(n=60, seed=0):
    X, y = nn.data.make_blobs(n, centers=3, random_state=seed)
    return X, y


# ----------------------------------------------------------------------------- History

def test_history_keys_lengths_and_params():
    manual_seed(0)
    X, y = blobs()
    model = nn.MLP(2, [8], 3)
    h = nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=4, batch_size=16,
               validation_data=blobs(30, seed=1), verbose=0)
    assert isinstance(h, nn.History)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 4 for v in h.history.values())
    assert h.epoch == [0, 1, 2, 3] and len(h) == 4 and h["loss"] is h.history["loss"]
    assert h.history["lr"] == [0.1] * 4
    assert h.params["epochs"] == 4 and h.params["steps"] == 4 and h.params["samples"] == 60
    assert h.params["val_samples"] == 30 and h.stopped_epoch is None
    assert all(0.0 <= a <= 1.0 for a in h.history["val_accuracy"])


def test_no_validation_no_lr_no_metrics():
    manual_seed(0)
    X, y = blobs()
    model = nn.MLP(2, [8], 3)
    h = nn.fit(model, nn.cross_entropy, NoLr(model.parameters()), X, y, epochs=2, metrics=(), verbose=0)
    assert set(h.history) == {"loss"}
    h = nn.fit(model, nn.cross_entropy, NoLr(model.parameters()), X, y, epochs=0, verbose=0)
    assert h.history == {} and h.epoch == []


def test_loss_decreases_and_matches_evaluate_at_the_end():
    manual_seed(0)
    X, y = blobs(90)
    model = nn.MLP(2, [16], 3)
    h = nn.fit(model, nn.cross_entropy, SGD(model.parameters(), 0.1), X, y, epochs=15, batch_size=None,
               validation_data=(X, y), verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    # full batch: the epoch's training loss is measured before its single step, validation after
    final = evaluate(model, nn.cross_entropy, X, y)
    assert final["loss"] == pytest.approx(h.history["val_loss"][-1])
    assert final["accuracy"] == pytest.approx(h.history["val_accuracy"][-1])


def test_custom_metrics_and_unknown_names():
    manual_seed(0)
    X, y = blobs()
    model = nn.MLP(2, [8], 3)

    def top2(pred, target):
        return float(np.mean([t in np.argsort(p)[-2:] for p, t in zip(pred, target)]))

    h = nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=1, metrics=["acc", top2],
               validation_split=0.2, verbose=0)
    assert {"acc", "top2", "val_acc", "val_top2"} <= set(h.history)
    assert h.history["top2"][0] >= h.history["acc"][0]
    with pytest.raises(ValueError, match="unknown metric"):
        nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, metrics=["f7"], verbose=0)


# ----------------------------------------------------------------------------- data handling

def test_validation_split_takes_the_last_samples_before_shuffling():
    manual_seed(0)
    n = 50
    X = np.linspace(-1, 1, n).reshape(n, 1)
    y = np.arange(n, dtype=float)  # each target names its sample
    seen = {"train": [], "val": []}

    def record(pred, target):
        # called on the epoch's training targets (shuffled) and on the validation targets
        seen["val" if len(target) == 10 else "train"].append(np.array(target))
        return 0.0

    model = nn.Linear(1, 1)
    h = nn.fit(model, lambda p, t: nn.mse_loss(p.reshape(-1), t), SGD(model.parameters(), 0.01), X, y,
               epochs=2, batch_size=8, validation_split=0.2, metrics=[record], verbose=0)
    # Keras: train on the first floor(50 * 0.8) = 40 samples, validate on the last 10, in order
    np.testing.assert_array_equal(seen["val"][0], np.arange(40, 50))
    assert sorted(seen["train"][0]) == list(range(40))
    assert not np.array_equal(seen["train"][0], seen["train"][1])  # reshuffled every epoch
    assert h.params["samples"] == 40 and h.params["val_samples"] == 10


def test_validation_split_errors():
    X, y = blobs(10)
    model = nn.MLP(2, [4], 3)
    for bad in (1.0, -0.1, 0.95):  # 0.95 of 10 leaves no training sample
        with pytest.raises(ValueError, match="validation_split"):
            nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, validation_split=bad, verbose=0)
    with pytest.raises(ValueError, match="samples"):
        nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y[:5], verbose=0)


def test_batch_size_none_is_one_full_batch_step_per_epoch():
    manual_seed(0)
    X, y = blobs(40)
    model = nn.MLP(2, [4], 3)
    sizes = []

    class Count(nn.Callback):
        def on_batch_end(self, state, logs):
            sizes.append(logs["size"])

    h = nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=3, batch_size=None,
               callbacks=[Count()], verbose=0)
    assert sizes == [40, 40, 40] and h.params["steps"] == 1


def test_seeded_runs_repeat_and_shuffle_false_is_deterministic_order():
    def run(seed, shuffle=True):
        manual_seed(seed)
        X, y = blobs()
        model = nn.MLP(2, [8], 3)
        return nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=3, batch_size=8,
                      shuffle=shuffle, verbose=0).history["loss"]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_float32_model_gets_float32_inputs_and_mode_is_restored():
    manual_seed(0)
    X, y = blobs()  # float64 data
    model = nn.MLP(2, [8], 3, dropout=0.5, dtype=np.float32)
    dtypes, modes = [], []

    def hook(module, inputs, out):
        dtypes.append(out.dtype)
        modes.append(module.training)

    model[0].register_forward_hook(hook)
    model.eval()
    nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=1, batch_size=30,
           validation_split=0.5, verbose=0)
    assert set(dtypes) == {np.dtype(np.float32)}
    assert modes == [True, False]  # one training batch, then validation in eval mode
    assert not model.training  # the mode before fit
    model.train()
    assert predict(model, X).dtype == np.float32 and model.training


def test_validation_runs_without_dropout_and_without_a_graph():
    manual_seed(0)
    X, y = blobs()
    model = nn.MLP(2, [16], 3, dropout=0.5)
    h = nn.fit(model, nn.cross_entropy, NoLr(model.parameters()), X, y, epochs=1,
               validation_data=(X, y), verbose=0)
    again = evaluate(model, nn.cross_entropy, X, y, batch_size=7)
    assert again["loss"] == pytest.approx(h.history["val_loss"][0])
    np.testing.assert_allclose(predict(model, X, batch_size=7), predict(model, X))
    model.zero_grad()
    evaluate(model, nn.cross_entropy, X, y)
    assert not model[0].weight.grad.any()  # evaluation builds no graph, adds no gradient


def test_verbose_levels(capsys):
    manual_seed(0)
    X, y = blobs()
    model = nn.MLP(2, [4], 3)
    nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - loss:")
    nn.fit(model, nn.cross_entropy, SGD(model.parameters()), X, y, epochs=2, verbose=1)
    assert "Epoch 2/2" in capsys.readouterr().err  # the tqdm bar


# ----------------------------------------------------------------------------- accuracy

def test_accuracy_reads_each_kind_of_output():
    logits = np.array([[2.0, 0.1, 0.0], [0.0, 0.0, 3.0], [1.0, 2.0, 0.0]])
    assert accuracy(logits, np.array([0, 2, 0])) == pytest.approx(2 / 3)
    assert accuracy(logits, np.eye(3)[[0, 2, 0]]) == pytest.approx(2 / 3)  # one-hot targets
    scores = np.array([-1.5, 0.3, 2.0, -0.2])
    assert accuracy(scores, np.array([0, 1, 1, 1])) == 0.75  # logits: threshold 0
    assert accuracy(scores.reshape(-1, 1), np.array([-1, 1, 1, 1])) == 0.75  # +-1 labels: sign
    probs = np.array([0.2, 0.6, 0.9, 0.4])
    assert accuracy(probs, np.array([0, 1, 1, 0])) == 1.0  # all in [0, 1]: threshold 0.5
    assert accuracy(probs, np.array([0, 1, 1, 0]), threshold=0.0) == 0.5


def test_fit_picks_the_threshold_from_the_loss():
    manual_seed(0)
    X, y = make_moons(60, noise=0.1)
    logit_model = nn.MLP(2, [8], 1)
    h = nn.fit(logit_model, nn.BCEWithLogitsLoss(), SGD(logit_model.parameters()), X, y.reshape(-1, 1),
               epochs=1, batch_size=None, validation_data=(X, y.reshape(-1, 1)), verbose=0)
    assert h.history["val_accuracy"][0] == accuracy(predict(logit_model, X), y, threshold=0.0)
    prob_model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    loss = nn.BCELoss()
    h = nn.fit(prob_model, lambda p, t: loss(p.reshape(-1), t), SGD(prob_model.parameters(), 0.0), X, y,
               epochs=1, batch_size=None, validation_data=(X, y), verbose=0)
    assert h.history["val_accuracy"][0] == accuracy(predict(prob_model, X), y, threshold=0.5)


# ----------------------------------------------------------------------------- they learn

def test_mlp_learns_moons():
    manual_seed(0)
    X, y = make_moons(300, noise=0.1, random_state=0)
    model = nn.MLP(2, [32, 32], 2, dtype=np.float32)
    nn.fit(model, nn.cross_entropy, adam(model.parameters(), 0.01), X, y, epochs=40, verbose=0)
    assert evaluate(model, nn.cross_entropy, X, y)["accuracy"] >= 0.97


def digits_split():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, random_state=0)


def test_mlp_learns_digits():
    manual_seed(0)
    X_train, X_test, y_train, y_test = digits_split()
    model = nn.MLP(64, [128, 64], 10, dtype=np.float32)
    h = nn.fit(model, nn.cross_entropy, adam(model.parameters(), 3e-3), X_train, y_train, epochs=10,
               batch_size=64, validation_data=(X_test, y_test), verbose=0)
    assert h.history["val_accuracy"][-1] >= 0.95
    assert evaluate(model, nn.cross_entropy, X_test, y_test)["accuracy"] >= 0.95


def test_cnn_learns_digits():
    manual_seed(0)
    X_train, X_test, y_train, y_test = digits_split()
    X_train, X_test = X_train.reshape(-1, 1, 8, 8), X_test.reshape(-1, 1, 8, 8)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    ).to(np.float32)
    nn.fit(model, nn.cross_entropy, adam(model.parameters(), 1e-2), X_train, y_train, epochs=10,
           batch_size=64, verbose=0)
    assert evaluate(model, nn.cross_entropy, X_test, y_test)["accuracy"] >= 0.95


def test_scalar_mlp_learns_moons():
    """The micrograd-style network: lists of scalar Values, trained by hand (no fit)."""
    from tinygrad_edu import Value

    manual_seed(0)
    X, y = make_moons(60, noise=0.1, random_state=0)
    labels = 2 * y - 1  # +-1 for the hinge loss
    model = nn.scalar.MLP(2, [8, 8, 1])
    params = model.parameters()
    for step in range(60):
        scores = [model([Value(float(a)), Value(float(b))]) for a, b in X]
        scores = [s[0] if isinstance(s, list) else s for s in scores]
        loss = sum(((1 - yi * s).relu() for yi, s in zip(labels, scores)), Value(0.0)) * (1 / len(X))
        for p in params:
            p.grad = None
        loss.backward()
        lr = 0.5 - 0.4 * step / 60
        for p in params:
            p.data = p.data - lr * p.grad
    acc = np.mean([(s.item() > 0) == (yi > 0) for s, yi in zip(scores, labels)])
    assert acc >= 0.9
