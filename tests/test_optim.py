"""optim: behaviour beyond the golden trajectories (state_dict, errors, clipping, test functions, layering)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optim
from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, lr_scheduler, testfns
from tinygrad_edu import Value

ROOT = Path(__file__).resolve().parent.parent

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


# ---------------------------------------------------------------- schedulers


def test_scheduler_state_dict_round_trip():
    p = Value(np.ones(2))
    opt = SGD([p], lr=0.1)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    saved, lr = sched.state_dict(), opt.lr
    assert "optimizer" not in saved
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(opt.lr)

    opt2 = SGD([p], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    opt2.lr = lr
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    sched2.load_state_dict(saved)
    got = []
    for _ in range(5):
        sched2.step()
        got.append(opt2.lr)
    assert got == expected


def test_scheduler_errors():
    opt = SGD([Value(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="best")
    with pytest.raises(ValueError, match="threshold mode"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=3, last_epoch=5)
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=3)


def test_reduce_on_plateau_cuts_after_patience():
    opt = SGD([Value(np.ones(2))], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    for metric in [1.0, 1.0, 1.0]:
        sched.step(metric)
    assert opt.lr == 1.0
    sched.step(1.0)  # third bad epoch > patience
    assert opt.lr == 0.5 and sched.get_last_lr() == [0.5]


# ---------------------------------------------------------------- clipping


def test_clip_grad_norm_returns_norm_before_clipping():
    a, b = Value(np.zeros(3)), Value(np.zeros(2))
    a.grad = np.array([3.0, 0.0, 0.0])
    b.grad = np.array([0.0, 4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    joint = np.sqrt(np.sum(a.grad**2) + np.sum(b.grad**2))
    assert joint == pytest.approx(1.0 * 5.0 / (5.0 + 1e-6))
    np.testing.assert_allclose(a.grad / b.grad[1], [0.75, 0, 0])  # direction kept


def test_clip_grad_norm_leaves_small_gradients_and_handles_inf_norm():
    a = Value(np.zeros(2))
    a.grad = np.array([0.3, -0.4])
    assert optim.clip_grad_norm_(a, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, -0.4])
    assert optim.clip_grad_norm_([a], max_norm=0.1, norm_type=float("inf")) == pytest.approx(0.4)
    np.testing.assert_allclose(np.max(np.abs(a.grad)), 0.1, rtol=1e-5)
    assert optim.clip_grad_norm_([a], max_norm=1.0, norm_type=1) == pytest.approx(0.175, rel=1e-4)


def test_clip_grad_value():
    a, s = Value(np.zeros(3)), Value(0.0)
    a.grad = np.array([-5.0, 0.5, 2.0])
    s.grad = np.array(-3.0)
    optim.clip_grad_value_([a, s], clip_value=1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5, 1.0])
    assert s.grad == -1.0


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


# ---------------------------------------------------------------- layering


def test_optim_source_imports_neither_nn_nor_viz():
    for path in sorted((ROOT / "optim").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in {"numpy", "tinygrad_edu", "__future__"} or top in sys.stdlib_module_names, (
                    f"{path.relative_to(ROOT)} imports {name}")


def test_importing_optim_loads_neither_nn_nor_viz():
    code = ("import sys, optim, optim.lr_scheduler, optim.testfns; "
            "bad = [m for m in ('nn', 'viz') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
