"""gradcheck, numerical_grad and detect_anomaly."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import (
    AnomalyError,
    Function,
    GradcheckError,
    Value,
    detect_anomaly,
    gradcheck,
    numerical_grad,
)
from tinygrad_edu.cli import main
from tinygrad_edu.cli.gradcheck_cmd import check_all


def test_every_op_passes_gradcheck():
    rows = check_all(seed=1, packages=("tinygrad_edu", "nn"))
    assert len(rows) >= 40
    bad = [r for r in rows if not r["ok"]]
    assert not bad, bad
    assert max(r["max_abs_err"] for r in rows) < 1e-6


def test_gradcheck_accepts_correct_and_names_wrong_gradients():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    assert gradcheck(lambda a, b: (a @ b).tanh().sum(), A, B)
    assert gradcheck(lambda a: a.softmax(axis=1), Value(A))  # non-scalar output

    class WrongSquare(Function):
        def forward(self, x):
            self.saved = x
            return x * x

        def backward(self, grad):
            return grad * self.saved  # should be 2x

    with pytest.raises(GradcheckError, match=r"input 1, element \(\d+, \d+\): analytic .* numeric") as info:
        gradcheck(lambda a, b: a.sum() * 3 + WrongSquare.apply(b).sum(), np.ones(2), np.full((3, 2), 2.0))
    assert info.value.input_index == 1 and len(info.value.element_index) == 2
    assert info.value.analytic != pytest.approx(info.value.numeric)
    assert gradcheck(lambda a: WrongSquare.apply(a).sum(), np.ones(3), raise_exception=False) is False


def test_gradcheck_does_not_touch_the_callers_inputs():
    w = Value(np.ones(3, np.float32))
    gradcheck(lambda a: (a * a).sum(), w, atol=1e-3)
    assert w.dtype == np.float32 and not w.grad.any()
    np.testing.assert_array_equal(w.data, np.ones(3))


def test_numerical_grad():
    x = np.array([1.0, 2.0, 3.0])
    (g,) = numerical_grad(lambda a: (a**2).sum(), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-7)
    g1, g2 = numerical_grad(lambda a, b: a * b, np.array(2.0), np.array(5.0))
    assert g1 == pytest.approx(5.0) and g2 == pytest.approx(2.0)


def test_anomaly_names_op_and_source_line_forward():
    x = Value(np.array([1.0, -1.0]))
    with detect_anomaly(), pytest.raises(AnomalyError,
                                         match=r"log.*forward.*test_tinygrad_edu_gradcheck.py:\d+.*\.log\(\)"):
        with np.errstate(invalid="ignore"):
            x.log()


def test_anomaly_backward_gradient():
    x = Value(np.array([0.0, 4.0]))
    with detect_anomaly():
        y = x.sqrt()  # forward fine; d sqrt/dx at 0 is inf
        with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(
                AnomalyError, match=r"pow backward.*input 0.*test_tinygrad_edu_gradcheck.py:\d+"):
            y.sum().backward()
    assert not x.grad.any()  # the failed pass committed nothing


def test_anomaly_off_by_default():
    with np.errstate(divide="ignore"):
        y = Value(0.0).log()
    assert np.isinf(y.data)


def test_cli_gradcheck_prints_table(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "max abs err" in out and "matmul" in out and "0 failed" in out
