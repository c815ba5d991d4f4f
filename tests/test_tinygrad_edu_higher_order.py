"""Second and third derivatives of every op against HIPS autograd's grad(grad(f)) (and torch's
create_graph when installed), plus gradgradcheck against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from _op_cases import CASES, autograd_derivatives, make_inputs, ours_derivatives, projections, torch_derivatives
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, gradgradcheck

IDS = [c[0] for c in CASES]
pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")


def _assert_close(ours, ref, what):
    for k, (lo, lr) in enumerate(zip(ours, ref)):
        for i, (a, b) in enumerate(zip(lo, lr)):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{what}: order {k + 1}, input {i}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_orders_1_to_3_match_autograd(case):
    arrays = make_inputs(case)
    proj = projections(case, arrays, 3)
    _assert_close(ours_derivatives(case[1], arrays, proj, 3), autograd_derivatives(case[2], arrays, proj, 3),
                  case[0])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_orders_1_to_3_match_torch(case):
    pytest.importorskip("torch")
    arrays = make_inputs(case, seed=3)
    proj = projections(case, arrays, 3, seed=4)
    _assert_close(ours_derivatives(case[1], arrays, proj, 3), torch_derivatives(case[3], arrays, proj, 3), case[0])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradgradcheck_every_op(case):
    assert gradgradcheck(case[1], *make_inputs(case, seed=5))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_random_shapes_second_order(n, m, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, m)), rng.standard_normal((m,))
    case = ("mix", lambda x, y: ((x * y).tanh() @ y.exp()).sigmoid(), None, None, [])
    import autograd.numpy as anp

    ref = lambda x, y: 1 / (1 + anp.exp(-(anp.tanh(x * y) @ anp.exp(y))))  # noqa: E731
    proj = projections(case, [a, b], 2, seed=seed % 1000)
    _assert_close(ours_derivatives(case[1], [a, b], proj, 2), autograd_derivatives(ref, [a, b], proj, 2), "mix")


def test_hessian_against_torch_functional():
    torch = pytest.importorskip("torch")
    from tinygrad_edu import func

    x0 = np.array([0.3, -1.2, 0.8])
    f = lambda x: (x.sin() * x.exp()).sum() + (x @ x) ** 2  # noqa: E731
    ref = torch.autograd.functional.hessian(lambda x: (x.sin() * x.exp()).sum() + (x @ x) ** 2,
                                            torch.tensor(x0, dtype=torch.float64))
    np.testing.assert_allclose(func.hessian(f)(x0), ref.numpy(), rtol=1e-10, atol=1e-12)


def test_grad_value_is_differentiable():
    x = Value(0.7)
    y = x.tanh()
    y.backward(create_graph=True)
    assert isinstance(x.grad_value, Value) and float(x.grad_value.data) == pytest.approx(float(x.grad))
    x.grad_value.backward()  # d/dx (1 - tanh^2) = -2 tanh (1 - tanh^2)
    t = np.tanh(0.7)
    assert float(x.grad) == pytest.approx((1 - t * t) + (-2 * t * (1 - t * t)))
