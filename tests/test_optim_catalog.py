"""optim.catalog: one table of optimizers and learning rates, one trajectory loop."""

from __future__ import annotations

import numpy as np
import pytest

import optim
from optim import catalog, testfns
from tinygrad_edu import Value


def test_the_built_in_entries_make_their_optimizers():
    assert catalog.names()[:7] == ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
    p = [Value(np.zeros(2))]
    kinds = {"sgd": optim.SGD, "momentum": optim.SGD, "nesterov": optim.SGD, "adagrad": optim.Adagrad,
             "rmsprop": optim.RMSprop, "adam": optim.Adam, "adamw": optim.AdamW}
    for name, cls in kinds.items():
        opt = catalog.make(name, p, lr=0.25)
        assert type(opt) is cls and opt.lr == 0.25
    group = catalog.make("nesterov", p).param_groups[0]
    assert group["momentum"] == 0.9 and group["nesterov"] and catalog.make("sgd", p).param_groups[0]["momentum"] == 0


def test_learning_rates_per_function_and_default():
    assert catalog.default_lr("sgd", testfns.rosenbrock) == catalog.default_lr("sgd", "rosenbrock") == 1e-3
    assert catalog.default_lr("momentum", "rosenbrock") == 1e-3  # one value, no longer two
    assert catalog.default_lr("adam", lambda v: v) == catalog.get("adam").lr["default"]
    assert catalog.make("adagrad", [Value(np.zeros(2))], fn="quadratic").lr == 1.0
    for name in catalog.names():
        for fn in testfns.__all__:
            assert catalog.default_lr(name, fn) > 0


def test_factories_are_labelled_with_their_rates():
    fs = catalog.factories("beale", which=("sgd", "adam"))
    assert list(fs) == ["SGD (lr=0.01)", "Adam (lr=0.05)"]
    assert fs["Adam (lr=0.05)"]([Value(np.zeros(2))]).lr == 0.05
    assert list(catalog.factories("beale", which=("adam",), lrs={"adam": 0.2})) == ["Adam (lr=0.2)"]


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; choose one of sgd, momentum"):
        catalog.make("lbfgs", [Value(np.zeros(2))])
    with pytest.raises(ValueError, match="unknown test function 'os.system'"):
        catalog.test_function("os.system")
    with pytest.raises(ValueError, match="positive"):
        catalog.register("bad", lambda p, lr: optim.SGD(p, lr=lr), lr=-1.0)


def student_loop(fn, factory, steps):
    v = Value(np.array(fn.start, dtype=np.float64))
    opt = factory([v])
    points = [v.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        fn(v).backward()
        opt.step()
        points.append(np.array(v.data))
    return np.array(points)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "rmsprop"])
def test_trajectory_is_the_students_loop(name):
    fn = testfns.quadratic
    run = catalog.trajectory(fn, catalog.factory(name, fn=fn), steps=40)
    np.testing.assert_array_equal(run.points, student_loop(fn, catalog.factory(name, fn=fn), 40))
    assert run.status == "ok" and run.steps == 40 and run.points.shape == (41, 2) and run.losses.shape == (41,)
    np.testing.assert_allclose(run.losses, [float(fn(p)) for p in run.points], rtol=1e-12)
    assert run.final_loss == run.losses[-1] and run.distance(fn.minimum) == pytest.approx(
        np.linalg.norm(run.points[-1] - fn.minimum))


def test_trajectory_stops_when_a_run_diverges():
    run = catalog.trajectory("rosenbrock", catalog.factory("sgd", lr=1.0), steps=200)
    assert run.status == "diverged" and run.steps < 200
    assert np.all(np.isfinite(run.points)) and np.abs(run.points).max() <= catalog.ESCAPE
    assert len(run.losses) == len(run.points)


def test_trajectory_start_and_arguments():
    run = catalog.trajectory(testfns.saddle, catalog.factory("adam", lr=0.1), steps=3, start=(0.5, 0.5))
    np.testing.assert_array_equal(run.points[0], [0.5, 0.5])
    with pytest.raises(ValueError, match="start"):
        catalog.trajectory(lambda v: (v * v).sum(), catalog.factory("sgd"), steps=3)
    with pytest.raises(ValueError, match="steps"):
        catalog.trajectory("saddle", catalog.factory("sgd"), steps=-1)
    assert catalog.trajectory("saddle", catalog.factory("sgd"), steps=0).points.shape == (1, 2)


def test_a_registered_optimizer_joins_the_catalog():
    try:
        catalog.register("gd_half", lambda p, lr: optim.SGD(p, lr=lr / 2), lr={"quadratic": 0.02}, label="GD/2")
        assert catalog.names()[-1] == "gd_half" and catalog.default_lr("gd_half", "beale") == 0.02
        assert "GD/2 (lr=0.02)" in catalog.factories("quadratic")
    finally:
        catalog.CATALOG.pop("gd_half", None)
