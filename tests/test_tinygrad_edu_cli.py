"""demo, vanishing, optimizers: run end to end; --help everywhere; bad input exits 2 with one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from tinygrad_edu.cli import main
from tinygrad_edu.cli.demo import FILES

COMMANDS = ["demo", "graph", "gradcheck", "vanishing", "optimizers"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_demo_writes_every_file(tmp_path, capsys):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` is not installed (graph.svg and backprop.html need it)")
    t = time.perf_counter()
    code = main(["demo", "--out", str(tmp_path / "out"), "--quick", "--no-progress"])
    assert code == 0
    # A guard against a hang, not a speed target: --quick runs every example (75-81 s on a slow day
    # here); the examples' times are measured and reported in the README, not asserted.
    assert time.perf_counter() - t < 300
    out = capsys.readouterr().out
    for name in FILES:
        path = tmp_path / "out" / name
        assert path.exists() and path.stat().st_size > 1000, name
        assert str(path) in out
    assert "Total params" in out and "verdict" in out  # summary() and the diagnostics report


def test_demo_bad_epochs(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "0"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_vanishing_reports_sigmoid_vanishing(capsys):
    assert main(["vanishing", "--depth", "20", "--activation", "sigmoid"]) == 0
    out = capsys.readouterr().out
    assert "vanishing" in out and "(vanishing)." in out


def test_vanishing_relu_with_batchnorm(capsys):
    assert main(["vanishing", "--depth", "6", "--activation", "relu", "--init", "he", "--batchnorm"]) == 0
    assert "healthy" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--activation", "nope"], ["--init", "nope"], ["--depth", "0"],
                                  ["--depth", "x"], ["--activation", "softmax"]])
def test_vanishing_bad_input(args, capsys):
    assert main(["vanishing", *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_optimizers_race(tmp_path, capsys):
    png = tmp_path / "race.png"
    assert main(["optimizers", "--fn", "quadratic", "--steps", "100", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Adam" in out and "SGD" in out and "distance to min" in out
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("args", [["--fn", "nope"], ["--steps", "0"], ["--out", "x.txt"]])
def test_optimizers_bad_input(args, capsys):
    assert main(["optimizers", *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_console_entry_point_exit_code():
    proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "optimizers", "--fn", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
