"""nn.text: the Trie against a brute-force word list, CharVocab, and the shipped census names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.text import CharVocab, Trie, load_names

# A tiny alphabet makes shared prefixes, and prefixes that are whole words, very likely.
words_st = st.text(alphabet="abc", min_size=1, max_size=6)
prefix_st = st.text(alphabet="abcd", max_size=7)


def brute_complete(model: dict[str, int], prefix: str, k: int | None) -> list[tuple[str, int]]:
    hits = sorted(((w, c) for w, c in model.items() if w.startswith(prefix)), key=lambda wc: (-wc[1], wc[0]))
    return hits if k is None else hits[:k]


def brute_longest_prefix(model: dict[str, int], text: str) -> str:
    return max((w for w in model if text.startswith(w)), key=len, default="")


def distinct_prefixes(model: dict[str, int]) -> int:
    return len({w[:i] for w in model for i in range(1, len(w) + 1)})


def check_against(trie: Trie, model: dict[str, int], probes: list[str]) -> None:
    assert len(trie) == len(model)
    assert list(trie) == sorted(model)
    assert list(trie.items()) == sorted(model.items())
    assert trie.num_nodes == distinct_prefixes(model)  # deletion pruned every dead branch
    for probe in [*model, *probes]:
        assert (probe in trie) == (probe in model)
        assert trie.count(probe) == model.get(probe, 0)
        assert trie.longest_prefix(probe) == brute_longest_prefix(model, probe)
        for k in (1, 2, 5, None):
            assert trie.complete(probe, k) == brute_complete(model, probe, k)
        assert list(trie.items(probe)) == sorted((w, c) for w, c in model.items() if w.startswith(probe))


# ----------------------------------------------------------------------------- Trie vs brute force

@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["insert", "insert", "delete"]), words_st, st.integers(1, 4)), max_size=40
    ),
    probes=st.lists(prefix_st, max_size=10),
)
def test_trie_matches_brute_force(ops, probes):
    trie, model = Trie(), {}
    for op, word, count in ops:
        if op == "insert":
            trie.insert(word, count)
            model[word] = model.get(word, 0) + count
        elif word in model:
            trie.delete(word)
            del model[word]
        else:
            with pytest.raises(KeyError, match=repr(word)):
                trie.delete(word)
    check_against(trie, model, probes + [""])


@settings(max_examples=100, deadline=None)
@given(words=st.lists(words_st, min_size=1, max_size=30), data=st.data())
def test_deleting_everything_leaves_an_empty_trie(words, data):
    trie = Trie(words)
    model = {}
    for w in words:
        model[w] = model.get(w, 0) + 1
    for w in data.draw(st.permutations(sorted(model))):
        trie.delete(w)
        del model[w]
        check_against(trie, model, [w, w[:-1]])
    assert len(trie) == 0 and trie.num_nodes == 0 and list(trie) == []


def test_prefixes_that_are_whole_words():
    trie = Trie(["ann", "anna", "annabel", "anne"])
    assert "ann" in trie and "an" not in trie and "annab" not in trie
    assert trie.longest_prefix("annabelle") == "annabel"
    assert trie.longest_prefix("annab") == "anna"
    assert trie.longest_prefix("an") == ""
    assert trie.longest_prefix("bob") == ""
    assert trie.complete("ann") == [("ann", 1), ("anna", 1), ("annabel", 1), ("anne", 1)]
    trie.delete("anna")  # a word in the middle of a chain: its longer word survives
    assert "annabel" in trie and "anna" not in trie and trie.count("anna") == 0
    assert trie.longest_prefix("annabelle") == "annabel"
    assert trie.num_nodes == len("annabel") + 1  # 'anne' adds one node; nothing was pruned
    trie.delete("annabel")  # now the tail 'a-b-e-l' and the 'a' of 'anna' go
    assert trie.num_nodes == 4
    assert trie.longest_prefix("annabelle") == "ann"
    with pytest.raises(KeyError, match="'an'"):
        trie.delete("an")  # a prefix, not a word


def test_counts_add_up_and_rank_completions():
    trie = Trie()
    trie.insert("emma", 3)
    trie.insert("emily", 5)
    trie.insert("emma", 2)
    trie.insert("emil")
    trie.insert("ella", 5)
    assert trie.count("emma") == 5 and len(trie) == 4
    # Ties (5) break alphabetically; the prefix filters.
    assert trie.complete("e", k=3) == [("ella", 5), ("emily", 5), ("emma", 5)]
    assert trie.complete("em") == [("emily", 5), ("emma", 5), ("emil", 1)]
    assert trie.complete("em", k=1) == [("emily", 5)]
    assert trie.complete("emil") == [("emily", 5), ("emil", 1)]  # the prefix itself is a word
    assert trie.complete("x") == []
    assert trie.complete("", k=None)[-1] == ("emil", 1)


def test_constructor_accepts_words_and_pairs():
    trie = Trie(["bo", ("al", 4), "bo"])
    assert list(trie) == ["al", "bo"]
    assert list(trie.items()) == [("al", 4), ("bo", 2)]
    assert repr(trie) == "Trie(2 words, 4 nodes)"


def test_iteration_is_alphabetical_even_when_inserted_out_of_order():
    words = ["b", "abc", "a", "ab", "ba", "aa", "c", "abd"]
    assert list(Trie(words)) == sorted(words)


def test_trie_bad_input():
    trie = Trie(["ann"])
    with pytest.raises(ValueError, match="empty"):
        trie.insert("")
    with pytest.raises(TypeError, match="str"):
        trie.insert(5)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="count"):
            trie.insert("bob", bad)
    for bad in (0, -3, 2.0):
        with pytest.raises(ValueError, match="k"):
            trie.complete("a", k=bad)
    with pytest.raises(KeyError, match="'zed'"):
        trie.delete("zed")
    assert 5 not in trie and trie.count("bob") == 0 and len(trie) == 1  # nothing half-inserted


def test_long_words_need_no_recursion():
    word = "ab" * 50_000  # far deeper than Python's recursion limit
    trie = Trie([word, word[:-1]])
    assert word in trie and len(trie) == 2
    assert trie.longest_prefix(word + "zzz") == word
    assert trie.complete("ab", k=2) == [(word[:-1], 1), (word, 1)]
    assert list(trie) == [word[:-1], word]
    trie.delete(word[:-1])
    trie.delete(word)
    assert trie.num_nodes == 0


# ----------------------------------------------------------------------------- CharVocab

def test_charvocab_layout():
    v = CharVocab(["emma", "olivia", "ava"])
    assert v.itos[0] == "." and v.stoi["."] == 0 and v.marker_index == 0
    assert [v.itos[i] for i in range(len(v))] == [".", "a", "e", "i", "l", "m", "o", "v"]
    assert len(v) == 8
    assert all(v.itos[i] == ch for ch, i in v.stoi.items())
    assert "a" in v and "z" not in v


def test_charvocab_encode_decode():
    v = CharVocab(["emma", "ava"])
    assert v.encode("emma") == [2, 3, 3, 1]
    assert v.encode("emma", markers=True) == [0, 2, 3, 3, 1, 0]
    assert v.decode([0, 2, 3, 3, 1, 0]) == ".emma."
    assert v.decode([0, 2, 3, 3, 1, 0], strip_markers=True) == "emma"
    assert v.decode(np.array([4, 1], dtype=np.int64)) == "va"  # numpy integers work
    assert v.encode("") == [] and v.encode("", markers=True) == [0, 0]


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=8), min_size=1, max_size=10))
def test_charvocab_round_trip(words):
    v = CharVocab(words)
    assert len(v) == len(set("".join(words))) + 1
    for w in words:
        assert v.decode(v.encode(w)) == w
        assert v.decode(v.encode(w, markers=True), strip_markers=True) == w
        assert all(1 <= i < len(v) for i in v.encode(w))


def test_charvocab_custom_marker_and_errors():
    v = CharVocab(["a.b"], marker="#")
    assert v.itos[0] == "#" and v.encode("a.b", markers=True) == [0, 2, 1, 3, 0]
    with pytest.raises(ValueError, match="marker"):
        CharVocab(["a.b"])  # '.' occurs in the words
    with pytest.raises(ValueError, match="single character"):
        CharVocab(["ab"], marker="<>")
    with pytest.raises(ValueError, match="empty"):
        CharVocab([])
    with pytest.raises(TypeError, match="str"):
        CharVocab(["ab", 3])
    v = CharVocab(["ab"])
    with pytest.raises(KeyError, match="'z' at position 1"):
        v.encode("az")
    with pytest.raises(KeyError, match="index 3"):
        v.decode([1, 3])
    with pytest.raises(KeyError, match="index -1"):
        v.decode([-1])


# ----------------------------------------------------------------------------- names

def test_load_names_content():
    names = load_names()
    assert isinstance(names, list) and len(names) == 5163
    words = [n for n, _ in names]
    assert len(set(words)) == len(words)
    assert all(n.isascii() and n.isalpha() and n.islower() for n in words)
    assert all(isinstance(c, int) and c >= 1 for _, c in names)
    assert names == sorted(names, key=lambda nc: (-nc[1], nc[0]))
    counts = dict(names)
    # dist.male.first: JAMES 3.318%; dist.female.first: JAMES 0.010%  ->  3318 + 10.
    assert counts["james"] == 3328
    assert counts["mary"] > 2000 and counts["emma"] > 100
    assert names[0] == ("james", 3328)


def test_load_names_returns_a_fresh_list():
    names = load_names()
    names.clear()
    assert len(load_names()) == 5163


def test_names_feed_a_trie_and_a_vocab():
    names = load_names()
    trie = Trie(names)
    assert len(trie) == len(names)
    assert trie.complete("jo", k=3)[0] == ("john", dict(names)["john"])
    assert all(w.startswith("jo") for w, _ in trie.complete("jo", k=10))
    v = CharVocab(n for n, _ in names)
    assert len(v) == 27 and v.itos[1] == "a" and v.itos[26] == "z"
