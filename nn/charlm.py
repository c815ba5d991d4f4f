"""A character-level language model for names: an MLP in the style of Bengio et al. (2003).

The question is the one the Trie answers: how does a name that starts with "ann" go on? A
language model answers it with probabilities. It reads a name one character at a time and,
from the last `block_size` characters (the context), predicts the next one:

    context  ->  next        (block_size=3, "." marks the start and the end of a name)
    ...      ->  e
    ..e      ->  m
    .em      ->  m
    emm      ->  a
    mma      ->  .           (the end marker: the name stops here)

The model (Bengio, Ducharme, Vincent and Jauvin, "A Neural Probabilistic Language Model", 2003):

    x      = [C[c1], C[c2], C[c3]]            look up each context character in an embedding
                                              table C of shape (V, emb_dim), then concatenate
    h      = tanh(x @ W1.T + b1)              one hidden layer (tanh or ReLU, optional BatchNorm)
    logits = h @ W2.T + b2                    one score per vocabulary symbol (V of them)
    P(next = c | context) = softmax(logits)_c

It is trained to minimise the cross-entropy -log P(true next character | context), averaged
over every character of every training name, end marker included: the loss is in nats per
character. A model that knows nothing (uniform over V=27 symbols) scores log(27) = 3.30.
Two counting baselines tell us what "good" is: `unigram_baseline` (letter frequencies, no
context) and `bigram_baseline` (the previous character only, a 27x27 table of counts).

A name's probability is the product of its characters' probabilities, so the probability that
a name starting with `prefix` is completed as `word` is

    P(word | prefix) = prod over the characters after the prefix, then the end marker,
                       of P(character | the characters before it)

`complete` searches for the completions with the highest P(word | prefix) (beam search) or
draws them at random (sampling). Training needs an optimizer; `nn` never imports `optim`,
so `train_charlm` takes an `optimizer_factory` (e.g. `lambda params: optim.Adam(params, 1e-2)`).

The autocomplete lesson's model (`MODEL_CONFIG`, `TRAIN_CONFIG`) is trained once and cached:
`load_or_train` loads the weights from `cache_path()` or trains and saves them.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu import Value, no_grad
from tinygrad_edu.rng import get_rng

from .module import Module
from .text import CharVocab

__all__ = [
    "build_dataset",
    "split_names",
    "unigram_baseline",
    "bigram_baseline",
    "CharMLP",
    "CharRNN",
    "complete",
    "train_charlm",
    "TrainResult",
    "build_model",
    "MODEL_CONFIG",
    "TRAIN_CONFIG",
    "MODEL_CONFIGS",
    "TRAIN_CONFIGS",
    "cache_dir",
    "cache_path",
    "load_or_train",
]


# ----------------------------------------------------------------------------- data

def build_dataset(words: Iterable[str], vocab: CharVocab, block_size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Every (context, next character) pair of every word, as int64 arrays X (N, block_size), Y (N,).

    The context starts as `block_size` markers (index 0) and slides one character at a time;
    the last target of each word is the marker, which teaches the model when to stop. A word
    of length L gives L + 1 rows, so `len(Y)` is the number of characters the loss averages over.

        >>> v = CharVocab(["emma"])            # ".", "a", "e", "m" -> 0, 1, 2, 3
        >>> X, Y = build_dataset(["emma"], v, block_size=2)
        >>> X.tolist(), Y.tolist()
        ([[0, 0], [0, 2], [2, 3], [3, 3], [3, 1]], [2, 3, 3, 1, 0])
    """
    block_size = _positive_int("build_dataset: block_size", block_size)
    X: list[list[int]] = []
    Y: list[int] = []
    for word in words:
        context = [0] * block_size
        for ix in vocab.encode(word) + [0]:
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return np.array(X, dtype=np.int64).reshape(-1, block_size), np.array(Y, dtype=np.int64)


