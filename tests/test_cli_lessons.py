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


def test_mnist1d_several_seeds_report_mean_and_sd(capsys):
    pytest.importorskip("mnist1d")
    assert main(["mnist1d", "--model", "logistic", "--steps", "30", "--eval-every", "30", "--no-progress",
                 "--seeds", "3"]) == 0
    out = capsys.readouterr().out
    assert "mean ± sd over 3 seeds" in out
    accs = [float(line.split("ours ")[1].split("%")[0]) for line in out.splitlines() if " seed " in line]
    assert len(accs) == 3 and len(set(accs)) > 1  # three different initial draws, three results
    row = next(line for line in out.splitlines() if line.startswith("logistic ") and " seed " not in line)
    assert f"{np.mean(accs):.1f}±{np.std(accs, ddof=1):.1f}%" in row


@pytest.mark.parametrize("model", ["logistic", "gru"])
def test_mnist1d_same_init_tracks_torch(model, capsys):
    """From PyTorch's own initial weights, our run follows PyTorch's: the same test accuracy after
    a few dozen Adam steps (any difference in init, gate order or update rule would show here)."""
    pytest.importorskip("mnist1d")
    torch = pytest.importorskip("torch")
    import nn
    from tinygrad_edu.cli import mnist1d as lesson

    data = nn.data.load_mnist1d()
    t = lesson.train_torch(model, data, steps=25, seed=3, eval_every=5)
    o = lesson.train_ours(model, data, steps=25, seed=3, eval_every=5, init=t["init"])
    assert [a for _, a in o["curve"]] == pytest.approx([a for _, a in t["curve"]], abs=0.21)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("argv,msg", [(["mnist1d", "--model", "resnet"], "--model"),
                                      (["mnist1d", "--steps", "0"], "--steps"),
                                      (["mnist1d", "--seeds", "0"], "--seeds"),
                                      (["mnist1d", "--same-init"], "--same-init needs --torch"),
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
