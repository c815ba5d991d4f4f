"""viz sits on top: it may import the engine, nn and optim; none of them imports viz."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def viz_imports(path: Path) -> list[str]:
    """Places where a file imports viz, except inside a `_repr_mimebundle_` method (the one lazy
    display hook the engine may have for Jupyter)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    allowed = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "_repr_mimebundle_"
               for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "viz" for a in node.names):
            found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "viz":
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_package_imports_viz():
    for package in ("tinygrad_edu", "nn", "optim"):
        for path in (ROOT / package).rglob("*.py"):
            if path.relative_to(ROOT).as_posix().startswith("tinygrad_edu/cli/"):
                continue  # the command line may load everything, lazily
            assert not viz_imports(path), f"{path} imports viz"


def test_using_the_libraries_never_loads_viz():
    code = ("import sys, numpy as np, tinygrad_edu, nn, optim\n"
            "from tinygrad_edu import Value\n"
            "m = nn.MLP(2, [4], 1); l = m(np.ones((3, 2))).sum(); l.backward(); repr(l)\n"
            "optim.SGD(m.parameters(), lr=0.1).step()\n"
            "print('viz' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_viz_may_use_the_others():
    code = "import sys, viz; print('viz' in sys.modules, 'tinygrad_edu' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "True True"


def test_cli_imports_viz_lazily():
    code = "import sys, tinygrad_edu.cli as c; c.build_parser(); print('viz' in sys.modules, 'nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False"
