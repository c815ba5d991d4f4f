"""Module.register_full_backward_hook: grad_input and grad_output as torch reports them."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_edu import Value


def _net():
    from tinygrad_edu import manual_seed

    manual_seed(1)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_backward_hook_gives_module_input_and_output_grads():
    model = _net()
    x = Value(np.random.default_rng(0).standard_normal((5, 3)))
    got = {}
    h = model[2].register_full_backward_hook(lambda m, gi, go: got.update(gi=gi, go=go))
    hidden = {}
    model[1].register_forward_hook(lambda m, i, o: hidden.update(h=o))
    out = model(x)
    u = np.random.default_rng(1).standard_normal(out.shape)
    (out * u).sum().backward()
    np.testing.assert_allclose(got["go"][0], u)
    np.testing.assert_allclose(got["gi"][0], u @ model[2].weight.data)
    h.remove()
    got.clear()
    (model(x) * u).sum().backward()
    assert not got


def test_backward_hook_replaces_grad_input_and_reports_none_for_constants():
    model = _net()
    calls = []
    model[0].register_full_backward_hook(lambda m, gi, go: calls.append(gi))
    model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    model(np.ones((2, 3))).sum().backward()
    assert calls == [(None,)]  # the data is a constant: no grad_input, as torch
    assert np.all(model[0].weight.grad == 0)  # the zeroed signal reached the first layer


def test_backward_hook_matches_torch():
    torch = pytest.importorskip("torch")
    model = _net()
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    tm.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    xs = np.random.default_rng(2).standard_normal((5, 3))
    ours, theirs = {}, {}
    model[2].register_full_backward_hook(lambda m, gi, go: ours.update(gi=gi[0], go=go[0]))
    tm[2].register_full_backward_hook(lambda m, gi, go: theirs.update(gi=gi[0].numpy(), go=go[0].numpy()))
    (model(Value(xs)) ** 2).sum().backward()
    (tm(torch.tensor(xs, requires_grad=True)) ** 2).sum().backward()
    np.testing.assert_allclose(ours["gi"], theirs["gi"], rtol=1e-10)
    np.testing.assert_allclose(ours["go"], theirs["go"], rtol=1e-10)
