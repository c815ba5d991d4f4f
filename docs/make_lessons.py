"""Regenerate the pictures of the README's lessons:  python docs/make_lessons.py

Each block below is the code quoted in the README. PNGs are re-saved with a 256-colour palette
so the repository stays small.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def shrink(path: Path) -> None:
    """Palette-quantise a PNG (the plots use few colours; this cuts the size 2-4x)."""
    from PIL import Image

    img = Image.open(path).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def lesson_activations() -> None:
    from viz import plot_activations

    plot_activations(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"], path=HERE / "activations.png")


def lesson_vanishing() -> None:
    import nn
    from nn.diagnostics import gradient_flow
    from tinygrad_edu import manual_seed
    from viz import plot_grad_flow

    manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 16)), rng.integers(0, 4, 64)
    flows = {}
    for act in ("sigmoid", "tanh", "relu"):
        model = nn.MLP(16, [32] * 20, 4, activation=act)  # Xavier for sigmoid/tanh, He for ReLU
        flows[f"20-layer {act}"] = gradient_flow(model, nn.cross_entropy(model(X), y))
    plot_grad_flow(flows, path=HERE / "grad_flow.png")


def lesson_optimizers() -> None:
    import optim
    from viz import plot_optimizer_paths

    racers = {"SGD (lr=1e-3)": lambda p: optim.SGD(p, lr=1e-3),
              "Momentum 0.9 (lr=1e-3)": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
              "RMSprop (lr=1e-2)": lambda p: optim.RMSprop(p, lr=1e-2),
              "Adam (lr=5e-2)": lambda p: optim.Adam(p, lr=5e-2)}
    plot_optimizer_paths(optim.testfns.rosenbrock, racers, steps=500, path=HERE / "optimizers.png")


def lesson_regularization() -> None:
    import nn
    import optim
    from tinygrad_edu import manual_seed
    from viz import plot_decision_boundary

    X, y = nn.data.make_moons(60, noise=0.3, random_state=1)  # few, noisy points: easy to overfit
    for name, wd in (("none", 0.0), ("l2", 1e-2)):
        manual_seed(0)
        model = nn.MLP(2, [64, 64], 2)
        loss_fn = lambda out, t, m=model, wd=wd: nn.cross_entropy(out, t) + wd * nn.l2_penalty(m.parameters())  # noqa: E731
        nn.fit(model, loss_fn, optim.Adam(model.parameters(), lr=1e-2), X, y, epochs=400, batch_size=None,
               verbose=0)
        title = "no regularization" if wd == 0 else f"L2 penalty, {wd:g} * sum(w**2)"
        plot_decision_boundary(model, X, y, path=HERE / f"regularization_{name}.png", title=title)


def lesson_early_stopping() -> None:
    import nn
    import optim
    from tinygrad_edu import manual_seed
    from viz import plot_history

    manual_seed(0)
    X, y = nn.data.make_moons(200, noise=0.35, random_state=2)
    model = nn.MLP(2, [64, 64], 2)
    history = nn.fit(model, nn.cross_entropy, optim.Adam(model.parameters(), lr=1e-2), X, y, epochs=300,
                     batch_size=None, validation_split=0.5, verbose=0,
                     callbacks=[nn.EarlyStopping(monitor="val_loss", patience=40, restore_best_weights=True),
                                nn.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch == 30 else lr)])
    plot_history(history, path=HERE / "early_stopping.png")


if __name__ == "__main__":
    for lesson in (lesson_activations, lesson_vanishing, lesson_optimizers, lesson_regularization,
                   lesson_early_stopping):
        lesson()
    for png in HERE.glob("*.png"):
        shrink(png)
        print(f"{png.name}: {png.stat().st_size // 1024} KB")
