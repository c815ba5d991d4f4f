"""`tinygrad-edu autocomplete`: output, the weights cache (load, corrupt, retrain) and bad input."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nn import charlm as ac  # the lesson model's settings, cache and training
from tinygrad_edu.cli import main

SMALL_MODEL = {"hidden": 64}  # a small, quick model for the tests (about a second of training)
SHORT_TRAINING = {"epochs": 3}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Train once for the whole module: (cache directory, stdout, stderr) of `autocomplete ann -k 4`."""
    directory = tmp_path_factory.mktemp("template")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        _small(mp, directory)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["autocomplete", "ann", "-k", "4"])
    assert code == 0, err.getvalue()
    return directory, out.getvalue(), err.getvalue()


def _small(mp: pytest.MonkeyPatch, directory) -> None:
    mp.setenv("TINYGRAD_EDU_CACHE", str(directory))
    for key, value in SMALL_MODEL.items():
        mp.setitem(ac.MODEL_CONFIG, key, value)
    for key, value in SHORT_TRAINING.items():
        mp.setitem(ac.TRAIN_CONFIG, key, value)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty private cache directory (not created yet), with the small model's settings."""
    _small(monkeypatch, tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def warm(cache, template):
    """The private cache directory holding the template's trained model."""
    shutil.copytree(template[0], cache)
    return cache


@pytest.fixture
def fake_training(monkeypatch):
    """Replace training by an untrained model (for tests about the cache, not about learning)."""
    calls = []

    def fake(words, vocab, make_optimizer, log=print, verbose=1):
        calls.append(len(words))
        print("autocomplete: training (fake)", file=sys.stderr)
        return ac.build_model(len(vocab), **ac.MODEL_CONFIG).eval(), {}

    monkeypatch.setattr(ac, "train_for_cache", fake)
    return calls


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["autocomplete", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def model_section(out: str) -> str:
    return out[out.index("Model:"):]


def test_output_lists_both_sides(template):
    _, out, err = template
    trie_lines = re.findall(r"^\s+\d+\. (\w+)\s+(\d+)$", out[:out.index("Model:")], re.M)
    assert trie_lines == [("anna", "440"), ("ann", "364"), ("anne", "228"), ("annie", "216")]
    model_lines = re.findall(r"^\s+\d+\. (\w+)\s+([\d.e-]+)(  \* real name)?$", model_section(out), re.M)
    assert len(model_lines) == 4
    assert all(w.startswith("ann") for w, _, _ in model_lines)
    probs = [float(p) for _, p, _ in model_lines]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    # "anna" is the Trie's top name and the model's favourite too: it is marked as real.
    assert any(w == "anna" and mark for w, _, mark in model_lines)
    assert "beam search" in out and 'P(completion | "ann")' in out
    assert re.search(r"model: [\d.]+ nats/char on held-out names \(bigram [\d.]+, unigram [\d.]+\)", out)
    assert "training the character model" in err and "Epoch 3/3" in err  # the progress bar


def test_first_run_caches_the_weights_atomically(template, cache):
    directory = template[0]
    names = sorted(p.name for p in directory.iterdir())  # no temporary files left behind
    assert names == sorted([ac.cache_path().name, ac.cache_path().with_suffix(".json").name])
    assert ac.cache_path().suffix == ".npz"


def test_second_run_loads_the_cache_without_training(warm, template, capsys, fake_training):
    code, out, err = run(capsys, "ann", "-k", "4")
    assert code == 0 and err == ""  # no training, no progress bar, no message
    assert fake_training == []
    assert out == template[1]  # the same weights, and beam search is deterministic


def test_corrupt_cache_is_rebuilt_with_a_message(cache, capsys):
    # A real retraining, end to end: garbage in the cache file, a message, a new model, a new cache.
    cache.mkdir(parents=True)
    ac.cache_path().write_bytes(b"this is not a zip file")
    code, out, err = run(capsys, "mar")
    assert code == 0
    assert "unreadable" in err and "training the character model" in err
    assert "Model:" in out
    code, _, err = run(capsys, "mar")  # the rebuilt cache loads cleanly next time
    assert code == 0 and err == ""


@pytest.mark.parametrize("damage", ["truncate", "wrong_shapes", "missing_key", "nan"])
def test_other_damaged_caches_are_rebuilt(warm, capsys, fake_training, damage):
    path = ac.cache_path()
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    else:
        with np.load(path) as f:
            state = dict(f)
        key = "net.0.weight"
        if damage == "wrong_shapes":
            state[key] = np.zeros((3, 3))
        elif damage == "missing_key":
            del state[key]
        else:
            state[key] = np.full_like(state[key], np.nan)
        with open(path, "wb") as f:
            np.savez(f, **state)
    code, out, err = run(capsys, "el")
    assert code == 0 and "Model:" in out
    assert err.splitlines()[0].startswith(f"autocomplete: the cached model {path} is unreadable")
    assert fake_training == [5163]
    assert run(capsys, "el")[2] == ""  # rebuilt: loads silently


def test_retrain_trains_again(warm, capsys, fake_training):
    assert run(capsys, "da")[0] == 0 and fake_training == []
    code, _, err = run(capsys, "da", "--retrain")
    assert code == 0 and "training" in err and fake_training == [5163]


def test_unwritable_cache_still_answers(tmp_path, monkeypatch, capsys, fake_training):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(blocker / "cache"))
    code, out, err = run(capsys, "li")
    assert code == 0 and "Model:" in out and "could not cache the model" in err


def test_sampling_with_a_seed_is_repeatable(warm, capsys):
    _, a, _ = run(capsys, "ka", "--method", "sample", "--seed", "3", "-k", "6")
    _, b, _ = run(capsys, "ka", "--method", "sample", "--seed", "3", "-k", "6")
    assert a == b and "sampling" in a
    assert len(re.findall(r"^\s+\d+\. ka\w*\s+[\d.e-]+", model_section(a), re.M)) == 6


def test_temperature_is_shown_and_used(warm, capsys):
    _, cold, _ = run(capsys, "ka", "--temperature", "0.5")
    _, warm_out, _ = run(capsys, "ka")
    assert "temperature 0.5" in cold and "temperature" not in warm_out
    top = lambda out: float(re.search(r"^\s+1\. \w+\s+([\d.e-]+)", model_section(out), re.M).group(1))  # noqa: E731
    assert top(cold) > top(warm_out)  # a colder softmax puts more mass on the best completion


def test_unknown_prefix_and_uppercase(warm, capsys):
    code, out, _ = run(capsys, "Zzq")
    assert code == 0
    assert 'starting with "zzq"' in out and "no census name starts with it" in out
    assert len(re.findall(r"^\s+\d+\. zzq", model_section(out), re.M)) == 5  # the model still invents some


@pytest.mark.parametrize("argv", [
    [""], ["ann1"], ["an n"], ["ann-"], ["é"], ["ann", "-k", "0"], ["ann", "-k", "-2"], ["ann", "-k", "two"],
    ["ann", "--temperature", "0"], ["ann", "--temperature", "-1"], ["ann", "--temperature", "nan"],
    ["ann", "--method", "greedy"],
])
def test_bad_input_is_one_line_and_exit_2(cache, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == "" and err.endswith("\n") and err.count("\n") == 1 and err.startswith("error:")
    assert not cache.exists()  # checked before any training


def test_cache_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_EDU_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ac.cache_dir() == tmp_path / "tinygrad_edu"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ac.cache_dir() == tmp_path / "home" / ".cache" / "tinygrad_edu"
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "mine"))
    assert ac.cache_dir() == tmp_path / "mine"


def test_bad_input_from_the_real_command(tmp_path):
    env = {**os.environ, "TINYGRAD_EDU_CACHE": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "autocomplete", "4nn"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "letters a-z" in proc.stderr
