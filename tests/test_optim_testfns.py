"""optim.testfns: minima are stationary, the saddle is a saddle, every optimizer makes progress."""

from __future__ import annotations

import numpy as np
import pytest

from optim import SGD, Adagrad, Adam, AdamW, RMSprop, testfns
from tinygrad_edu import Value

# ---------------------------------------------------------------- test functions


@pytest.mark.parametrize("fn", [testfns.rosenbrock, testfns.beale, testfns.saddle, testfns.quadratic])
def test_testfn_minimum_is_a_stationary_point(fn):
    v = Value(np.array(fn.minimum, dtype=np.float64))
    out = fn(v)
    assert out.shape == ()
    out.backward()
    np.testing.assert_allclose(v.grad, 0, atol=1e-12)
    assert fn.start.shape == (2,) and fn.minimum.shape == (2,)
    # the minimum is lower than points around it
    rng = np.random.default_rng(0)
    f_min = float(fn(fn.minimum))
    for d in rng.normal(scale=0.05, size=(20, 2)):
        assert float(fn(fn.minimum + d)) > f_min
    # numpy arrays (and grids) work too
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3)))
    assert np.shape(fn(grid)) == (3, 4)


def test_saddle_point_is_a_saddle():
    v = Value(testfns.saddle.saddle_point.copy())
    testfns.saddle(v).backward()
    np.testing.assert_array_equal(v.grad, [0.0, 0.0])
    f0 = float(testfns.saddle(testfns.saddle.saddle_point))
    assert float(testfns.saddle(np.array([0.1, 0.0]))) > f0 > float(testfns.saddle(np.array([0.0, 0.1])))


RACE = {  # learning rates that suit each function's scale
    "SGD": (SGD, dict(lr=0.02, momentum=0.9), dict(lr=1e-3, momentum=0.9)),
    "Adagrad": (Adagrad, dict(lr=0.5), dict(lr=0.5)),
    "RMSprop": (RMSprop, dict(lr=0.01), dict(lr=0.01)),
    "Adam": (Adam, dict(lr=0.05), dict(lr=0.02)),
    "AdamW": (AdamW, dict(lr=0.05, weight_decay=0.0), dict(lr=0.02, weight_decay=0.0)),
}


def run(fn, cls, kwargs, steps):
    v = Value(fn.start.copy())
    opt = cls([v], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        fn(v).backward()
        opt.step()
    return np.asarray(v.data)


@pytest.mark.parametrize("name", RACE)
def test_each_optimizer_reaches_the_quadratic_minimum(name):
    cls, kwargs, _ = RACE[name]
    np.testing.assert_allclose(run(testfns.quadratic, cls, kwargs, 1000), testfns.quadratic.minimum, atol=1e-4)


@pytest.mark.parametrize("name", RACE)
def test_each_optimizer_makes_progress_on_rosenbrock(name):
    cls, _, kwargs = RACE[name]
    fn = testfns.rosenbrock
    end = run(fn, cls, kwargs, 1000)
    assert float(fn(end)) < 0.2 * float(fn(fn.start))
    assert np.linalg.norm(end - fn.minimum) < np.linalg.norm(fn.start - fn.minimum)
