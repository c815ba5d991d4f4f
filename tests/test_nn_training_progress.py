"""`fit`'s progress bar: the text bar outside Jupyter, the widget bar only when ipywidgets exists, no warning."""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings

import numpy as np
from _helpers import SGD

import nn
from nn import training


def test_text_bar_outside_jupyter_without_warnings(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = training._progress_bar(3)
        assert type(bar).__module__ == "tqdm.std"
        bar.close()
        model = nn.MLP(2, [3], 2)
        nn.fit(model, nn.cross_entropy, SGD(model.parameters(), lr=0.1), np.ones((8, 2)), np.zeros(8, dtype=int),
               epochs=2, batch_size=4, verbose=1)
    assert "4/4" in capsys.readouterr().err


def _fake_jupyter(monkeypatch):
    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))


def test_in_jupyter_without_ipywidgets_uses_the_text_bar(monkeypatch):
    _fake_jupyter(monkeypatch)
    assert training._in_jupyter()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = training._progress_bar(2)
    assert type(bar).__module__ == "tqdm.std"
    bar.close()


def test_in_jupyter_with_ipywidgets_picks_the_notebook_bar(monkeypatch):
    _fake_jupyter(monkeypatch)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "ipywidgets" else real(name, *a))
    picked = {}

    class FakeNotebookBar:
        def __init__(self, **kw):
            picked.update(kw)

    monkeypatch.setitem(sys.modules, "tqdm.notebook", types.SimpleNamespace(tqdm=FakeNotebookBar))
    assert isinstance(training._progress_bar(5), FakeNotebookBar) and picked["total"] == 5


def test_plain_ipython_terminal_is_not_jupyter(monkeypatch):
    terminal = types.SimpleNamespace(config={})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: terminal))
    assert not training._in_jupyter()
