"""The dependency direction of DESIGN.md: tinygrad_edu <- nn, optim <- viz."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"tinygrad_edu": {"nn", "optim", "viz"}, "nn": {"optim", "viz"}, "optim": {"nn", "viz"}}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package):
    for path in (ROOT / package).rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "tinygrad_edu/__main__.py" or rel.startswith("tinygrad_edu/cli/"):
            continue  # the command line is the one place allowed to load everything (lazily)
        bad = imported_packages(path) & FORBIDDEN[package]
        assert not bad, f"{rel} imports {bad}"


def test_import_engine_loads_nothing_else():
    code = "import sys, tinygrad_edu, tinygrad_edu.cli; print(sorted({'nn','optim','viz'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
