"""Text for the autocomplete lesson: a Trie, a character vocabulary and a list of real names.

The same question, "how does this prefix go on?", answered twice:

- a `Trie` remembers every name it was given and completes a prefix with the most frequent
  stored names that start with it (it can only repeat what it has seen);
- a character-level language model (built with `nn` layers on top of `CharVocab`) learns the
  probability of the next character and can invent names it has never seen.

`load_names()` gives both of them the same data: the US Census 1990 first names with counts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

__all__ = ["Trie", "CharVocab", "load_names"]


# ----------------------------------------------------------------------------- Trie

class _Node:
    """One node of the Trie: a dict from the next character to the child node, and a count.

    `count > 0` means the path from the root to this node spells a stored word, inserted
    `count` times (or with that total weight). `count == 0` means it is only a prefix.
    """

    __slots__ = ("children", "count")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.count = 0


class Trie:
    """A prefix tree of words with counts, for autocomplete.

    Structure: the root stands for the empty string; every edge is one character, so each node
    stands for the string spelled by the path from the root to it. Words that share a prefix
    share that path: "ann", "anna" and "anne" use the nodes a -> n -> n, then branch. A node
    carries a count, which is > 0 exactly when its string was inserted as a word.

    Looking up or inserting a word of length L visits L nodes, however many words are stored.
    Completing a prefix walks down to the prefix's node, then visits only the words below it.
    All walks are loops over an explicit stack (no recursion, so long words are fine).

    Iterating over a Trie yields the stored words in alphabetical order (like a sorted set);
    `items()` yields `(word, count)` pairs in the same order.

        >>> t = Trie(["ann", "anna", "anne", "anna"])
        >>> t.count("anna"), len(t), "an" in t
        (2, 3, False)
        >>> t.complete("an")
        [('anna', 2), ('ann', 1), ('anne', 1)]
    """

    def __init__(self, words: Iterable[str | tuple[str, int]] = ()) -> None:
        """Start empty, or insert each item of `words`: a word, or a `(word, count)` pair."""
        self._root = _Node()
        self._size = 0  # number of distinct stored words
        for item in words:
            if isinstance(item, str):
                self.insert(item)
            else:
                word, count = item
                self.insert(word, count)

    # -- building --------------------------------------------------------------------------

    def insert(self, word: str, count: int = 1) -> None:
        """Add `word` with weight `count` (a positive int); inserting it again adds the counts."""
        _check_word(word)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"Trie.insert: count must be a positive int, got {count!r} for {word!r}")
        node = self._root
        for ch in word:
            node = node.children.setdefault(ch, _Node())
        if node.count == 0:
            self._size += 1
        node.count += count

    def delete(self, word: str) -> None:
        """Remove `word` (all of its count); raises KeyError naming it if it is not stored.

        Afterwards, the nodes that no longer lead to any word are cut off, walking back up from
        the word's last character, so the Trie stays as small as if the word had never been in it.
        """
        path = self._path(word) if isinstance(word, str) else None
        if path is None or path[-1].count == 0:
            raise KeyError(f"Trie.delete: {word!r} is not in the trie")
        path[-1].count = 0
        self._size -= 1
        # path[i] is the node for word[:i]; prune childless non-word nodes from the end upwards.
        for i in range(len(word), 0, -1):
            node = path[i]
            if node.count or node.children:
                break
            del path[i - 1].children[word[i - 1]]

    # -- questions -------------------------------------------------------------------------

    def count(self, word: str) -> int:
        """How many times `word` was inserted (the sum of its counts); 0 if absent."""
        node = self._find(word) if isinstance(word, str) else None
        return 0 if node is None else node.count

    def __contains__(self, word: object) -> bool:
        """True when `word` itself was inserted (a mere prefix of stored words is not enough)."""
        return isinstance(word, str) and self.count(word) > 0

    def __len__(self) -> int:
        """The number of distinct stored words."""
        return self._size

    def __iter__(self) -> Iterator[str]:
        """The stored words in alphabetical order."""
        for word, _ in self.items():
            yield word

    def items(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """`(word, count)` for every stored word starting with `prefix`, alphabetically.

        A depth-first walk with an explicit stack: a node's own word comes before the words
        below it, and children are visited in sorted order, which is exactly alphabetical order.
        """
        start = self._find(prefix)
        if start is None:
            return
        stack = [(prefix, start)]
        while stack:
            text, node = stack.pop()
            if node.count:
                yield text, node.count
            # Push in reverse order so the smallest character is popped (visited) first.
            for ch in sorted(node.children, reverse=True):
                stack.append((text + ch, node.children[ch]))

    def complete(self, prefix: str, k: int | None = 5) -> list[tuple[str, int]]:
        """The `k` most frequent stored words starting with `prefix`, as `(word, count)`.

        Ranked by count (highest first), ties broken alphabetically. The prefix itself is
        included when it is a stored word. `k=None` returns all of them. Unknown prefix: [].
        """
        if not isinstance(prefix, str):
            raise TypeError(f"Trie.complete: prefix must be a str, got {type(prefix).__name__}")
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise ValueError(f"Trie.complete: k must be a positive int or None, got {k!r}")
        candidates = self.items(prefix)
        if k is None:
            return sorted(candidates, key=_rank)
        return heapq.nsmallest(k, candidates, key=_rank)

    def longest_prefix(self, text: str) -> str:
        """The longest stored word that is a prefix of `text` (e.g. "ann" for "annabel"), or ""."""
        if not isinstance(text, str):
            raise TypeError(f"Trie.longest_prefix: text must be a str, got {type(text).__name__}")
        node, best = self._root, 0
        for i, ch in enumerate(text, start=1):
            node = node.children.get(ch)
            if node is None:
                break
            if node.count:
                best = i
        return text[:best]

    @property
    def num_nodes(self) -> int:
        """Nodes below the root: one per distinct prefix of the stored words (shared prefixes
        are stored once, which is where a Trie saves space over a plain list of words)."""
        total, stack = 0, [self._root]
        while stack:
            node = stack.pop()
            total += len(node.children)
            stack.extend(node.children.values())
        return total

    def __repr__(self) -> str:
        return f"Trie({self._size} words, {self.num_nodes} nodes)"

    # -- walking ---------------------------------------------------------------------------

    def _path(self, text: str) -> list[_Node] | None:
        """The nodes for text[:0], text[:1], ..., text (root first), or None if it falls off."""
        node, path = self._root, [self._root]
        for ch in text:
            node = node.children.get(ch)
            if node is None:
                return None
            path.append(node)
        return path

    def _find(self, text: str) -> _Node | None:
        """The node spelling `text`, or None."""
        node: _Node | None = self._root
        for ch in text:
            node = node.children.get(ch)
            if node is None:
                return None
        return node


def _rank(item: tuple[str, int]) -> tuple[int, str]:
    """Sort key for completions: higher count first, then alphabetical."""
    word, count = item
    return -count, word


def _check_word(word: object) -> None:
    if not isinstance(word, str):
        raise TypeError(f"Trie: words must be str, got {type(word).__name__} ({word!r})")
    if not word:
        raise ValueError("Trie: the empty string cannot be stored as a word")


# ----------------------------------------------------------------------------- CharVocab

class CharVocab:
    """Characters <-> integer indices, for a character-level language model (as in makemore).

    Index 0 is the marker character (default "."), which stands for both "start of word" and
    "end of word"; the characters seen in `words` follow in sorted order from index 1. For
    lowercase names that gives 27 symbols: ".", "a", ..., "z".

    A model reads a name as a sequence that starts and ends with the marker, e.g. ".emma.":
    from the context "." it predicts "e", ..., and from "a" it predicts "." (stop).
    `encode(word, markers=True)` produces exactly that sequence of indices.

        >>> v = CharVocab(["emma", "ava"])
        >>> v.itos
        {0: '.', 1: 'a', 2: 'e', 3: 'm', 4: 'v'}
        >>> v.encode("ema"), v.encode("ema", markers=True)
        ([2, 3, 1], [0, 2, 3, 1, 0])
        >>> v.decode([0, 1, 4, 1, 0], strip_markers=True)
        'ava'
    """

    def __init__(self, words: Iterable[str], marker: str = ".") -> None:
        if not isinstance(marker, str) or len(marker) != 1:
            raise ValueError(f"CharVocab: marker must be a single character, got {marker!r}")
        chars: set[str] = set()
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"CharVocab: words must be str, got {type(word).__name__} ({word!r})")
            chars.update(word)
        if marker in chars:
            raise ValueError(f"CharVocab: the marker {marker!r} also occurs in the words; choose another")
        if not chars:
            raise ValueError("CharVocab: no characters found (the word list is empty)")
        self.marker = marker
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate([marker, *sorted(chars)])}
        self.itos: dict[int, str] = {i: ch for ch, i in self.stoi.items()}

    @property
    def marker_index(self) -> int:
        """The index of the start/end marker (always 0)."""
        return 0

    def __len__(self) -> int:
        """Vocabulary size, marker included (the width of the model's softmax)."""
        return len(self.stoi)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def encode(self, text: str, markers: bool = False) -> list[int]:
        """Indices of the characters of `text`; with `markers=True`, wrapped in the marker index.

        An unknown character raises KeyError naming it and its position.
        """
        ids = [0] if markers else []
        for pos, ch in enumerate(text):
            if ch not in self.stoi:
                raise KeyError(
                    f"CharVocab.encode: unknown character {ch!r} at position {pos} of {text!r}"
                )
            ids.append(self.stoi[ch])
        if markers:
            ids.append(0)
        return ids

    def decode(self, ids: Iterable[int], strip_markers: bool = False) -> str:
        """The string for a sequence of indices (ints or numpy integers).

        With `strip_markers=True` marker characters are dropped, so `decode(encode(w, True),
        strip_markers=True) == w`. An index outside 0..len-1 raises KeyError naming it.
        """
        out = []
        for i in ids:
            ch = self.itos.get(int(i))
            if ch is None:
                raise KeyError(f"CharVocab.decode: index {int(i)} is outside 0..{len(self) - 1}")
            if not (strip_markers and i == 0):
                out.append(ch)
        return "".join(out)

    def __repr__(self) -> str:
        chars = "".join(self.itos[i] for i in range(len(self)))
        return f"CharVocab({len(self)} symbols: {chars!r})"


# ----------------------------------------------------------------------------- names

@lru_cache(maxsize=1)
def _read_names() -> tuple[tuple[str, int], ...]:
    text = resources.files("nn.datasets").joinpath("names.txt").read_text(encoding="ascii")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, count = line.split()
            rows.append((name, int(count)))
    return tuple(rows)


def load_names() -> list[tuple[str, int]]:
    """The US Census 1990 first names with counts: a list of `(name, count)`, most common first.

    5,163 distinct names, lowercase a-z only; ties in count are listed alphabetically.
    Feed it straight to a Trie (`Trie(load_names())`) or take the names for a character model
    (`[name for name, _ in load_names()]`).

    Where the counts come from: the Census files give, for each name, the percentage of people
    of that sex in the Census sample who have it, to three decimals (dist.male.first and
    dist.female.first). Each percentage times 1000 is a whole number per 100,000 people of that
    sex (the rarest names get 1); names that appear in both lists get the male and female
    numbers added, so "james" is 3318 (men) + 10 (women) = 3328.

    Source: U.S. Census Bureau, 1990 Census "Frequently Occurring Names" (public domain), from
    the files carried by the `names` package on PyPI; shipped as `nn/datasets/names.txt`, made by
    `scripts/make_names.py`. A new list is returned on every call, so it is safe to change it.
    """
    return list(_read_names())
