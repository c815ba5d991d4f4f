"""optim.optimizer and the optimizers: behaviour beyond the golden trajectories (state_dict, semantics, errors)."""

from __future__ import annotations

import numpy as np
import pytest

from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from tinygrad_edu import Value

# one representative, non-default configuration per class (exercises every buffer)
CONFIGS = {
    "SGD": (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "SGD-damp": (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    "Adagrad": (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    "RMSprop": (RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    "Adam": (Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    "AdamW": (AdamW, dict(lr=0.01)),
}


def problem_params(seed: int = 0) -> list[Value]:
    rng = np.random.default_rng(seed)
    return [Value(rng.standard_normal((4, 3))), Value(rng.standard_normal(3)), Value(0.5)]


def loss_and_grads(params: list[Value]) -> None:
    """A small nonlinear least squares, with gradients from the engine's backward."""
    W, b, s = params
    X = np.linspace(-1, 1, 20).reshape(5, 4)
    Y = np.arange(15.0).reshape(5, 3) / 15
    loss = ((s * (X @ W + b).tanh() - Y) ** 2).mean()
    loss.backward()


def train(opt: Optimizer, params: list[Value], steps: int) -> list[np.ndarray]:
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_and_grads(params)
        opt.step()
        out.append(np.concatenate([np.ravel(p.data) for p in params]))
    return out


def clone(params: list[Value]) -> list[Value]:
    return [Value(np.array(p.data, copy=True)) for p in params]


# ---------------------------------------------------------------- state_dict


@pytest.mark.parametrize("name", CONFIGS)
def test_state_dict_round_trip_continues_identical_trajectory(name):
    cls, kwargs = CONFIGS[name]
    ref_params = problem_params()
    ref = train(cls(ref_params, **kwargs), ref_params, 40)

    params = problem_params()
    opt = cls(params, **kwargs)
    train(opt, params, 20)
    saved = opt.state_dict()
    resumed_params = clone(params)
    train(opt, params, 5)  # steps after saving must not leak into the snapshot

    resumed = cls(resumed_params, **{**kwargs, "lr": 123.0})  # hyperparameters come from the snapshot
    resumed.load_state_dict(saved)
    assert resumed.lr == kwargs["lr"]
    cont = train(resumed, resumed_params, 20)
    np.testing.assert_array_equal(np.array(cont), np.array(ref[20:]))


def test_state_dict_layout_is_torch_like():
    params = problem_params()
    opt = Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    train(opt, params, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1, 2}
    assert sd["state"][0]["step"] == 2 and sd["state"][0]["exp_avg"].shape == (4, 3)


def test_load_mismatched_state_raises_and_changes_nothing():
    params = problem_params()
    opt = Adam(params, lr=0.1)
    train(opt, params, 3)
    before = opt.state_dict()

    sgd = SGD(params, lr=0.1, momentum=0.9)
    train(sgd, params, 1)
    with pytest.raises(ValueError, match="lacks hyperparameters"):
        opt.load_state_dict(sgd.state_dict())

    other = Adam(problem_params()[:2], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())

    two_groups = Adam([{"params": params[:1]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict(two_groups.state_dict())

    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = 7.0
    bad["state"][1]["exp_avg"] = np.zeros(5)  # wrong shape, found after lr was read
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad)

    bad = opt.state_dict()
    del bad["state"][0]["exp_avg_sq"]
    with pytest.raises(ValueError, match="keeps"):
        opt.load_state_dict(bad)

    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})

    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k in before["state"]:
        for name, v in before["state"][k].items():
            np.testing.assert_array_equal(after["state"][k][name], v)


# ---------------------------------------------------------------- semantics


def test_tensor_updated_in_place_and_scalar_stays_scalar():
    W, s = Value(np.ones((2, 2))), Value(2.0)
    buf = W.data
    opt = SGD([W, s], lr=0.5)
    W.grad = np.ones((2, 2))
    s.grad = np.array(1.0)
    opt.step()
    assert W.data is buf and np.all(W.data == 0.5)
    assert isinstance(s.data, np.floating) and not isinstance(s.data, np.ndarray)
    assert s.data == 1.5


def test_float32_parameters_stay_float32():
    W = Value(np.ones(3, dtype=np.float32))
    for cls, kwargs in CONFIGS.values():
        opt = cls([W], **kwargs)
        W.grad = np.full(3, 0.1, dtype=np.float32)
        opt.step()
        assert W.data.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[W].values() if isinstance(v, np.ndarray))


def test_zero_gradient_still_moves_momentum_like_torch():
    p = Value(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([1.0])
    opt.step()  # buf = 1, p = 0.9
    opt.zero_grad()
    opt.step()  # grad is zero but the buffer carries on: buf = 0.9, p = 0.81
    np.testing.assert_allclose(p.data, [0.81])


def test_frozen_parameter_is_skipped():
    p, q = Value(np.ones(2)), Value(np.ones(2), requires_grad=False)
    opt = Adam([p, q], lr=0.1)
    p.grad = np.ones(2)
    opt.step()
    assert np.all(q.data == 1) and np.all(p.data < 1) and q not in opt.state


def test_zero_grad_keeps_the_grad_array():
    p = Value(np.ones(3))
    (p * p).sum().backward()
    g = p.grad
    SGD([p]).zero_grad(set_to_none=False)
    assert p.grad is g and np.all(g == 0)


def test_zero_grad_default_sets_to_none_like_torch():
    p = Value(np.ones(3))
    (p * p).sum().backward()
    g = p.grad
    SGD([p]).zero_grad()  # set_to_none=True: back to the state before any backward
    assert p.grad is not g and np.all(p.grad == 0) and np.all(g == 2)
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad, [2.0, 2.0, 2.0])  # a fresh buffer, nothing accumulated


def test_lr_property_reads_and_writes_every_group():
    a, b = Value(np.ones(2)), Value(np.ones(2))
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert opt.lr == 0.1 and [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    opt.lr = 0.01
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.lr = -1


def test_defaults_match_torch():
    p = [Value(np.ones(2))]
    assert SGD(p).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                                   maximize=False)
    assert Adagrad(p).defaults["lr"] == 1e-2 and Adagrad(p).defaults["eps"] == 1e-10
    assert Adagrad(p).defaults["initial_accumulator_value"] == 0
    r = RMSprop(p).defaults
    assert (r["lr"], r["alpha"], r["eps"], r["momentum"], r["centered"]) == (1e-2, 0.99, 1e-8, 0, False)
    a = Adam(p).defaults
    assert (a["lr"], a["betas"], a["eps"], a["weight_decay"], a["amsgrad"]) == (1e-3, (0.9, 0.999), 1e-8, 0,
                                                                                False)
    assert AdamW(p).defaults["weight_decay"] == 1e-2


def test_closure_is_called_and_its_loss_returned():
    params = problem_params()
    opt = SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss_and_grads(params)
        return 3.0

    assert opt.step(closure) == 3.0


def test_base_class_can_be_subclassed_like_micrograd():
    class GD(Optimizer):
        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    p.data = p.data - group["lr"] * p.grad

    p = Value(np.array([2.0]))
    opt = GD([p], lr=0.25)
    assert opt.lr == 0.25 and Optimizer([p], 0.1).lr == 0.1
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.data, [1.0])
    with pytest.raises(NotImplementedError):
        Optimizer([p], lr=0.1).step()


# ---------------------------------------------------------------- errors


def test_parameter_list_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Values"):
        SGD([np.ones(3)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Values"):
        SGD(Value(np.ones(3)), lr=0.1)
    with pytest.raises(TypeError, match="ordered collection"):
        SGD({Value(1.0)}, lr=0.1)
    p = Value(np.ones(2))
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        SGD([p, p], lr=0.1)
    # a generator (like model.parameters()) is fine, and so are (name, Value) pairs
    SGD((q for q in [p]), lr=0.1)
    opt = SGD([("w", p)], lr=0.1)
    assert opt.param_groups[0]["params"] == [p] and opt.param_groups[0]["param_names"] == ["w"]


@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (SGD, dict(lr=float("nan")), "Invalid learning rate"),
    (SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    (SGD, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires"),
    (Adagrad, dict(lr_decay=-1), "Invalid lr_decay value"),
    (Adagrad, dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
    (Adagrad, dict(eps=-1), "Invalid epsilon value"),
    (RMSprop, dict(alpha=-0.1), "Invalid alpha value"),
    (RMSprop, dict(momentum=-1), "Invalid momentum value"),
    (Adam, dict(lr=-1e-3), "Invalid learning rate"),
    (Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (Adam, dict(eps=-1e-8), "Invalid epsilon value"),
    (AdamW, dict(weight_decay=-0.01), "Invalid weight_decay value"),
])
def test_invalid_hyperparameters_raise_like_torch(cls, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        cls([Value(np.ones(2))], **kwargs)


def test_invalid_group_hyperparameter_raises():
    with pytest.raises(ValueError, match="Invalid learning rate"):
        SGD([{"params": [Value(1.0)], "lr": -1}], lr=0.1)
