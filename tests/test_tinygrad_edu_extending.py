"""Adding an op, a layer or an optimizer touches one file: the tools find them with no other edit.

A temporary module defines a toy op (with and without its own examples), a toy layer and a toy
optimizer; the CLI's gradcheck, `Sequential.summary` and the optimizer race (the catalog) then
list them.
"""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

from tinygrad_edu import Function
from tinygrad_edu.cli import main

TOY = textwrap.dedent('''
    """Toy extensions, each in the one place it belongs."""
    import numpy as np

    from nn import Module
    from optim import Optimizer, catalog
    from tinygrad_edu import Function, Value


    class ToyCube(Function):
        """y = x**3; dy/dx = 3 x**2 (no examples: gradcheck builds generic inputs)."""

        name = "toy_cube"

        def forward(self, x):
            self.saved = (x,)
            return x ** 3

        def backward(self, grad):
            (x,) = self.saved
            return grad * 3 * x ** 2


    class ToyShift(Function):
        """y = x + by (an option): it brings its own example."""

        name = "toy_shift"
        examples = staticmethod(lambda rng: [("toy_shift by 2", lambda a: ToyShift.apply(a, by=2.0),
                                              [rng.standard_normal((2, 3))])])

        def forward(self, x, by=0.0):
            return x + by

        def backward(self, grad):
            return grad


    class ToyScale(Module):
        """y = x * weight, one weight per feature."""

        def __init__(self, n):
            self.weight = Value(np.ones(n), label="weight")

        def forward(self, x):
            return ToyCube.apply(x) * self.weight


    class SignSGD(Optimizer):
        """p <- p - lr * sign(grad)."""

        def __init__(self, params, lr=1e-2):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            for group in self.param_groups:
                for p, g in self._params_with_grad(group):
                    p.data = p.data - group["lr"] * np.sign(g)


    catalog.register("signsgd", lambda params, lr: SignSGD(params, lr=lr), lr={"quadratic": 0.01}, label="signSGD")
''')


@pytest.fixture
def toy(tmp_path, monkeypatch):
    from optim import catalog

    (tmp_path / "toy_ext.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "toy_ext"
    sys.modules.pop("toy_ext", None)
    for name in ("toy_cube", "toy_shift"):
        Function.registry.pop(name, None)
    catalog.CATALOG.pop("signsgd", None)


def test_gradcheck_lists_a_new_op(toy, capsys):
    assert main(["gradcheck", "--module", toy]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert "toy_cube (generic inputs" in lines["toy_cube"] and lines["toy_cube"].endswith(" ok")
    assert "toy_shift by 2" in lines["toy_shift"] and lines["toy_shift"].endswith(" ok")


def test_gradcheck_names_a_wrong_gradient(toy, capsys):
    __import__(toy)
    Function.registry["toy_cube"].backward = lambda self, grad: grad * 2 * self.saved[0]  # a wrong rule
    assert main(["gradcheck", "--module", toy]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("toy_cube"))
    assert line.endswith("FAIL")


def test_summary_lists_a_new_layer(toy):
    import nn

    ToyScale = __import__(toy).ToyScale
    text = nn.Sequential(nn.Linear(4, 3), ToyScale(3)).summary((4,))
    row = next(line for line in text.splitlines() if "ToyScale" in line)
    assert "(None, 3)" in row and row.split()[-1] == "3"


def test_the_race_lists_a_new_optimizer(toy, capsys):
    assert main(["optimizers", "--fn", "quadratic", "--steps", "50", "--module", toy]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "signSGD (lr=0.01)" in line)
    final = [float(x) for x in row.split("(")[-1].rstrip(")").split(",")]
    assert np.linalg.norm(np.array(final) - [1.0, -2.0]) < np.linalg.norm([-3.0 - 1.0, 1.0 + 2.0])  # it moved closer


def test_an_unknown_module_is_one_line_exit_2(capsys):
    assert main(["gradcheck", "--module", "no_such_module_here"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--module no_such_module_here" in err
