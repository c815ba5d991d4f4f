"""Measure vanishing gradients: build a deep MLP, run one backward pass, print the per-layer report.

    tinygrad-edu vanishing --depth 20 --activation sigmoid      # first layer's gradient ~1e-12 of the last
    tinygrad-edu vanishing --depth 20 --activation relu          # He init: within a small factor
    tinygrad-edu vanishing --depth 20 --activation sigmoid --batchnorm

The network is MLP(16, [width] * depth, 4) on a random batch with a cross-entropy loss; the
report is `nn.diagnostics.gradient_flow(model, loss).report()`.
"""

from __future__ import annotations

import argparse

from . import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--depth", type=int, default=20, help="number of hidden layers (default 20)")
    parser.add_argument("--activation", default="sigmoid",
                        help="sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus (default sigmoid)")
    parser.add_argument("--init", default=None,
                        help="weight init: he, he_uniform, xavier, xavier_normal, normal, ... "
                             "(default: Xavier for sigmoid/tanh, He otherwise)")
    parser.add_argument("--batchnorm", action="store_true", help="BatchNorm1d after every hidden Linear")
    parser.add_argument("--width", type=int, default=32, help="units per hidden layer (default 32)")
    parser.add_argument("--batch", type=int, default=64, help="batch size of the random input (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plot", metavar="PNG", default=None, help="also save the gradient-flow plot here")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.depth <= 500:
        raise UsageError(f"--depth must be between 1 and 500, got {args.depth}")
    if not 1 <= args.width <= 4096:
        raise UsageError(f"--width must be between 1 and 4096, got {args.width}")
    if not 2 <= args.batch <= 100_000:
        raise UsageError(f"--batch must be between 2 and 100000, got {args.batch}")
    import numpy as np

    import nn
    from nn.diagnostics import gradient_flow

    from .. import manual_seed

    try:
        act = nn.get_activation(args.activation)
    except ValueError as e:
        raise UsageError(f"--activation: {e}") from None
    if act.__name__ == "Softmax":
        raise UsageError("--activation: softmax is an output layer, not a hidden activation")
    manual_seed(args.seed)
    try:
        model = nn.MLP(16, [args.width] * args.depth, 4, activation=args.activation,
                       batchnorm=args.batchnorm, init=args.init)
    except ValueError as e:
        raise UsageError(f"--init: {e}") from None
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.batch, 16))
    y = rng.integers(0, 4, args.batch)
    loss = nn.cross_entropy(model(X), y)
    monitor = gradient_flow(model, loss)
    init = args.init or ("xavier" if act.__name__ in ("Sigmoid", "Tanh") else "he")
    print(f"MLP with {args.depth} hidden layers of {args.width} {act.__name__} units, init={init}"
          + (", BatchNorm" if args.batchnorm else "") + f"; one backward pass on a batch of {args.batch}\n")
    print(monitor.report())
    first, last = monitor.latest()[0], monitor.latest()[-1]
    ratio = first["grad_norm"] / last["grad_norm"] if last["grad_norm"] else float("nan")
    print(f"\nFirst layer's gradient norm is {ratio:.1e} x the last layer's"
          + (" (vanishing)." if ratio < 1e-3 else " (exploding)." if ratio > 1e3 else "."))
    if args.plot:
        from viz import plot_grad_flow

        plot_grad_flow({f"{act.__name__}, depth {args.depth}": monitor}, path=args.plot)
        print(f"plot: {args.plot}")
    return 0
