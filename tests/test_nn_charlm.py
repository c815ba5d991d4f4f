"""nn.charlm: the dataset, the counting baselines, the MLP language model and its completions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import optim
from nn.charlm import (
    CharMLP,
    bigram_baseline,
    build_dataset,
    complete,
    split_names,
    train_charlm,
    unigram_baseline,
)
from nn.text import CharVocab, Trie, load_names
from tinygrad_edu import manual_seed

NAMES = load_names()
WORDS = [name for name, _ in NAMES]
COMMON_PREFIXES = ["ma", "jo", "ann", "ka", "el", "da", "ch", "ro", "sa", "li", "br", "ja", "mi", "ter", "al", "de"]
# Of the model's top-5 beam completions over COMMON_PREFIXES, at least this fraction must be real
# census names. The small test model (4 epochs) scores about 0.65; the CLI's model about 0.85.
MIN_REAL_FRACTION = 0.5


@pytest.fixture(scope="module")
def trained():
    """A small model trained for a few epochs (about a second): enough to beat the bigram model."""
    return train_charlm(WORDS, lambda params: optim.Adam(params, lr=2e-2), block_size=4, emb_dim=16, hidden=100,
                        epochs=4, batch_size=128, lr_decay=0.75, seed=0, verbose=0)


# ----------------------------------------------------------------------------- data

def test_build_dataset_docstring_example():
    v = CharVocab(["emma"])
    X, Y = build_dataset(["emma"], v, block_size=2)
    assert X.tolist() == [[0, 0], [0, 2], [2, 3], [3, 3], [3, 1]]
    assert Y.tolist() == [2, 3, 3, 1, 0]
    assert X.dtype == np.int64 and Y.dtype == np.int64


@pytest.mark.parametrize("block_size", [1, 3, 5])
def test_build_dataset_rows_follow_the_words(block_size):
    words = ["ann", "bo", "christopher"]
    v = CharVocab(words)
    X, Y = build_dataset(words, v, block_size)
    assert X.shape == (sum(len(w) + 1 for w in words), block_size) and Y.shape == (len(X),)
    # Reading the targets back gives the words, each followed by the end marker.
    assert v.decode(Y) == "ann.bo.christopher."
    # Each context is the previous block_size symbols of ".." + word, padded with markers.
    row = 0
    for w in words:
        ids = [0] * block_size + v.encode(w)
        for i in range(len(w) + 1):
            assert X[row].tolist() == ids[i:i + block_size]
            row += 1


def test_build_dataset_bad_block_size():
    with pytest.raises(ValueError, match="block_size"):
        build_dataset(["ann"], CharVocab(["ann"]), block_size=0)


def test_split_names_is_a_repeatable_partition():
    train, val = split_names(WORDS, 0.1, seed=3)
    assert sorted(train + val) == sorted(WORDS)
    assert not set(train) & set(val)
    assert len(val) == round(0.1 * len(WORDS))
    assert split_names(WORDS, 0.1, seed=3) == (train, val)
    assert split_names(WORDS, 0.1, seed=4) != (train, val)
    with pytest.raises(ValueError):
        split_names(WORDS, 0.0)


# ----------------------------------------------------------------------------- baselines

def test_bigram_baseline_against_hand_counts():
    v = CharVocab(["ab"])  # ".", "a", "b"
    train, val = ["ab", "a"], ["b"]
    # Bigram counts of ".ab." and ".a.", plus one everywhere.
    counts = {(a, b): 1 for a in ".ab" for b in ".ab"}
    for w in train:
        s = "." + w + "."
        for a, b in zip(s, s[1:]):
            counts[a, b] += 1
    row = {a: sum(counts[a, b] for b in ".ab") for a in ".ab"}
    expected = -(math.log(counts[".", "b"] / row["."]) + math.log(counts["b", "."] / row["b"])) / 2
    assert bigram_baseline(train, val, v) == pytest.approx(expected)


def test_unigram_baseline_against_hand_counts():
    v = CharVocab(["ab"])
    train, val = ["ab", "a"], ["b"]
    # targets "ab." and "a.": a 2, b 1, . 2; with add-one: 3, 2, 3 out of 8
    expected = -(math.log(2 / 8) + math.log(3 / 8)) / 2
    assert unigram_baseline(train, val, v) == pytest.approx(expected)


def test_baselines_on_the_names_are_ordered():
    vocab = CharVocab(WORDS)
    train, val = split_names(WORDS)
    uni, bi = unigram_baseline(train, val, vocab), bigram_baseline(train, val, vocab)
    # More context helps, and both beat a uniform guess over 27 symbols.
    assert bi < uni < math.log(len(vocab))


# ----------------------------------------------------------------------------- model

def test_charmlp_shapes_names_and_first_loss():
    import nn

    manual_seed(0)
    vocab = CharVocab(WORDS)
    model = CharMLP(len(vocab), block_size=3, emb_dim=10, hidden=50)
    X, Y = build_dataset(WORDS[:200], vocab, 3)
    logits = model(X)
    assert logits.shape == (len(X), 27)
    assert set(model.state_dict()) == {"net.0.weight", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias"}
    assert model.net[0].weight.shape == (27, 10)  # the embedding table C
    # The small output layer makes the first guess close to uniform: loss near log(27).
    assert abs(nn.cross_entropy(logits, Y).item() - math.log(27)) < 0.15


@pytest.mark.parametrize("activation,batchnorm", [("relu", False), ("tanh", True)])
def test_charmlp_variants_train_a_step(activation, batchnorm):
    import nn

    vocab = CharVocab(WORDS)
    model = CharMLP(len(vocab), block_size=2, emb_dim=4, hidden=16, activation=activation, batchnorm=batchnorm)
    assert any(type(m).__name__ == "BatchNorm1d" for m in model.modules()) == batchnorm
    X, Y = build_dataset(WORDS[:50], vocab, 2)
    loss = nn.cross_entropy(model(X), Y)
    loss.backward()
    assert all(np.any(p.grad != 0) for p in model.parameters())


def test_charmlp_rejects_bad_settings():
    with pytest.raises(ValueError, match="activation"):
        CharMLP(27, activation="sigmoid")
    with pytest.raises(ValueError, match="block_size"):
        CharMLP(27, block_size=0)


def test_model_beats_the_bigram_baseline(trained):
    # Same split for all three numbers (train_charlm computes the baselines on its own split).
    assert trained.val_loss < trained.bigram < trained.unigram
    assert trained.history.history["val_loss"][-1] == pytest.approx(trained.val_loss)
    assert set(trained.val_words).isdisjoint(trained.train_words)


def test_top5_completions_are_mostly_real_names(trained):
    trie = Trie(NAMES)
    hits = [w for p in COMMON_PREFIXES for w, _ in complete(trained.model, trained.vocab, p, k=5)]
    assert len(hits) == 5 * len(COMMON_PREFIXES)
    fraction = sum(w in trie for w in hits) / len(hits)
    assert fraction >= MIN_REAL_FRACTION, f"only {fraction:.0%} of the completions are real names"


# ----------------------------------------------------------------------------- completion

class TableModel:
    """A bigram 'model' with fixed logits: P(next | last character) from a table, for exact checks."""

    block_size = 2

    def __init__(self, logits: np.ndarray) -> None:
        self.logits = logits

    def __call__(self, contexts: np.ndarray):
        class Out:
            data = self.logits[contexts[:, -1]]
        return Out()


def brute_force(model: TableModel, vocab: CharVocab, prefix: str, max_len: int, temperature: float = 1.0):
    """P(word | prefix) for every word up to max_len characters, by enumeration."""
    z = model.logits / temperature
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    letters = [vocab.itos[i] for i in range(1, len(vocab))]
    out = {}
    for n in range(max_len - len(prefix) + 1):
        for tail in itertools.product(letters, repeat=n):
            word = prefix + "".join(tail)
            ids = [0] + vocab.encode(word) + [0]
            start = len(prefix)  # score the characters after the prefix and the end marker
            out[word] = math.exp(sum(logp[ids[i], ids[i + 1]] for i in range(start, len(ids) - 1)))
    return out


@pytest.fixture
def table():
    vocab = CharVocab(["abc"])
    rng = np.random.default_rng(1)
    return TableModel(rng.normal(0, 1.5, (4, 4))), vocab


@pytest.mark.parametrize("prefix,k,temperature", [("a", 5, 1.0), ("ab", 3, 0.7), ("c", 8, 1.5)])
def test_beam_search_finds_the_exact_top_k(table, prefix, k, temperature):
    model, vocab = table
    max_len = 6
    exact = brute_force(model, vocab, prefix, max_len, temperature)
    best = sorted(exact.items(), key=lambda kv: -kv[1])[:k]
    got = complete(model, vocab, prefix, k=k, temperature=temperature, max_len=max_len, beam_width=200)
    assert [w for w, _ in got] == [w for w, _ in best]
    assert [p for _, p in got] == pytest.approx([p for _, p in best])


def test_beam_search_returns_k_distinct_sorted_completions(trained):
    for prefix in ["ma", "x", "ann", "q"]:
        got = complete(trained.model, trained.vocab, prefix, k=7)
        words = [w for w, _ in got]
        probs = [p for _, p in got]
        assert len(words) == 7 and len(set(words)) == 7
        assert all(w.startswith(prefix) for w in words)
        assert probs == sorted(probs, reverse=True)
        assert 0 < sum(probs) <= 1 + 1e-9  # probabilities of distinct completions of one prefix


def test_completion_probability_is_the_product_of_next_character_probabilities(trained):
    model, vocab = trained.model, trained.vocab
    for word, p in complete(model, vocab, "jo", k=3):
        b = model.block_size
        ids = [0] * b + vocab.encode(word) + [0]
        logits = np.asarray(model(np.array([ids[i:i + b] for i in range(len(ids) - b)])).data)
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        start = len("jo")  # the characters after the prefix, then the end marker
        expected = np.prod([probs[i, ids[i + b]] for i in range(start, len(word) + 1)])
        assert p == pytest.approx(expected, rel=1e-9)


def test_max_len_bounds_the_names(table):
    model, vocab = table
    got = complete(model, vocab, "ab", k=10, max_len=3, beam_width=50)
    assert got and all(len(w) <= 3 for w, _ in got)
    assert sorted(w for w, _ in got) == sorted(brute_force(model, vocab, "ab", 3))  # ab, aba, abb, abc
    assert complete(model, vocab, "abcab", k=3, max_len=3) == []


def test_sampling_is_repeatable_distinct_and_sorted(trained):
    model, vocab = trained.model, trained.vocab
    a = complete(model, vocab, "ma", k=6, method="sample", rng=np.random.default_rng(5))
    b = complete(model, vocab, "ma", k=6, method="sample", rng=np.random.default_rng(5))
    assert a == b
    assert len({w for w, _ in a}) == 6 and all(w.startswith("ma") for w, _ in a)
    assert [p for _, p in a] == sorted((p for _, p in a), reverse=True)


def test_cold_sampling_finds_the_likeliest_names(table):
    model, vocab = table
    # At a very low temperature the distribution is almost one-hot: samples repeat the argmax path.
    beam = complete(model, vocab, "a", k=1, temperature=0.05, max_len=6)
    sampled = complete(model, vocab, "a", k=1, method="sample", temperature=0.05, max_len=6,
                       rng=np.random.default_rng(0))
    assert sampled[0][0] == beam[0][0]


def test_complete_restores_training_mode(trained):
    model = trained.model
    model.train()
    complete(model, trained.vocab, "an", k=2)
    assert model.training
    model.eval()


@pytest.mark.parametrize("kwargs,match", [
    ({"k": 0}, "k"), ({"temperature": 0.0}, "temperature"), ({"temperature": -1.0}, "temperature"),
    ({"method": "greedy"}, "method"), ({"max_len": 0}, "max_len"),
])
def test_complete_rejects_bad_arguments(trained, kwargs, match):
    with pytest.raises(ValueError, match=match):
        complete(trained.model, trained.vocab, "an", **kwargs)


def test_complete_rejects_unknown_characters(trained):
    with pytest.raises(KeyError, match="'1'"):
        complete(trained.model, trained.vocab, "a1")
    with pytest.raises(ValueError, match="marker"):
        complete(trained.model, trained.vocab, "a.")
