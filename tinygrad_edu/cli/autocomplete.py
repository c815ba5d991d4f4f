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
(Training and caching: `nn.charlm.load_or_train`.)
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from typing import Any

from . import UsageError

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
    parser.add_argument("--model", choices=("mlp", "gru", "lstm"), default="mlp",
                        help="mlp (default), or also a recurrent language model (gru, lstm) shown after the MLP")


def run(args: argparse.Namespace) -> int:
    prefix, k, temperature = _check_args(args)
    from nn.charlm import complete, load_or_train
    from nn.text import CharVocab, Trie, load_names
    from optim import catalog

    names = load_names()
    trie = Trie(names)
    vocab = CharVocab(name for name, _ in names)
    model, info = load_or_train([name for name, _ in names], vocab, lambda params, lr: catalog.make("adam", params, lr),
                                retrain=args.retrain, log=lambda message: print(f"autocomplete: {message}",
                                                                                 file=sys.stderr))

    rng = None
    if args.method == "sample":
        import numpy as np

        rng = np.random.default_rng(args.seed)
    trie_hits = trie.complete(prefix, k)
    model_hits = complete(model, vocab, prefix, k=k, method=args.method, temperature=temperature, rng=rng)
    print(format_report(prefix, trie_hits, model_hits, trie, args.method, temperature, info))
    if args.model != "mlp":  # the recurrent model, compared with the MLP above
        rnn, rnn_info = load_or_train([name for name, _ in names], vocab,
                                      lambda params, lr: catalog.make("adam", params, lr), retrain=args.retrain,
                                      log=lambda message: print(f"autocomplete: {message}", file=sys.stderr),
                                      model_name=args.model)
        hits = complete(rnn, vocab, prefix, k=k, method=args.method, temperature=temperature, rng=rng)
        print()
        print(format_report(prefix, trie_hits, hits, trie, args.method, temperature, rnn_info,
                            model_name=args.model.upper(), show_trie=False))
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


# ----------------------------------------------------------------------------- output

def format_report(prefix: str, trie_hits: list[tuple[str, int]], model_hits: list[tuple[str, float]],
                  real_names: Any, method: str, temperature: float, info: dict[str, Any],
                  model_name: str = "MLP", show_trie: bool = True) -> str:
    """The two lists side by side in sections; `real_names` supports `in` (the Trie)."""
    width = max([len(w) for w, _ in trie_hits + model_hits] + [8]) + 2
    lines = [f'Trie: census names starting with "{prefix}", by count (per 100,000 people)']
    if trie_hits:
        lines += [f"  {i:2d}. {word:<{width}}{count:>8}" for i, (word, count) in enumerate(trie_hits, 1)]
    else:
        lines.append("      (no census name starts with it)")
    if not show_trie:
        lines = []
    how = "beam search" if method == "beam" else "sampling"
    temp = "" if temperature == 1.0 else f", temperature {temperature:g}"
    lines += ["", f'Model: character-level {model_name}, {how}{temp}; P(completion | "{prefix}"), end of name included']
    if not show_trie:
        lines = lines[1:]
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