def split_names(words: Sequence[str], val_fraction: float = 0.1, seed: int = 0) -> tuple[list[str], list[str]]:
    """Shuffle the words with `seed` and hold out `val_fraction` of them for validation.

    The split is by word, not by (context, next) row: every validation name is one the model
    never saw, so the validation loss measures how well it generalises to new names.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"split_names: val_fraction must be in (0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(len(words))
    n_val = max(1, round(len(words) * val_fraction))
    if n_val >= len(words):
        raise ValueError(f"split_names: {len(words)} words are too few to hold out {val_fraction:.0%}")
    val = [words[i] for i in order[:n_val]]
    train = [words[i] for i in order[n_val:]]
    return train, val


# ----------------------------------------------------------------------------- baselines

def unigram_baseline(train_words: Iterable[str], val_words: Iterable[str], vocab: CharVocab) -> float:
    """Validation loss (nats per character) of predicting every character from its frequency alone.

    P(c) = (n_c + 1) / (N + V), with n_c the times c is a target in the training names (the end
    marker counts as a target once per name), N their total and V the vocabulary size: add-one
    (Laplace) smoothing, so a symbol never seen still gets a little probability.
    """
    V = len(vocab)
    counts = np.ones(V)  # the +1 of add-one smoothing
    for word in train_words:
        np.add.at(counts, vocab.encode(word, markers=True)[1:], 1)
    logp = np.log(counts / counts.sum())
    targets = [ix for word in val_words for ix in vocab.encode(word, markers=True)[1:]]
    return float(-logp[targets].mean())


def bigram_baseline(train_words: Iterable[str], val_words: Iterable[str], vocab: CharVocab) -> float:
    """Validation loss (nats per character) of a bigram model: the next character given the previous one.

    Counts N[a, b] of "b follows a" in the training names (with the start/end marker, so ".e"
    counts a name starting with e and "a." one ending in a), then
    P(b | a) = (N[a, b] + 1) / (sum_b' N[a, b'] + V): add-one smoothing on each row.
    This is the MLP with `block_size=1` done by counting; the MLP should beat it with more context.
    """
    V = len(vocab)
    counts = np.ones((V, V))
    for word in train_words:
        ids = vocab.encode(word, markers=True)
        np.add.at(counts, (ids[:-1], ids[1:]), 1)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    prev: list[int] = []
    nxt: list[int] = []
    for word in val_words:
        ids = vocab.encode(word, markers=True)
        prev += ids[:-1]
        nxt += ids[1:]
    return float(-logp[prev, nxt].mean())


# ----------------------------------------------------------------------------- model

class CharMLP(Module):
    """Bengio et al.'s MLP language model: last `block_size` characters -> next-character logits.

        Embedding(V, emb_dim) -> Flatten -> Linear(block_size*emb_dim, hidden) -> [BatchNorm1d]
        -> tanh or relu -> Linear(hidden, V)

    Input: int64 indices of shape (N, block_size). Output: logits (N, V); softmax gives
    P(next | context). The layers live in `self.net` (an `nn.Sequential`), so `state_dict()` keys
    are "net.0.weight" (the embedding table C), "net.2.weight", ... as in the equivalent torch model.

    Initialisation, as in Karpathy's makemore: the output layer's weights are scaled by 0.1 and
    its bias is zero, so the first logits are all near 0 and the first loss is near log(V) (a
    uniform guess) instead of a confident wrong guess that wastes the first steps; with
    BatchNorm the hidden Linear has no bias (BatchNorm's own shift replaces it).
    """

    def __init__(self, vocab_size: int, block_size: int = 3, emb_dim: int = 10, hidden: int = 200,
                 activation: str = "tanh", batchnorm: bool = False) -> None:
        from . import BatchNorm1d, Embedding, Flatten, Linear, ReLU, Sequential, Tanh  # after nn is loaded

        self.vocab_size = _positive_int("CharMLP: vocab_size", vocab_size)
        self.block_size = _positive_int("CharMLP: block_size", block_size)
        self.emb_dim = _positive_int("CharMLP: emb_dim", emb_dim)
        self.hidden = _positive_int("CharMLP: hidden", hidden)
        acts = {"tanh": Tanh, "relu": ReLU}
        if activation not in acts:
            raise ValueError(f"CharMLP: activation must be 'tanh' or 'relu', got {activation!r}")
        self.activation, self.batchnorm = activation, bool(batchnorm)
        # tanh saturates: Xavier keeps pre-activations near unit variance; He suits ReLU.
        init = "xavier" if activation == "tanh" else "he"
        layers: list[Module] = [
            Embedding(self.vocab_size, self.emb_dim),
            Flatten(),
            Linear(self.block_size * self.emb_dim, self.hidden, bias=not self.batchnorm, init=init),
        ]
        if self.batchnorm:
            layers.append(BatchNorm1d(self.hidden))
        layers += [acts[activation](), Linear(self.hidden, self.vocab_size)]
        self.net = Sequential(*layers)
        out = layers[-1]
        out.weight.data = out.weight.data * 0.1

    def forward(self, x: Any) -> Value:
        return self.net(x)

    def config(self) -> dict[str, Any]:
        """The constructor arguments, e.g. to rebuild the model before `load`."""
        return {"vocab_size": self.vocab_size, "block_size": self.block_size, "emb_dim": self.emb_dim,
                "hidden": self.hidden, "activation": self.activation, "batchnorm": self.batchnorm}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())


class CharRNN(Module):
    """A recurrent language model over the same context window as `CharMLP`:

        Embedding(V, emb_dim) -> GRU or LSTM(emb_dim, hidden) reading the block_size characters
        in order -> the last hidden state -> Linear(hidden, V)

    Where the MLP gives every context position its own weights, the recurrent cell applies the
    same weights at every position and carries what it has read in its state (a GRU's gates
    decide what to keep). Input (N, block_size) int64, output logits (N, V), like `CharMLP`.
    """

    def __init__(self, vocab_size: int, block_size: int = 8, emb_dim: int = 16, hidden: int = 128,
                 cell: str = "gru") -> None:
        from . import GRU, LSTM, Embedding, Linear  # after nn is loaded

        if cell not in ("gru", "lstm"):
            raise ValueError(f"CharRNN: cell must be 'gru' or 'lstm', got {cell!r}")
        self.vocab_size = _positive_int("CharRNN: vocab_size", vocab_size)
        self.block_size = _positive_int("CharRNN: block_size", block_size)
        self.emb_dim = _positive_int("CharRNN: emb_dim", emb_dim)
        self.hidden = _positive_int("CharRNN: hidden", hidden)
        self.cell = cell
        self.embedding = Embedding(self.vocab_size, self.emb_dim)
        self.rnn = (GRU if cell == "gru" else LSTM)(self.emb_dim, self.hidden, batch_first=True)
        self.head = Linear(self.hidden, self.vocab_size)
        self.head.weight.data = self.head.weight.data * 0.1  # first logits near 0, as CharMLP

    def forward(self, x: Any) -> Value:
        out, _ = self.rnn(self.embedding(x))  # (N, block_size, hidden)
        return self.head(out[:, -1])

    def config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "block_size": self.block_size, "emb_dim": self.emb_dim,
                "hidden": self.hidden, "cell": self.cell}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())


def build_model(vocab_size: int, **config: Any) -> Module:
    """The character model for `config` (the `CharMLP` arguments, or `CharRNN`'s with cell="gru"/"lstm"):
    the one place a model is built, for training (`train_charlm`) and for loading cached weights."""
    if config.get("cell", "mlp") != "mlp":
        return CharRNN(vocab_size, **config)
    config.pop("cell", None)
    return CharMLP(vocab_size, **config)


# ----------------------------------------------------------------------------- completion

def _next_log_probs(model: Any, contexts: np.ndarray, temperature: float) -> np.ndarray:
    """log P(next | context) for each row of `contexts` (B, block): log_softmax(logits / T)."""
    with no_grad():
        logits = np.asarray(model(contexts).data, dtype=np.float64)
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)  # stable log-sum-exp
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _context(ids: Sequence[int], block_size: int) -> list[int]:
    """The last `block_size` ids of the marker-padded sequence (start markers then ids)."""
    padded = [0] * block_size + list(ids)
    return padded[-block_size:]


def complete(model: Any, vocab: CharVocab, prefix: str, k: int = 5, method: str = "beam",
             temperature: float = 1.0, max_len: int = 20, beam_width: int | None = None,
             rng: np.random.Generator | None = None) -> list[tuple[str, float]]:
    """The model's `k` completions of `prefix`, as `(name, probability)` sorted by probability.

    `probability` is P(name | prefix): the product of the model's probabilities of each
    character after the prefix AND of the end marker that stops the name (so "ann" followed by
    "a" then "." gives P(a | .ann) * P(. | anna)). Over all possible completions these sum to 1,
    and a long name pays for every extra character. The prefix itself is a candidate (if the
    model thinks the name can stop right there). `temperature` T divides the logits before the
    softmax (T < 1 sharpens, T > 1 flattens) and the probabilities reported are the tempered ones.
    Names are at most `max_len` characters, prefix included.

    method="beam": beam search. Keep the `beam_width` most probable unfinished strings
    (default max(20, 4k)); at each step extend every one by every symbol, score each extension by
    its total log-probability, move extensions that end with the marker to the finished list and
    keep the best `beam_width` of the others. Stop when no unfinished string can still beat the
    k-th best finished one (probabilities only shrink as a string grows) or at `max_len`.
    Deterministic; it finds the most probable completions unless they fell out of the beam on
    the way (a wider beam makes that rarer). Returns k distinct names when the model has them.

    method="sample": draw completions at random, one character at a time from the tempered
    distribution, and keep the first k distinct names drawn (fewer if 50 rounds of 64 draws do not
    give k); they are then sorted by probability like the beam's. `rng` (default: the library's
    generator, see `manual_seed`) makes it repeatable. Sampling shows the model's variety, beam
    search its most likely answers.

    The model is run in eval mode (BatchNorm uses its running statistics) without a graph;
    its mode is restored afterwards.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"complete: prefix must be a str, got {type(prefix).__name__}")
    k = _positive_int("complete: k", k)
    if not (isinstance(temperature, (int, float)) and temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"complete: temperature must be a positive number, got {temperature!r}")
    if method not in ("beam", "sample"):
        raise ValueError(f"complete: method must be 'beam' or 'sample', got {method!r}")
    max_len = _positive_int("complete: max_len", max_len)
    prefix_ids = vocab.encode(prefix)  # KeyError naming an unknown character
    if 0 in prefix_ids:
        raise ValueError(f"complete: the prefix {prefix!r} contains the marker {vocab.marker!r}")
    if len(prefix) > max_len:
        return []
    block = int(getattr(model, "block_size", 3))
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        if method == "beam":
            width = max(20, 4 * k) if beam_width is None else _positive_int("complete: beam_width", beam_width)
            found = _beam_search(model, prefix_ids, block, k, width, temperature, max_len)
        else:
            found = _sample(model, prefix_ids, block, k, temperature, max_len, rng or get_rng())
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [(vocab.decode(ids), math.exp(logp)) for ids, logp in ranked]


