"""Every code block of README.md runs as printed, and writes only the files it names.

Python blocks run in a fresh interpreter in an empty folder. Shell blocks run their `tinygrad-edu`
commands (as `python -m tinygrad_edu`), except the ones that are this test suite's own entry points or
take over the terminal: `make ...` (make test runs this file), `tinygrad-edu serve` (a server that runs
until stopped), `tinygrad-edu demo` (run, with every picture checked, by tests/test_demo_pictures.py),
`pip install` (what make setup already did) and `tinygrad-edu mnist1d` (minutes of training at the
paper's recipe; tests/test_nn_*mnist1d* and the CLI tests run it with few steps).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUN = ("make ", "tinygrad-edu serve", "tinygrad-edu demo", "pip install", "tinygrad-edu mnist1d")


def blocks(lang: str) -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 1, m.group(2)) for m in BLOCK.finditer(text) if m.group(1) == lang]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, MPLBACKEND="Agg", TINYGRAD_EDU_CACHE=str(tmp_path / ".cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


EXT = r"\.(?:svg|png|html|npz|csv|txt|json)"


def _named_files(code: str) -> list[re.Pattern]:
    """Patterns of the file names the code spells out (an f-string's {...} matches anything)."""
    names = re.findall(r"[\w.-]+" + EXT, code)
    fstrings = re.findall(r"f\"([^\"]*" + EXT + r")\"", code)
    pats = [re.escape(n) for n in names]
    pats += [".+".join(re.escape(part) for part in re.split(r"\{[^}]*\}", f)) for f in fstrings]
    return [re.compile(p) for p in pats]


def _check_written(folder: Path, code: str, line: int) -> None:
    written = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    named = _named_files(code)
    stray = {w for w in written if not any(p.fullmatch(w) for p in named)}
    assert not stray, f"the README block at line {line} leaves files it does not name: {sorted(stray)}"


PY = blocks("python")
SH = [(line, cmd) for line, code in blocks("bash") for cmd in code.splitlines()
      if cmd.strip() and not cmd.lstrip().startswith("#")]


def test_the_readme_has_code_blocks():
    assert len(PY) >= 5 and SH


@pytest.mark.parametrize("line,code", PY, ids=[f"line{n}" for n, _ in PY])
def test_python_block_runs_as_printed(line, code, tmp_path):
    if "from viz import" in code and "render(" in code:
        pytest.importorskip("graphviz")
        if not __import__("shutil").which("dot"):
            pytest.skip("Graphviz's dot is not installed")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, f"README block at line {line} failed:\n{res.stderr[-3000:]}"
    _check_written(tmp_path, code, line)


@pytest.mark.parametrize("line,cmd", SH, ids=[f"line{n}-{c.split('#')[0].strip()[:40]}" for n, c in SH])
def test_shell_command_runs_as_printed(line, cmd, tmp_path):
    command = cmd.split("  #")[0].strip()
    if command.startswith(NOT_RUN):
        pytest.skip(f"not run here: {command}")
    args = shlex.split(command)
    assert args[0] == "tinygrad-edu", f"README line {line}: unexpected command {command!r}"
    res = subprocess.run([sys.executable, "-m", "tinygrad_edu", *args[1:]], cwd=tmp_path, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"README line {line}: {command!r} failed:\n{res.stdout[-1500:]}\n{res.stderr[-1500:]}"
    assert res.stdout.strip(), f"{command!r} printed nothing"
    _check_written(tmp_path, command, line)
