"""nn.metrics: the metric functions, and accuracy's threshold from what a loss declares it expects."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import nn
from nn.metrics import accuracy, expects_of, mae, mse, resolve_metrics, threshold_for


@pytest.mark.parametrize("loss, kind", [
    (nn.mse_loss, "probabilities"), (nn.binary_cross_entropy, "probabilities"),
    (nn.binary_cross_entropy_with_logits, "logits"), (nn.cross_entropy, "logits"), (nn.hinge_loss, "logits"),
    (nn.MSELoss(), "probabilities"), (nn.BCELoss(), "probabilities"), (nn.BCEWithLogitsLoss(), "logits"),
    (nn.CrossEntropyLoss(), "logits"), (nn.HingeLoss(), "logits"),
])
def test_every_loss_declares_what_it_expects(loss, kind):
    assert loss.expects == kind and expects_of(loss) == kind


def test_partials_and_wrappers_are_seen_through():
    assert expects_of(functools.partial(nn.binary_cross_entropy_with_logits)) == "logits"
    assert expects_of(functools.partial(functools.partial(nn.binary_cross_entropy))) == "probabilities"

    @functools.wraps(nn.cross_entropy)
    def logged(pred, target):
        return nn.cross_entropy(pred, target)

    assert threshold_for(logged) == 0.0


def test_a_loss_that_does_not_say_leaves_it_to_the_data():
    assert expects_of(lambda p, t: nn.mse_loss(p, t)) is None and threshold_for(print) is None

    def mine(p, t):
        return nn.binary_cross_entropy_with_logits(p, t)

    mine.expects = "logits"
    assert threshold_for(mine) == 0.0


def test_accuracy_uses_the_declared_threshold_even_for_a_partial():
    # logits that all lie in [0, 1]: the data alone would say "probabilities" and cut at 0.5
    pred, target = np.array([0.3, 0.2, 0.9]), np.array([1, 1, 1])
    by_data = resolve_metrics(["accuracy"], lambda p, t: p)["accuracy"](pred, target)
    by_loss = resolve_metrics(["accuracy"], functools.partial(nn.binary_cross_entropy_with_logits))
    assert by_data == pytest.approx(1 / 3) and by_loss["accuracy"](pred, target) == 1.0


def test_named_metrics_and_errors():
    fns = resolve_metrics(("acc", "mse", "mean_absolute_error"), nn.mse_loss)
    assert fns["mse"] is mse and fns["mean_absolute_error"] is mae
    p, t = np.array([[1.0], [3.0]]), np.array([0.0, 1.0])
    assert mse(p, t) == pytest.approx(2.5) and mae(p, t) == pytest.approx(1.5)
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    with pytest.raises(ValueError, match="unknown metric"):
        resolve_metrics(["f1"], nn.mse_loss)
    with pytest.raises(ValueError, match="'loss'"):
        resolve_metrics([loss_metric], nn.mse_loss)
    with pytest.raises(TypeError):
        resolve_metrics([3], nn.mse_loss)


def loss_metric(p, t):
    return 0.0


loss_metric.__name__ = "loss"


def test_training_still_exports_accuracy():
    from nn.training import accuracy as old

    assert old is accuracy
