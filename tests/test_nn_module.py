"""nn.Module: parameter discovery, hooks, modes, state_dict (torch's key names), save/load."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nn
from nn import BatchNorm1d, BatchNorm2d, Conv2d, Linear, Module, Sequential
from tinygrad_edu import Value, manual_seed


class Net(Module):
    def __init__(self):
        self.fc = Linear(3, 4)
        self.blocks = [Linear(4, 4), nn.ReLU()]
        self.heads = {"a": Linear(4, 2), "b": Linear(4, 1, bias=False)}
        self.scale = Value(np.ones(1))
        self.frozen = Value(np.ones(2), requires_grad=False)
        self.not_a_param = np.zeros(3)

    def forward(self, x):
        h = self.blocks[1](self.blocks[0](self.fc(x)))
        return self.heads["a"](h) * self.scale


def test_parameter_discovery_through_attributes_lists_and_dicts():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "blocks.0.weight", "blocks.0.bias",
                     "heads.a.weight", "heads.a.bias", "heads.b.weight"]
    net = Net()
    assert net.num_parameters() == 1 + 12 + 4 + 16 + 4 + 8 + 2 + 4
    assert all(isinstance(p, Value) for p in net.parameters())


def test_shared_parameter_listed_once_and_nonleaf_values_ignored():
    net = Net()
    net.alias = net.fc  # the same module twice
    net.cache = net.fc.weight * 2  # an intermediate result, not a parameter
    assert len(net.parameters()) == 8


def test_children_and_named_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["fc", "blocks.0", "blocks.1", "heads.a", "heads.b"]
    assert [n for n, _ in net.named_modules()] == ["", "fc", "blocks.0", "blocks.1", "heads.a", "heads.b"]


def test_train_eval_propagate_and_return_self():
    net = Sequential(Linear(2, 2), Sequential(nn.Dropout(0.5), BatchNorm1d(2)))
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())


def test_zero_grad():
    lin = Linear(3, 2)
    lin(np.ones((4, 3))).sum().backward()
    assert np.any(lin.weight.grad != 0)
    lin.zero_grad()
    assert np.all(lin.weight.grad == 0) and np.all(lin.bias.grad == 0)


def test_forward_hook_sees_inputs_and_output_and_can_be_removed():
    lin, seen = Linear(3, 2), []
    handle = lin.register_forward_hook(lambda m, inp, out: seen.append((m, inp[0].shape, out.shape)))
    lin(np.ones((5, 3)))
    handle.remove()
    lin(np.ones((5, 3)))
    assert seen == [(lin, (5, 3), (5, 2))]
    handle.remove()  # idempotent


def test_forward_hook_can_replace_output():
    lin = Linear(3, 2)
    lin.register_forward_hook(lambda m, inp, out: out * 0)
    assert np.all(lin(np.ones((1, 3))).data == 0)


# --- state_dict: PyTorch's key names (hard-coded from torch 2.x) -----------------------------

def test_state_dict_keys_match_torch():
    assert list(Linear(2, 3).state_dict()) == ["weight", "bias"]
    assert list(Linear(2, 3, bias=False).state_dict()) == ["weight"]
    assert list(Conv2d(1, 2, 3).state_dict()) == ["weight", "bias"]
    bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(BatchNorm1d(3).state_dict()) == bn
    assert list(BatchNorm2d(3).state_dict()) == bn
    seq = Sequential(Linear(2, 3), nn.ReLU(), BatchNorm1d(3), Linear(3, 1))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean",
                                      "2.running_var", "2.num_batches_tracked", "3.weight", "3.bias"]
    shapes = {k: v.shape for k, v in Sequential(Conv2d(1, 4, 3), Linear(5, 6)).state_dict().items()}
    assert shapes == {"0.weight": (4, 1, 3, 3), "0.bias": (4,), "1.weight": (6, 5), "1.bias": (6,)}


def test_state_dict_holds_copies_and_buffers_are_not_parameters():
    bn = BatchNorm1d(2)
    sd = bn.state_dict()
    sd["weight"][:] = 7
    sd["running_mean"][:] = 7
    assert np.all(bn.weight.data == 1) and np.all(bn.running_mean == 0)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]


def test_load_state_dict_round_trip_keeps_parameter_identity():
    manual_seed(0)
    a, b = nn.MLP(3, [4], 2, batchnorm=True), nn.MLP(3, [4], 2, batchnorm=True)
    a(np.random.default_rng(0).normal(size=(8, 3)))  # moves running stats
    w = b[0].weight
    b.load_state_dict(a.state_dict())
    assert b[0].weight is w  # loaded in place: an optimizer holding it still sees it
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(va, vb, err_msg=k)


def _snapshot(m):
    return {k: v.copy() for k, v in m.state_dict().items()}


def _assert_unchanged(m, snap):
    now = m.state_dict()
    assert list(now) == list(snap)
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k])


@pytest.mark.parametrize("case", ["missing", "extra", "shape"])
def test_load_state_dict_errors_name_the_key_and_leave_model_unchanged(case):
    model = Sequential(Linear(2, 3), BatchNorm1d(3), Linear(3, 1))
    snap = _snapshot(model)
    sd = {k: v + 1 for k, v in snap.items()}  # every value differs, so a partial write would show
    if case == "missing":
        del sd["2.bias"]
        err, key = KeyError, "2.bias"
    elif case == "extra":
        sd["3.weight"] = np.zeros((1, 1))
        err, key = KeyError, "3.weight"
    else:
        sd["2.weight"] = np.zeros((3, 1))  # listed after the good keys: nothing may be written first
        err, key = ValueError, "2.weight"
    with pytest.raises(err, match=key):
        model.load_state_dict(sd)
    _assert_unchanged(model, snap)


def test_load_state_dict_non_strict_reports_keys_but_still_checks_shapes():
    model = Linear(2, 3)
    res = model.load_state_dict({"weight": np.zeros((3, 2)), "other": np.zeros(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["other"]
    assert np.all(model.weight.data == 0)
    with pytest.raises(ValueError, match="weight"):
        model.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)


def test_load_casts_to_parameter_dtype():
    model = Linear(2, 3, dtype=np.float32)
    model.load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(3)})
    assert model.weight.dtype == np.float32


# --- save / load --------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    manual_seed(1)
    a = Sequential(Conv2d(1, 2, 3), nn.Flatten(), Linear(2 * 4 * 4, 3), BatchNorm1d(3))
    a(np.random.default_rng(0).normal(size=(4, 1, 6, 6)))
    path = tmp_path / "model.npz"
    a.save(path)
    b = Sequential(Conv2d(1, 2, 3), nn.Flatten(), Linear(2 * 4 * 4, 3), BatchNorm1d(3))
    assert b.load(path) is b
    _assert_unchanged(b, _snapshot(a))
    assert os.listdir(tmp_path) == ["model.npz"]  # no temp file left behind
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == sorted(a.state_dict())


def test_failing_save_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    Linear(2, 2).save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        Linear(2, 2).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize("content", [b"not a zip file at all", b"PK\x03\x04garbage", b""])
def test_load_corrupt_file_raises_clearly_and_leaves_model_unchanged(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    model = Linear(2, 2)
    snap = _snapshot(model)
    with pytest.raises(ValueError, match="bad.npz"):
        model.load(path)
    _assert_unchanged(model, snap)


def test_load_foreign_or_mismatched_file(tmp_path):
    model = Linear(2, 2)
    snap = _snapshot(model)
    np.save(tmp_path / "arr.npy", np.zeros(3))
    with pytest.raises(ValueError):
        model.load(tmp_path / "arr.npy")
    np.savez(tmp_path / "other.npz", foo=np.zeros(3))
    with pytest.raises(KeyError, match="foo"):
        model.load(tmp_path / "other.npz")
    Linear(3, 2).save(tmp_path / "wide.npz")
    with pytest.raises(ValueError, match="weight"):
        model.load(tmp_path / "wide.npz")
    np.savez(tmp_path / "obj.npz", weight=np.array([object()] * 4).reshape(2, 2), bias=np.zeros(2))
    with pytest.raises(ValueError):
        model.load(tmp_path / "obj.npz")
    _assert_unchanged(model, snap)


def test_to_dtype_casts_parameters_and_buffers():
    model = Sequential(Linear(2, 3), BatchNorm1d(3)).to(np.float32)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model[1].running_var.dtype == np.float32
    out = model(np.ones((4, 2), dtype=np.float32))
    assert out.dtype == np.float32


def test_state_dict_loads_into_torch_unchanged():
    torch = pytest.importorskip("torch")
    ours = Sequential(Conv2d(1, 2, 3, padding=1), BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      Linear(2 * 2 * 2, 3))
    x = np.random.default_rng(0).normal(size=(5, 1, 4, 4))
    ours(x)  # train-mode pass: running stats move
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 3)).double()
    assert list(theirs.state_dict()) == list(ours.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.tensor(x)).numpy(), ours(x).data, rtol=1e-10, atol=1e-12)
