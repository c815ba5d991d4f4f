"""The dependency direction of DESIGN.md: tinygrad_edu <- nn, optim <- viz, checked once.

A file may not import a package above it, neither with `import`/`from` nor by name at run time
(`importlib.import_module("viz...")`, `__import__("nn")`). The exceptions: the command line
(tinygrad_edu/cli, tinygrad_edu/__main__.py) may load everything, lazily; a Value's Jupyter display
hook (`_repr_mimebundle_`) looks viz up by name at display time only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"tinygrad_edu": {"nn", "optim", "viz", "exercises"}, "nn": {"optim", "viz", "exercises"},
             "optim": {"nn", "viz", "exercises"}, "viz": {"exercises"}}  # exercises sits on top, like viz
DISPLAY_HOOK = "_repr_mimebundle_"


def _by_name(node: ast.AST) -> str | None:
    """The module named by a string in importlib.import_module("x") / __import__("x"), else None."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    f = node.func
    called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    arg = node.args[0]
    if called in ("import_module", "__import__") and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if called in ("import_module", "__import__") and isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]  # f"viz.{name}": the fixed start names the package
        return first.value if isinstance(first, ast.Constant) else None
    return None


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level package, line, inside the display hook) of every import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    hook = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == DISPLAY_HOOK
            for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (name := _by_name(node)) is not None:
            names = [name]
        found += [(n.split(".")[0], node.lineno, id(node) in hook) for n in names]
    return found


def _sources(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "tinygrad_edu/__main__.py" or rel.startswith("tinygrad_edu/cli/"):
            continue  # the command line is the one place allowed to load everything (lazily)
        yield rel, path


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package):
    for rel, path in _sources(package):
        bad = [(name, line) for name, line, in_hook in imports(path)
               if name in FORBIDDEN[package] and not (in_hook and name == "viz" and package == "tinygrad_edu")]
        assert not bad, f"{rel} imports {bad}"


def test_imports_by_name_are_caught(tmp_path):
    src = tmp_path / "sneaky.py"
    src.write_text("import importlib\n"
                   "def f():\n"
                   "    importlib.import_module('viz.plots')\n"
                   "    __import__('nn')\n"
                   "    importlib.import_module(f'optim.{1}')\n"
                   "    importlib.import_module(name)\n")
    assert [(n, line) for n, line, _ in imports(src)] == [("importlib", 1), ("viz", 3), ("nn", 4), ("optim", 5)]


def private_imports(path: Path) -> list[tuple[str, int]]:
    """`from module import _name` of a private name from another module (dunders and `as _x`
    aliases of public names are fine): the names one module keeps to itself."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [(a.name, node.lineno) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_another_modules_private_names(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        assert not private_imports(path), f"{path.relative_to(ROOT)} imports {private_imports(path)}"


def test_private_imports_are_caught(tmp_path):
    src = tmp_path / "nosy.py"
    src.write_text("from .conv import _pair, fold\nfrom numpy import sum as _sum\nfrom . import __version__\n")
    assert private_imports(src) == [("_pair", 1)]


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True).stdout.strip()


def test_import_engine_loads_nothing_else():
    code = "import sys, tinygrad_edu, tinygrad_edu.cli; print(sorted({'nn','optim','viz'} & set(sys.modules)))"
    assert _run(code) == "[]"


def test_import_nn_loads_neither_optim_nor_viz():
    code = ("import sys, nn, nn.init, nn.scalar, nn.functional, nn.metrics, nn.op_examples; "
            "print(sorted({'optim', 'viz'} & set(sys.modules)))")
    assert _run(code) == "[]"


def test_using_the_libraries_never_loads_viz():
    code = ("import sys, numpy as np, tinygrad_edu, nn, optim\n"
            "from tinygrad_edu import Value\n"
            "m = nn.MLP(2, [4], 1); l = m(np.ones((3, 2))).sum(); l.backward(); repr(l)\n"
            "optim.SGD(m.parameters(), lr=0.1).step()\n"
            "optim.catalog.trajectory('saddle', optim.catalog.factory('adam'), 3)\n"
            "print('viz' in sys.modules, 'nn' in sys.modules)")
    assert _run(code) == "False True"


def test_viz_may_use_the_others():
    assert _run("import sys, viz; print('viz' in sys.modules, 'tinygrad_edu' in sys.modules)") == "True True"


def test_cli_imports_the_packages_lazily():
    code = ("import sys, tinygrad_edu.cli as c; c.build_parser(); "
            "print(sorted({'nn', 'optim', 'viz'} & set(sys.modules)))")
    assert _run(code) == "[]"


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
