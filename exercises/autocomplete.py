"""Lesson 14, autocomplete: completing a prefix by brute force, and the bigram model's loss by counting."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.charlm import bigram_baseline
from nn.text import CharVocab, Trie

from .core import Wrong, assert_close, exercise

WORDS = [("anna", 5), ("ann", 3), ("anne", 3), ("annie", 2), ("bob", 4), ("anabel", 1), ("andy", 3)]


@exercise("complete_prefix", hint="Keep the words that start with the prefix (str.startswith), sort by count "
                                  "descending and then alphabetically (key=lambda wc: (-wc[1], wc[0])), keep k.")
def _complete(fn: Any) -> None:
    """`complete_prefix(words, prefix, k) -> [(word, count), ...]`: what `Trie.complete` returns, without a Trie."""
    trie = Trie(WORDS)
    for prefix, k in (("an", 3), ("ann", 5), ("b", 2), ("z", 3), ("", 4)):
        got = [tuple(x) for x in fn(list(WORDS), prefix, k)]
        expected = trie.complete(prefix, k)
        if got != expected:
            raise Wrong(f"complete_prefix(words, {prefix!r}, {k}): expected {expected}, got {got}")


@exercise("bigram_loss", hint="Count N[a, b] over each training name wrapped in '.' markers, add 1 to every "
                              "count, normalise each row; the loss is the mean of -log P(b | a) over every "
                              "(a, b) pair of the validation names (markers included).")
def _bigram(fn: Any) -> None:
    """`bigram_loss(train, val, vocab) -> float`: nats per character of the add-one bigram model."""
    train, val = ["anna", "ann", "bob", "abby"], ["anne", "bo"]
    vocab = CharVocab(train + val)
    got = fn(train, val, vocab)
    assert_close(got, bigram_baseline(train, val, vocab), "bigram_loss(train, val, vocab)")
    if not np.isfinite(got):
        raise Wrong("the loss is not finite")
