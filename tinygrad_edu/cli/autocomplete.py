"""Complete a name's prefix twice: with a Trie of real names and with a character-level MLP.

The Trie lists the census names that start with PREFIX, most frequent first (it can only repeat
what it has seen). The model, an MLP language model in the style of Bengio et al. (2003), lists
the completions it finds most probable, with P(completion | PREFIX): the product of the model's
probabilities of each added character and of the end of the name (beam search, the default),
or completions drawn at random from it (--method sample), also shown with that probability.
Model completions that are real names are marked with "*".

The first run trains the model (a progress bar, well under a minute) and caches its weights
under $TINYGRAD_EDU_CACHE, else $XDG_CACHE_HOME/tinygrad_edu, else ~/.cache/tinygrad_edu;
later runs load them. --retrain trains again; an unreadable cache is rebuilt with a message.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import UsageError

# The model the command trains and caches. Changing any of these changes the cache file's name,
# so an old cache is never loaded into a model of another shape.
MODEL_CONFIG: dict[str, Any] = {"block_size": 4, "emb_dim": 16, "hidden": 200, "activation": "tanh",
                                "batchnorm": False}
TRAIN_CONFIG: dict[str, Any] = {"epochs": 12, "batch_size": 128, "lr": 2e-2, "lr_decay": 0.75, "seed": 0,
                                "val_fraction": 0.1}
_PREFIX = re.compile(r"[A-Za-z]+")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the paragraphs above
    parser.add_argument("prefix", metavar="PREFIX", help="the start of a first name, letters a-z only")
    parser.add_argument("-k", type=int, default=5, help="how many completions from each side (default 5)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="divides the model's logits: < 1 sharper, > 1 more adventurous (default 1)")
    parser.add_argument("--method", choices=("beam", "sample"), default="beam",
                        help="beam: the most probable completions (beam search); sample: random draws "
                             "(both shown with P(completion | prefix), end of name included)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for --method sample")
    parser.add_argument("--retrain", action="store_true", help="train the model again and overwrite the cache")


def run(args: argparse.Namespace) -> int:
    prefix, k, temperature = _check_args(args)
    from nn.charlm import complete
    from nn.text import CharVocab, Trie, load_names

    names = load_names()
    trie = Trie(names)
    vocab = CharVocab(name for name, _ in names)
    model, info = load_or_train([name for name, _ in names], vocab, retrain=args.retrain)

    rng = None
    if args.method == "sample":
        import numpy as np

        rng = np.random.default_rng(args.seed)
    trie_hits = trie.complete(prefix, k)
    model_hits = complete(model, vocab, prefix, k=k, method=args.method, temperature=temperature, rng=rng)
    print(format_report(prefix, trie_hits, model_hits, trie, args.method, temperature, info))
    return 0


# ----------------------------------------------------------------------------- input

def _check_args(args: argparse.Namespace) -> tuple[str, int, float]:
    """(prefix in lowercase, k, temperature), or a UsageError saying what is wrong."""
    prefix = args.prefix
    if not prefix:
        raise UsageError("autocomplete: PREFIX is empty; give the start of a name, e.g. 'ann'")
    if not _PREFIX.fullmatch(prefix):
        raise UsageError(f"autocomplete: PREFIX must contain only letters a-z, got {prefix!r}")
    if args.k <= 0:
        raise UsageError(f"autocomplete: -k must be a positive integer, got {args.k}")
    if not (args.temperature > 0 and math.isfinite(args.temperature)):
        raise UsageError(f"autocomplete: --temperature must be a positive number, got {args.temperature}")
    return prefix.lower(), args.k, args.temperature


# ----------------------------------------------------------------------------- cache

def cache_dir() -> Path:
    """$TINYGRAD_EDU_CACHE if set, else $XDG_CACHE_HOME/tinygrad_edu, else ~/.cache/tinygrad_edu."""
    override = os.environ.get("TINYGRAD_EDU_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / "tinygrad_edu"


def cache_path() -> Path:
    """The weights file; its name encodes the model and training settings."""
    m, t = MODEL_CONFIG, TRAIN_CONFIG
    tag = (f"b{m['block_size']}-e{m['emb_dim']}-h{m['hidden']}-{m['activation']}{'-bn' if m['batchnorm'] else ''}"
           f"-ep{t['epochs']}-s{t['seed']}")
    return cache_dir() / f"charlm-{tag}.npz"


def load_or_train(words: list[str], vocab: Any, retrain: bool = False) -> tuple[Any, dict[str, Any]]:
    """The cached model if it loads cleanly, else a freshly trained one (then cached).

    Returns (model in eval mode, info) where info holds the losses measured at training time
    (empty if the side file with them is missing) and "source": "cache" or "trained".
    """
    from nn.charlm import CharMLP

    path = cache_path()
    if not retrain and path.exists():
        model = CharMLP(len(vocab), **MODEL_CONFIG)
        try:
            model.load(path)
            _check_finite(model)
        except Exception as e:  # any unreadable file (truncated, not a zip, wrong keys/shapes, NaN)
            print(f"autocomplete: the cached model {path} is unreadable ({type(e).__name__}: "
                  f"{_one_line(e)}); training a new one", file=sys.stderr)
        else:
            model.eval()
            return model, {**_read_info(path), "source": "cache", "path": str(path)}
    model, info = _train(words, vocab)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)  # atomic: a temporary file renamed over the old one
        _write_json_atomic(path.with_suffix(".json"), info)
    except OSError as e:  # a read-only home is no reason to fail: the model is in memory
        print(f"autocomplete: could not cache the model in {path.parent} ({_one_line(e)})", file=sys.stderr)
    return model, {**info, "source": "trained", "path": str(path)}


def _train(words: list[str], vocab: Any) -> tuple[Any, dict[str, Any]]:
    import optim
    from nn.charlm import train_charlm

    t = TRAIN_CONFIG
    print(f"autocomplete: training the character model on {len(words)} names (first run; cached afterwards)",
          file=sys.stderr)
    result = train_charlm(words, lambda params: optim.Adam(params, lr=t["lr"]), vocab=vocab, **MODEL_CONFIG,
                          epochs=t["epochs"], batch_size=t["batch_size"], lr_decay=t["lr_decay"],
                          val_fraction=t["val_fraction"], seed=t["seed"], verbose=1)
    info = {"val_loss": result.val_loss, "train_loss": result.train_loss, "unigram": result.unigram,
            "bigram": result.bigram, "seconds": result.seconds}
    print(f"autocomplete: trained in {result.seconds:.1f} s; validation loss {result.val_loss:.3f} nats/char "
          f"(bigram {result.bigram:.3f}, unigram {result.unigram:.3f})", file=sys.stderr)
    return result.model, info


def _check_finite(model: Any) -> None:
    import numpy as np

    for name, p in model.named_parameters():
        if not np.all(np.isfinite(p.data)):
            raise ValueError(f"parameter {name} holds NaN or Inf")


def _read_info(path: Path) -> dict[str, Any]:
    """The losses saved beside the weights; {} if the file is missing or unreadable (not needed)."""
    try:
        info = json.loads(path.with_suffix(".json").read_text())
        return {key: float(info[key]) for key in ("val_loss", "train_loss", "unigram", "bigram", "seconds")}
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


# ----------------------------------------------------------------------------- output

def format_report(prefix: str, trie_hits: list[tuple[str, int]], model_hits: list[tuple[str, float]],
                  real_names: Any, method: str, temperature: float, info: dict[str, Any]) -> str:
    """The two lists side by side in sections; `real_names` supports `in` (the Trie)."""
    width = max([len(w) for w, _ in trie_hits + model_hits] + [8]) + 2
    lines = [f'Trie: census names starting with "{prefix}", by count (per 100,000 people)']
    if trie_hits:
        lines += [f"  {i:2d}. {word:<{width}}{count:>8}" for i, (word, count) in enumerate(trie_hits, 1)]
    else:
        lines.append("      (no census name starts with it)")
    how = "beam search" if method == "beam" else "sampling"
    temp = "" if temperature == 1.0 else f", temperature {temperature:g}"
    lines += ["", f'Model: character-level MLP, {how}{temp}; P(completion | "{prefix}"), end of name included']
    if model_hits:
        for i, (word, p) in enumerate(model_hits, 1):
            mark = "  * real name" if word in real_names else ""
            lines.append(f"  {i:2d}. {word:<{width}}{_prob(p):>8}{mark}")
    else:
        lines.append("      (no completion found)")
    if "val_loss" in info:
        lines += ["", f"model: {info['val_loss']:.3f} nats/char on held-out names "
                      f"(bigram {info['bigram']:.3f}, unigram {info['unigram']:.3f})"]
    return "\n".join(lines)


def _prob(p: float) -> str:
    """0.2841, or 3.1e-06 when four decimals would show only zeros."""
    return f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}"
