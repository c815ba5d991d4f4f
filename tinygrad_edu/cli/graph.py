"""Draw the computation graph of an expression: graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88

The expression is parsed safely (a whitelist of operators and functions, never eval), backward
runs from its result, and the graph with every value and gradient is written to -o FILE
(graph.svg by default; .png and .pdf work too, and .dot/.gv writes the Graphviz source without
needing Graphviz). Functions: exp log tanh sigmoid relu sqrt abs sin cos softplus gelu elu
leaky_relu max min; constants pi and e.
"""

from __future__ import annotations

import argparse
import math
import os

from ..expr import ExpressionError, parse_expression
from . import UsageError

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}


def parse_assignments(items: list[str]) -> dict[str, float]:
    """['x=2', 'y=-1.5'] -> {'x': 2.0, 'y': -1.5}; UsageError on anything else."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set expects NAME=NUMBER, got {item!r}")
        if not name.isidentifier() or name.startswith("_"):
            raise UsageError(f"--set: bad name {name!r} (letters, digits and _, not starting with _)")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"--set {name}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--set {name}: the value must be finite")
        out[name] = value
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)"')
    parser.add_argument("--set", dest="assign", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                        help="give a variable a value (repeatable: --set x=2 --set w=-3, or --set x=2 w=-3)")
    parser.add_argument("-o", "--output", default="graph.svg",
                        help="output file: .svg (default graph.svg), .png, .pdf, or .dot/.gv for the source")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction (default LR)")
    parser.add_argument("--color-by-grad", action="store_true", help="shade nodes by |grad| (log scale)")
    parser.add_argument("--no-backward", action="store_true", help="draw the forward graph only")


def run(args: argparse.Namespace) -> int:
    variables = parse_assignments(args.assign)
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in FORMATS:
        raise UsageError(f"-o: unknown file type {ext or '(none)'!r}; use one of {', '.join(FORMATS)}")
    try:
        root = parse_expression(args.expression, variables)
    except ExpressionError as e:
        hint = f" (e.g. --set {' '.join(f'{n}=1.0' for n in e.unknown)})" if e.unknown else ""
        raise UsageError(f"graph: {e}{hint}") from None
    if not root.label:
        root.label = "out"
    if not args.no_backward and root.requires_grad:
        root.backward()
    from viz.graph import GraphvizNotFound, draw_graph, render_svg

    dot = draw_graph(root, rankdir=args.rankdir, color_by="grad" if args.color_by_grad else None,
                     show_grad=not args.no_backward)
    fmt = FORMATS[ext]
    try:
        if fmt is None:
            data: bytes = dot.source.encode()
        elif fmt == "svg":
            data = render_svg(dot).encode()
        else:
            from viz.graph import check_dot

            check_dot()
            data = dot.pipe(format=fmt)
    except GraphvizNotFound as e:
        raise UsageError(f"graph: {e} (or write the source with -o graph.dot)") from None
    try:
        with open(args.output, "wb") as f:
            f.write(data)
    except OSError as e:
        raise UsageError(f"cannot write {args.output}: {e.strerror}") from None
    print(f"{root.label} = {float(root.data) if root.size == 1 else root.shape}")
    print(os.path.abspath(args.output))
    return 0
