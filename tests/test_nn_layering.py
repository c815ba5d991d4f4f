"""nn imports neither optim nor viz (DESIGN.md's dependency direction)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_nn_sources_do_not_import_optim_or_viz():
    for path in (ROOT / "nn").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            assert not names & {"optim", "viz"}, f"{path.relative_to(ROOT)} imports {names}"


def test_import_nn_loads_neither_optim_nor_viz():
    code = ("import sys, nn, nn.init, nn.scalar, nn.functional; "
            "print(sorted({'optim', 'viz'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_importable_from_nn():
    import nn

    for name in ["Module", "Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d", "BatchNorm2d", "Conv2d",
                 "MaxPool2d", "Flatten", "Embedding", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus",
                 "GELU", "Softmax", "get_activation", "mse_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "cross_entropy", "hinge_loss", "MSELoss", "BCELoss",
                 "BCEWithLogitsLoss", "CrossEntropyLoss", "HingeLoss", "l1_penalty", "l2_penalty", "fit",
                 "History", "EarlyStopping", "LearningRateScheduler", "GradientClipping", "init", "data", "text",
                 "scalar", "diagnostics"]:
        assert hasattr(nn, name), name
