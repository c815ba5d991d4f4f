"""Every example a student reads first runs to the end (briefly, EXAMPLES_QUICK=1) and says something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("[0-9]*.py"))
EXPECT = {
    "01_scalar_backprop.py": "gradcheck: True",
    "02_moons_mlp.py": "train accuracy",
    "03_vanishing_gradients.py": "vanishing",
    "04_optimizers.py": "distance to the minimum",
    "05_cnn_digits.py": "test:",
    "06_regularization.py": "early stopping",
    "07_batch_size_and_lr.py": "StepLR: [0.2, 0.1, 0.05]",
    "08_init_and_symmetry.py": "distinct hidden units  1/64",
    "09_rnn_clipping.py": "RNN, clip_grad_norm_(1.0)",
    "10_mnist1d.py": "shuffled MNIST-1D",
    "11_higher_order.py": "Hessian-free (hvp + CG) agrees: True",
}


def test_every_example_is_checked():
    assert {p.name for p in EXAMPLES} == set(EXPECT)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    env = dict(os.environ, EXAMPLES_QUICK="1", TINYGRAD_EDU_OUT=str(tmp_path), MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, path.name], cwd=path.parent, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert EXPECT[path.name] in out.stdout
