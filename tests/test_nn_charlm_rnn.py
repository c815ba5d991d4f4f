"""The recurrent character model (autocomplete --model gru/lstm): shapes, dispatch, cache names, learning."""

import numpy as np
import pytest
from _helpers import SGD

from nn import charlm
from nn.text import CharVocab

WORDS = ["anna", "anne", "annie", "bob", "bobby", "carl", "carla", "dana", "dan", "emma"] * 3


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_char_rnn_shapes_and_dispatch(cell):
    vocab = CharVocab(WORDS)
    model = charlm.build_model(len(vocab), **charlm.MODEL_CONFIGS[cell])
    assert isinstance(model, charlm.CharRNN) and model.cell == cell
    x, _ = charlm.build_dataset(WORDS[:3], vocab, model.block_size)
    assert model(x).shape == (len(x), len(vocab))
    assert "weight_ih_l0" in " ".join(model.state_dict())
    assert isinstance(charlm.build_model(len(vocab), **charlm.MODEL_CONFIG), charlm.CharMLP)


def test_cache_names_differ_per_model():
    names = {charlm.cache_path(m).name for m in ("mlp", "gru", "lstm")}
    assert len(names) == 3 and charlm.cache_path() == charlm.cache_path("mlp")


def test_gru_language_model_learns(capsys):
    result = charlm.train_charlm(WORDS, lambda p: SGD(p, lr=0.5), cell="gru", block_size=4, emb_dim=8,
                                 hidden=16, epochs=6, batch_size=16, verbose=0, val_fraction=0.2)
    first = result.history.history["loss"][0]
    assert result.train_loss < first and np.isfinite(result.val_loss)
    hits = charlm.complete(result.model, result.vocab, "an", k=3)
    assert len(hits) == 3 and all(w.startswith("an") for w, _ in hits)
