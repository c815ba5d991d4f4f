"""The `tinygrad-edu` command line. Each subcommand lives in its own module here and registers
itself in COMMANDS; `nn`, `optim` and `viz` are imported lazily, inside the commands, so
`import tinygrad_edu` never loads them.

Every error prints one line to stderr and exits with status 2, never a traceback: bad input
(a `UsageError` from the argument checks) and anything a command raises on input it could not
handle. Set TINYGRAD_EDU_TRACEBACK=1 to see the traceback of the latter (when reporting a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Sequence

# name -> module defining `add_arguments(parser)` and `run(args) -> int`
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "graph": "graph",
    "gradcheck": "gradcheck_cmd",
    "vanishing": "vanishing",
    "optimizers": "optimizers",
    "autocomplete": "autocomplete",
    "serve": "serve",
    "rnn-clipping": "rnn_clipping",
    "mnist1d": "mnist1d",
}


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default prints usage; we print one line
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinygrad-edu", description="See backpropagation happen: tinygrad_edu's lessons.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{module}":
                continue  # not built yet
            raise
        p = sub.add_parser(name, help=mod.__doc__.strip().splitlines()[0] if mod.__doc__ else None,
                           description=mod.__doc__)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        run: Callable[[argparse.Namespace], int] | None = getattr(args, "_run", None)
        if run is None:
            parser.print_help()
            return 2
        with _small_matrix_threads():
            return run(args)
    except UsageError as e:
        print(f"error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the promise is one line, whatever went wrong
        if os.environ.get("TINYGRAD_EDU_TRACEBACK"):
            raise
        command = getattr(args, "command", None) or "tinygrad-edu"
        print(f"error: {command}: {type(e).__name__}: {one_line(str(e))}", file=sys.stderr)
        return 2


def import_modules(names: Sequence[str]) -> None:
    """Import the user's modules named on the command line (`--module`), so the ops, layers or
    optimizers they define and register take part; UsageError when one cannot be imported."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise UsageError(f"--module {name}: cannot import it ({e})") from None


def one_line(text: str, limit: int = 300) -> str:
    """`text` with its white space folded into single spaces, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _small_matrix_threads() -> contextlib.AbstractContextManager:
    """One BLAS thread for the commands, unless the user chose a number (OPENBLAS_NUM_THREADS,
    OMP_NUM_THREADS, MKL_NUM_THREADS).

    The lessons' matrices are small (a batch of 64 by a few hundred): splitting each product over
    threads costs more than it saves, and on a busy 2-core machine spinning BLAS threads made
    training several times slower. numpy is loaded by now, so only threadpoolctl can change it.
    """
    if any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
