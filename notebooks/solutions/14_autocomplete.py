"""Solutions of lesson 14 (autocomplete: Trie vs character model)."""

import numpy as np


def complete_prefix(words, prefix, k):
    found = [(w, c) for w, c in words if w.startswith(prefix)]
    return sorted(found, key=lambda wc: (-wc[1], wc[0]))[:k]


def bigram_loss(train, val, vocab):
    V = len(vocab)
    counts = np.ones((V, V))
    for word in train:
        ids = vocab.encode(word, markers=True)
        np.add.at(counts, (ids[:-1], ids[1:]), 1)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    pairs = [(a, b) for word in val for a, b in zip(vocab.encode(word, markers=True)[:-1],
                                                     vocab.encode(word, markers=True)[1:])]
    return float(-np.mean([logp[a, b] for a, b in pairs]))


SOLUTIONS = {"complete_prefix": complete_prefix, "bigram_loss": bigram_loss}
