"""Train an MLP on handwritten digits and write every lesson's picture into a folder.

    tinygrad-edu demo --out demo_out          # about a minute
    tinygrad-edu demo --out demo_out --quick  # a few seconds, smaller runs

Prints the model summary, a progress bar, the test accuracy and the gradient diagnostics, and
writes graph.svg (the loss's computation graph, shaded by |grad|), backprop.html (backward step by
step on one neuron), activations.png, grad_flow.png (20-layer sigmoid vs ReLU), optimizers.png
(Rosenbrock), history.png (the digits run) and decision_boundary.png (two moons); then every
picture the README and the examples show (`lessons.write_lessons`) and index.html linking them all.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import UsageError

FILES = ("graph.svg", "backprop.html", "activations.png", "grad_flow.png", "optimizers.png",
         "history.png", "decision_boundary.png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_out", help="folder for the pictures (default demo_out)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs on the digits (default 30; 5 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smaller, faster runs (for tests and slow machines)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def neuron() -> Any:
    """micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b), every node labelled."""
    from .. import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def train_digits(epochs: int, quick: bool, verbose: int) -> tuple[Any, Any, Any, float, Any]:
    """MLP 64-64-32-10 on load_digits with Adam, early stopping and a step LR schedule."""
    import numpy as np

    import nn
    import optim
    from nn.diagnostics import GradientMonitor

    X, y = nn.data.load_digits()
    X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    model = nn.MLP(64, [64, 32], 10, activation="relu")
    print(model.summary((64,)))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    monitor = GradientMonitor(model, every=10)
    callbacks = [nn.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True),
                 nn.LearningRateScheduler(lambda epoch, lr: lr * 0.3 if epoch in (8, 16) else lr), monitor]
    history = nn.fit(model, nn.cross_entropy, opt, X_train, y_train, epochs=epochs, batch_size=64,
                     validation_split=0.15, callbacks=callbacks, verbose=verbose)
    from .. import no_grad

    model.eval()
    with no_grad():
        acc = float(np.mean(np.argmax(model(X_test).data, axis=1) == y_test))
    return model, history, monitor, acc, (X_test[:16], y_test[:16])


def run(args: argparse.Namespace) -> int:
    epochs = args.epochs if args.epochs is not None else (5 if args.quick else 30)
    if not 1 <= epochs <= 1000:
        raise UsageError(f"--epochs must be between 1 and 1000, got {epochs}")
    out = args.out
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--out: cannot create {out!r}: {e.strerror}") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"--out: {out!r} is not writable")

    import numpy as np

    import nn
    import optim
    import viz
    from nn.diagnostics import gradient_flow

    from .. import manual_seed

    manual_seed(args.seed)
    path = lambda name: os.path.join(out, name)  # noqa: E731
    written, skipped = [], []

    print("== Training an MLP on handwritten digits (8x8 pixels, 10 classes) ==")
    model, history, monitor, acc, (xb, yb) = train_digits(epochs, args.quick, 0 if args.no_progress else 1)
    stop = f", early stop at epoch {history.stopped_epoch}" if history.stopped_epoch is not None else ""
    print(f"test accuracy: {acc:.1%} after {len(history.epoch)} epochs{stop}\n")
    print("== Gradient diagnostics (last recorded step) ==")
    print(monitor.report(), "\n")
    monitor.remove()

    # The loss of a small batch, drawn as a graph shaded by |grad| (tensors show their statistics).
    model.zero_grad()
    loss = nn.cross_entropy(model(xb), yb)
    loss.label = "loss"
    loss.backward()
    try:
        viz.save_svg(viz.draw_graph(loss, color_by="grad"), path("graph.svg"))
        written.append("graph.svg")
        viz.animate_backward(neuron(), path("backprop.html"))
        written.append("backprop.html")
    except viz.GraphvizNotFound as e:
        print(f"skipped graph.svg and backprop.html: {e}")
        skipped += ["graph.svg", "backprop.html"]

    viz.plot_activations(path=path("activations.png"))
    written.append("activations.png")

    # Vanishing gradients: the same deep network with sigmoid (Xavier) and ReLU (He).
    depth = 10 if args.quick else 20
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((64, 16))
    y = rng.integers(0, 4, 64)
    flows = {}
    for act in ("sigmoid", "relu"):
        deep = nn.MLP(16, [32] * depth, 4, activation=act)
        flows[f"{depth}-layer {act}"] = gradient_flow(deep, nn.cross_entropy(deep(X), y))
    viz.plot_grad_flow(flows, path=path("grad_flow.png"),
                       title=f"Gradient norm per layer, {depth} hidden layers: sigmoid vanishes, ReLU does not")
    written.append("grad_flow.png")

    racers = optim.catalog.factories("rosenbrock", which=("sgd", "momentum", "rmsprop", "adam"))
    viz.plot_optimizer_paths(optim.testfns.rosenbrock, racers, steps=150 if args.quick else 500,
                             path=path("optimizers.png"))
    written.append("optimizers.png")

    viz.plot_history(history, path=path("history.png"))
    written.append("history.png")

    Xm, ym = nn.data.make_moons(300, noise=0.2, random_state=args.seed)
    moons = nn.MLP(2, [16, 16], 2, activation="tanh")
    nn.fit(moons, nn.cross_entropy, optim.Adam(moons.parameters(), lr=0.03), Xm, ym,
           epochs=40 if args.quick else 150, batch_size=32, verbose=0)
    viz.plot_decision_boundary(moons, Xm, ym, path=path("decision_boundary.png"),
                               title="Two moons: a 2-16-16-2 tanh MLP's decision boundary")
    written.append("decision_boundary.png")

    from .lessons import write_lessons  # every picture the README and the lessons show, then index.html

    written += [name for name in write_lessons(out, quick=args.quick) if name not in written]

    print(f"== Wrote {len(written)} files to {os.path.abspath(out)} ==")
    for name in written:
        print(f"  {path(name)}")
    if skipped:
        print(f"(not written: {', '.join(skipped)}; install Graphviz to get them)")
        return 1
    print("Open index.html for every picture, and backprop.html to watch backpropagation (press Next).")
    return 0