def _beam_search(model: Any, prefix_ids: list[int], block: int, k: int, width: int,
                 temperature: float, max_len: int) -> dict[tuple[int, ...], float]:
    """{finished id tuple (without the marker): log P(completion | prefix)}; see `complete`."""
    live: list[tuple[float, tuple[int, ...]]] = [(0.0, tuple(prefix_ids))]
    finished: dict[tuple[int, ...], float] = {}
    while live:
        logp = _next_log_probs(model, np.array([_context(ids, block) for _, ids in live]), temperature)
        scores = np.array([s for s, _ in live])[:, None] + logp  # (beams, V) total log-probabilities
        for b, (_, ids) in enumerate(live):
            finished[ids] = float(scores[b, 0])  # extension by the end marker: a finished name
        if len(live[0][1]) >= max_len:
            break  # every live string has the same length: none may grow further
        scores[:, 0] = -np.inf
        # The best `width` extensions over all beams (argpartition, then sort those few).
        flat = scores.ravel()
        top = np.argpartition(-flat, min(width, flat.size) - 1)[:width]
        top = top[np.argsort(-flat[top], kind="stable")]
        V = logp.shape[1]
        live = [(float(flat[i]), live[i // V][1] + (int(i % V),)) for i in top if np.isfinite(flat[i])]
        if len(finished) >= k and live:
            kth_best = sorted(finished.values(), reverse=True)[k - 1]
            if live[0][0] <= kth_best:
                break  # every unfinished string is already less probable than k finished names
    return finished


def _sample(model: Any, prefix_ids: list[int], block: int, k: int, temperature: float, max_len: int,
            rng: np.random.Generator, batch: int = 64, rounds: int = 50) -> dict[tuple[int, ...], float]:
    """{distinct sampled id tuple: log P(completion | prefix)}; `batch` names drawn in parallel."""
    found: dict[tuple[int, ...], float] = {}
    for _ in range(rounds):
        seqs = [list(prefix_ids) for _ in range(batch)]
        logps = np.zeros(batch)
        alive = np.ones(batch, dtype=bool)
        while alive.any():
            rows = np.flatnonzero(alive)
            if len(seqs[rows[0]]) > max_len:  # the live rows grow together, so all are too long:
                for r in rows:  # a name cut short would not be one the model chose; drop them
                    seqs[r] = []
                break
            logp = _next_log_probs(model, np.array([_context(seqs[r], block) for r in rows]), temperature)
            probs = np.exp(logp)
            # Inverse-CDF sampling: one uniform number per row picks a symbol.
            u = rng.random(len(rows))[:, None]
            picks = (probs.cumsum(axis=1) < u * probs.sum(axis=1, keepdims=True)).sum(axis=1)
            picks = np.minimum(picks, probs.shape[1] - 1)
            for j, r in enumerate(rows):
                c = int(picks[j])
                logps[r] += logp[j, c]
                if c == 0:
                    alive[r] = False
                else:
                    seqs[r].append(c)
        for r in range(batch):  # in the order drawn: the first k distinct names, not the best of many
            if seqs[r]:
                found[tuple(seqs[r])] = float(logps[r])
                if len(found) == k:
                    return found
    return found


# ----------------------------------------------------------------------------- training

@dataclass
class TrainResult:
    """What `train_charlm` returns: the trained model and the numbers that judge it."""

    model: CharMLP
    vocab: CharVocab
    history: Any
    val_loss: float  # nats per character on the validation names
    train_loss: float  # nats per character on the training names (eval mode, end of training)
    unigram: float  # baselines on the same split
    bigram: float
    seconds: float  # wall-clock training time (fit only)
    train_words: list[str] = field(repr=False, default_factory=list)
    val_words: list[str] = field(repr=False, default_factory=list)


def train_charlm(words: Sequence[str], optimizer_factory: Callable[[list[Value]], Any], *,
                 block_size: int = 3, emb_dim: int = 10, hidden: int = 200, activation: str = "tanh",
                 batchnorm: bool = False, epochs: int = 8, batch_size: int = 64, lr_decay: float = 0.7,
                 val_fraction: float = 0.1, seed: int = 0, verbose: int = 1,
                 vocab: CharVocab | None = None, cell: str = "mlp") -> TrainResult:
    """Split `words`, train a `CharMLP` on the training names with `fit`, report the losses.

    Every distinct name counts once (the census frequencies are not used as weights): weighting
    by frequency would make the model spend its capacity on repeating "james" and "mary", while
    the Trie already ranks by frequency; the model's job is to learn what names look like.
    `optimizer_factory(params) -> optimizer` (`nn` does not import `optim`), e.g.
    `lambda p: optim.Adam(p, lr=1e-2)`. The learning rate is multiplied by `lr_decay` after every
    epoch (a `LearningRateScheduler`): big steps first, fine ones at the end. `seed` fixes the
    split, the initial weights and the batch order (`manual_seed`).
    """
    from tinygrad_edu import manual_seed

    from . import LearningRateScheduler, cross_entropy, evaluate, fit

    words = list(words)
    vocab = vocab or CharVocab(words)
    train_words, val_words = split_names(words, val_fraction, seed)
    X_train, Y_train = build_dataset(train_words, vocab, block_size)
    X_val, Y_val = build_dataset(val_words, vocab, block_size)
    manual_seed(seed)
    if cell == "mlp":
        model = build_model(len(vocab), block_size=block_size, emb_dim=emb_dim, hidden=hidden,
                            activation=activation, batchnorm=batchnorm)
    else:  # cell="gru"/"lstm": a CharRNN
        model = build_model(len(vocab), block_size=block_size, emb_dim=emb_dim, hidden=hidden, cell=cell)
    optimizer = optimizer_factory(model.parameters())
    schedule = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * lr_decay)
    start = time.perf_counter()
    history = fit(model, cross_entropy, optimizer, X_train, Y_train, epochs=epochs, batch_size=batch_size,
                  validation_data=(X_val, Y_val), callbacks=[schedule], metrics=(), verbose=verbose)
    seconds = time.perf_counter() - start
    train_loss = evaluate(model, cross_entropy, X_train, Y_train, metrics=(), batch_size=4096)["loss"]
    val_loss = evaluate(model, cross_entropy, X_val, Y_val, metrics=(), batch_size=4096)["loss"]
    model.eval()
    return TrainResult(model=model, vocab=vocab, history=history, val_loss=val_loss, train_loss=train_loss,
                       unigram=unigram_baseline(train_words, val_words, vocab),
                       bigram=bigram_baseline(train_words, val_words, vocab), seconds=seconds,
                       train_words=train_words, val_words=val_words)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


# ----------------------------------------------------------------------------- the cached lesson model

# The model the autocomplete lesson trains and caches. Changing any of these changes the cache
# file's name, so an old cache is never loaded into a model of another shape.
MODEL_CONFIG: dict[str, Any] = {"block_size": 4, "emb_dim": 16, "hidden": 200, "activation": "tanh",
                                "batchnorm": False}
TRAIN_CONFIG: dict[str, Any] = {"epochs": 12, "batch_size": 128, "lr": 2e-2, "lr_decay": 0.75, "seed": 0,
                                "val_fraction": 0.1}
# The recurrent alternatives (`autocomplete --model gru`): a longer window, fewer epochs (each step costs more).
MODEL_CONFIGS: dict[str, dict[str, Any]] = {
    "mlp": MODEL_CONFIG,
    "gru": {"cell": "gru", "block_size": 8, "emb_dim": 16, "hidden": 64},
    "lstm": {"cell": "lstm", "block_size": 8, "emb_dim": 16, "hidden": 64},
}
TRAIN_CONFIGS: dict[str, dict[str, Any]] = {
    "mlp": TRAIN_CONFIG,
    "gru": {**TRAIN_CONFIG, "epochs": 4, "lr": 1e-2, "lr_decay": 0.6},
    "lstm": {**TRAIN_CONFIG, "epochs": 4, "lr": 1e-2, "lr_decay": 0.6},
}
_INFO_KEYS = ("val_loss", "train_loss", "unigram", "bigram", "seconds")


def cache_dir() -> Path:
    """$TINYGRAD_EDU_CACHE if set, else $XDG_CACHE_HOME/tinygrad_edu, else ~/.cache/tinygrad_edu."""
    override = os.environ.get("TINYGRAD_EDU_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / "tinygrad_edu"


def cache_path(model: str = "mlp") -> Path:
    """The weights file of `model` ("mlp", "gru", "lstm"); its name encodes the model and training settings."""
    m, t = MODEL_CONFIGS[model], TRAIN_CONFIGS[model]
    kind = m["activation"] + ("-bn" if m["batchnorm"] else "") if model == "mlp" else model
    tag = f"b{m['block_size']}-e{m['emb_dim']}-h{m['hidden']}-{kind}-ep{t['epochs']}-s{t['seed']}"
    return cache_dir() / f"charlm-{tag}.npz"


def load_or_train(words: list[str], vocab: CharVocab, make_optimizer: Callable[[list[Value], float], Any],
                  retrain: bool = False, log: Callable[[str], None] = print,
                  verbose: int = 1, model_name: str = "mlp") -> tuple[Module, dict[str, Any]]:
    """The cached model if it loads cleanly, else one trained with `make_optimizer(params, lr)`
    (`nn` does not import `optim`) and then cached. `log` receives one-line messages (training
    started, an unreadable cache, a cache that could not be written).

    Returns (model in eval mode, info) where info holds the losses measured at training time
    (empty if the side file with them is missing), "source" ("cache" or "trained") and "path".
    """
    if model_name not in MODEL_CONFIGS:
        raise ValueError(f"load_or_train: model_name must be one of {tuple(MODEL_CONFIGS)}, got {model_name!r}")
    path = cache_path(model_name)
    if not retrain and path.exists():
        model = build_model(len(vocab), **MODEL_CONFIGS[model_name])
        try:
            model.load(path)
            check_finite(model)
        except Exception as e:  # any unreadable file (truncated, not a zip, wrong keys/shapes, NaN)
            log(f"the cached model {path} is unreadable ({type(e).__name__}: {_one_line(e)}); training a new one")
        else:
            model.eval()
            return model, {**_read_info(path), "source": "cache", "path": str(path)}
    extra = {} if model_name == "mlp" else {"model_name": model_name}
    model, info = train_for_cache(words, vocab, make_optimizer, log, verbose, **extra)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)  # atomic: a temporary file renamed over the old one
        _write_json_atomic(path.with_suffix(".json"), info)
    except OSError as e:  # a read-only home is no reason to fail: the model is in memory
        log(f"could not cache the model in {path.parent} ({_one_line(e)})")
    return model, {**info, "source": "trained", "path": str(path)}


def train_for_cache(words: list[str], vocab: CharVocab, make_optimizer: Callable[[list[Value], float], Any],
                    log: Callable[[str], None] = print, verbose: int = 1,
                    model_name: str = "mlp") -> tuple[Module, dict[str, Any]]:
    """Train the lesson's model (MODEL_CONFIGS[model_name], TRAIN_CONFIGS[model_name]); (model, the losses to cache)."""
    t = TRAIN_CONFIGS[model_name]
    kind = "" if model_name == "mlp" else f" ({model_name.upper()})"
    log(f"training the character model{kind} on {len(words)} names (first run; cached afterwards)")
    result = train_charlm(words, lambda params: make_optimizer(params, t["lr"]), vocab=vocab,
                          **MODEL_CONFIGS[model_name],
                          epochs=t["epochs"], batch_size=t["batch_size"], lr_decay=t["lr_decay"],
                          val_fraction=t["val_fraction"], seed=t["seed"], verbose=verbose)
    info = {key: getattr(result, key) for key in _INFO_KEYS}
    log(f"trained in {result.seconds:.1f} s; validation loss {result.val_loss:.3f} nats/char "
        f"(bigram {result.bigram:.3f}, unigram {result.unigram:.3f})")
    return result.model, info


def check_finite(model: Module) -> None:
    for name, p in model.named_parameters():
        if not np.all(np.isfinite(p.data)):
            raise ValueError(f"parameter {name} holds NaN or Inf")


def _read_info(path: Path) -> dict[str, Any]:
    """The losses saved beside the weights; {} if the file is missing or unreadable (not needed)."""
    try:
        info = json.loads(path.with_suffix(".json").read_text())
        return {key: float(info[key]) for key in _INFO_KEYS}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= 160 else text[:157] + "..."
