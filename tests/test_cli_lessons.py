"""The sequence-model lessons on the command line: mnist1d and rnn-clipping (tiny runs)."""

import numpy as np
import pytest

from tinygrad_edu.cli import main


def test_mnist1d_command_trains_and_prints_the_table(capsys, tmp_path):
    pytest.importorskip("mnist1d")
    png = tmp_path / "acc.png"
    assert main(["mnist1d", "--model", "cnn", "--steps", "3", "--eval-every", "3", "--no-progress",
                 "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "paper" in out and "cnn" in out and "94.0%" in out
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("argv,msg", [(["mnist1d", "--model", "resnet"], "--model"),
                                      (["mnist1d", "--steps", "0"], "--steps"),
                                      (["rnn-clipping", "--seq-len", "1"], "--seq-len")])
def test_bad_arguments_exit_2(argv, msg, capsys):
    assert main(argv) == 2
    assert msg in capsys.readouterr().err


def test_rnn_clipping_shows_explosion_and_clipping():
    from tinygrad_edu.cli.rnn_clipping import train

    plain = train("rnn", None, steps=40, seq_len=10, hidden=16)
    clipped = train("rnn", 1.0, steps=40, seq_len=10, hidden=16)
    assert not np.all(np.isfinite(plain["loss"])) or max(plain["grad_norm"]) > 1e6  # it explodes
    assert np.all(np.isfinite(clipped["loss"])) and max(clipped["loss"][-10:]) < 1.0


def test_rnn_clipping_command(capsys):
    assert main(["rnn-clipping", "--steps", "5", "--hidden", "4"]) == 0
    out = capsys.readouterr().out
    assert "RNN, clip_grad_norm_" in out and "LSTM" in out
