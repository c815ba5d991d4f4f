"""The lessons' pictures, with matplotlib. Each function returns the Figure and saves a PNG when
given `path=`; nothing is shown on screen (the Agg backend is used when there is no display).

    plot_activations(["sigmoid", "relu"])             # f and f', saturating regions shaded
    plot_grad_flow({"sigmoid": m1, "relu": m2})       # per-layer gradient norm, log scale
    plot_optimizer_paths(testfns.rosenbrock, {"SGD": lambda p: SGD(p, lr=1e-3)})
    plot_history(fit(...))                            # loss, metrics, early stop, LR changes
    plot_decision_boundary(model, X, y)               # 2-D classifier regions
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")  # headless (CI, servers): draw to files, never try to open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from optim.catalog import trajectory  # noqa: E402
from tinygrad_edu import Value, no_grad  # noqa: E402

__all__ = ["plot_activations", "plot_grad_flow", "plot_optimizer_paths", "plot_history",
           "plot_decision_boundary"]

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
SATURATION = 0.01  # f'(x) below this: the gradient through the unit nearly stops
SHADE = "#b0b0b0"  # saturated regions: grey, so they never look like one of the curves
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _finish(fig: Figure, path: Any) -> Figure:
    """Save when asked; detach the figure from pyplot so loops of plots do not leak memory."""
    if path is not None:
        fig.savefig(os.fspath(path), dpi=110, bbox_inches="tight")
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------------- activations

def plot_activations(names: Sequence[str] | None = None, path: Any = None) -> Figure:
    """Each activation f(x) and its derivative f'(x) on [-6, 6], one panel per function.

    Regions where f'(x) < 0.01 are shaded: there the unit passes (almost) no gradient, so it stops
    learning (sigmoid and tanh saturate on both sides; ReLU is dead for x < 0). The derivatives are
    `nn`'s analytic ones (`nn.get_activation(name).derivative`).
    """
    import nn

    names = list(DEFAULT_ACTIVATIONS if names is None else ([names] if isinstance(names, str) else names))
    if not names:
        raise ValueError("plot_activations: give at least one activation name")
    acts = []
    for name in names:
        acts.append((name, nn.get_activation(name)))
    cols = min(3, len(acts))
    rows = math.ceil(len(acts) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    x = np.linspace(-6, 6, 1201)
    for ax, (_name, cls) in zip(axes.flat, acts):
        f, d = _curves(cls, x)
        _shade_where(ax, x, np.abs(d) < SATURATION)
        ax.axhline(0, color="#999999", lw=0.6)
        ax.axvline(0, color="#999999", lw=0.6)
        ax.plot(x, f, color=COLORS[0], lw=2, label="f(x)")
        ax.plot(x, d, color=COLORS[3], lw=2, ls="--", label="f'(x)")
        k = int(np.argmax(d))
        ax.plot(x[k], d[k], "o", color=COLORS[3], ms=5)
        ax.text(0.03, 0.95, f"max f'(x) = {d[k]:.2g}", transform=ax.transAxes, fontsize=9, va="top",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        ax.set_title(cls.__name__ + (" of (x, 0), entry 0" if _vector_valued(cls) else ""), fontsize=12)
        ax.set_xlim(-6, 6)
        lo, hi = min(f.min(), d.min()), max(f.max(), d.max())
        ax.set_ylim(max(lo, -2.0) - 0.15, min(hi, 3.0) + 0.35)
        ax.set_xlabel("x")
    for ax in list(axes.flat)[len(acts):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    from matplotlib.patches import Patch

    handles.append(Patch(color=SHADE, alpha=0.35))
    labels.append(f"|f'(x)| < {SATURATION:g}: almost no gradient (saturated / dead)")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=10,
               bbox_to_anchor=(0.5, -0.01))
    fig.suptitle("Activation functions and their derivatives", fontsize=13)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return _finish(fig, path)


def _vector_valued(cls: Any) -> bool:
    return getattr(cls, "__name__", "") in ("Softmax", "Softmin")


def _curves(cls: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) on the grid. Softmax and softmin map vectors to vectors: plotted is entry 0
    of f((x, 0)) (the two-class case, a sigmoid for softmax) and its diagonal derivative."""
    if _vector_valued(cls):
        pairs = np.stack([x, np.zeros_like(x)], axis=-1)
        return (np.asarray(cls.function(pairs), dtype=float)[:, 0],
                np.asarray(cls.derivative(pairs), dtype=float)[:, 0])
    return np.asarray(cls.function(x), dtype=float), np.asarray(cls.derivative(x), dtype=float)


def _shade_where(ax: Any, x: np.ndarray, mask: np.ndarray) -> None:
    """Shade each contiguous x-interval where mask is true."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        ax.axvspan(x[a], x[b - 1], color=SHADE, alpha=0.35, lw=0)


# ---------------------------------------------------------------------------------- gradient flow

def _layer_records(obj: Any) -> list[dict]:
    """Per-layer dicts of the last recorded step from a GradientMonitor or a list of its stats."""
    if hasattr(obj, "latest"):
        return list(obj.latest())
    records = list(obj)
    if not records or not all(isinstance(r, Mapping) and "grad_norm" in r for r in records):
        raise TypeError("plot_grad_flow: expected a GradientMonitor, gradient_flow(...) result or a list of "
                        "its stats dicts (with 'layer' and 'grad_norm'), or a dict {label: one of those}")
    last = max(r.get("step", 0) for r in records)
    return [r for r in records if r.get("step", 0) == last]


def plot_grad_flow(monitor_or_stats: Any, path: Any = None, title: str | None = None) -> Figure:
    """Gradient norm of each layer's weight, first layer to last, on a log scale.

    Pass one `GradientMonitor` (or `gradient_flow(model, loss)`, or `monitor.stats()`), or a dict
    `{label: monitor}` to compare networks on one figure, e.g. a deep sigmoid net against a deep
    ReLU net: the sigmoid curve falls by orders of magnitude towards the first layer (vanishing
    gradients) while ReLU's stays flat.
    """
    if isinstance(monitor_or_stats, Mapping) and "grad_norm" not in monitor_or_stats:
        series = {str(k): _layer_records(v) for k, v in monitor_or_stats.items()}
    else:
        series = {"": _layer_records(monitor_or_stats)}
    fig, ax = plt.subplots(figsize=(9, 4.6))
    longest: list[str] = []
    for i, (label, recs) in enumerate(series.items()):
        g = np.array([np.nan if r["grad_norm"] is None else r["grad_norm"] for r in recs], dtype=float)
        g = np.where(g > 0, g, np.nan)  # log scale: a zero gradient cannot be drawn, leave a gap
        layers = np.arange(1, len(recs) + 1)
        ratio = g[0] / g[-1] if len(g) and np.isfinite(g[0]) and np.isfinite(g[-1]) and g[-1] else math.nan
        name = (f"{label}: " if label else "") + f"first/last layer = {ratio:.1e}"
        ax.plot(layers, g, marker="o", ms=5, lw=2, color=COLORS[i % len(COLORS)], label=name)
        bad = [k for k, r in enumerate(recs) if r.get("verdict") in ("vanishing", "exploding")]
        if bad:
            ax.scatter(layers[bad], g[bad], s=90, facecolors="none", edgecolors="#d62728", lw=1.5, zorder=3)
        if len(recs) > len(longest):
            longest = [str(k + 1) for k in range(len(recs))]
    ax.set_yscale("log")
    ax.set_xlabel("layer with weights, counted from the input (1 = first layer, right = output layer)")
    ax.set_ylabel("‖dL/dW‖  (log scale)")
    n = len(longest)
    step = max(1, math.ceil(n / 20))  # at most ~20 tick labels so they never overlap
    ticks = list(range(1, n + 1, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([longest[t - 1] for t in ticks], fontsize=9)
    ax.grid(True, which="major", axis="y", alpha=0.3)
    if any(r.get("verdict") in ("vanishing", "exploding") for recs in series.values() for r in recs):
        ax.scatter([], [], s=90, facecolors="none", edgecolors="#d62728", label="verdict: vanishing/exploding")
    ax.legend(fontsize=9, loc="best")
    ax.set_title(title or "Gradient flow: weight-gradient norm per layer", fontsize=12)
    fig.tight_layout()
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- optimizers

def _grid_values(fn: Callable, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """fn on a grid: one vectorised call when fn is written with indexing and arithmetic (as
    `optim.testfns` are), else point by point."""
    with no_grad():
        try:
            Z = np.asarray(fn(Value(np.stack([X, Y]))).data, dtype=float)
            if Z.shape == X.shape:
                return Z
        except Exception:  # noqa: BLE001 - any failure: fall back to the slow, sure way
            pass
        return np.array([[float(fn(Value(np.array([x, y]))).item()) for x, y in zip(rx, ry)]
                         for rx, ry in zip(X, Y)])


def plot_optimizer_paths(fn: Callable, optimizers: Mapping[str, Callable], steps: int = 200,
                         start: Any = None, path: Any = None) -> Figure:
    """Contours of a 2-D function with each optimizer's path from the same start.

    Args:
        fn: a function of one Value of shape (2,) returning a scalar Value (see `optim.testfns`).
        optimizers: `{name: factory}` where `factory(params) -> Optimizer`, e.g.
            `{"Adam": lambda p: optim.Adam(p, lr=0.05)}`, or `optim.catalog.factories(fn)` for every
            optimizer of the catalog with its learning rate for `fn`.
        steps: optimizer steps per run.
        start: the starting point (default `fn.start`).
    """
    if not optimizers:
        raise ValueError("plot_optimizer_paths: give at least one optimizer factory")
    if start is None:
        start = getattr(fn, "start", None)
        if start is None:
            raise ValueError("plot_optimizer_paths: fn has no `start`; pass start=(x, y)")
    start = np.asarray(start, dtype=float).reshape(2)
    runs = {name: trajectory(fn, factory, int(steps), start) for name, factory in optimizers.items()}
    minimum = getattr(fn, "minimum", None)

    # View: the start, the minimum and the paths, but not a diverged path's far-away points.
    anchor = [start] + ([np.asarray(minimum, dtype=float)] if minimum is not None else [])
    core = np.array(anchor)
    span = max(float(np.ptp(core[:, 0])), float(np.ptp(core[:, 1])), 1.0)
    pts = np.concatenate([core] + [run.points for run in runs.values()])
    center = core.mean(axis=0)
    keep = np.all(np.abs(pts - center) <= 2.5 * span, axis=1)
    lo, hi = pts[keep].min(axis=0), pts[keep].max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 0.5)
    lo, hi = lo - pad, hi + pad
    xs, ys = np.linspace(lo[0], hi[0], 220), np.linspace(lo[1], hi[1], 220)
    X, Y = np.meshgrid(xs, ys)
    Z = _grid_values(fn, X, Y)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [1.35, 1]})
    finite = Z[np.isfinite(Z)]
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, 26) ** 2))  # dense near the minimum
    ax.contourf(X, Y, Z, levels=levels, cmap="Greys_r", alpha=0.35)
    ax.contour(X, Y, Z, levels=levels, colors="#999999", linewidths=0.5)
    for i, (name, run) in enumerate(runs.items()):
        p, losses = run.points, run.losses
        c = COLORS[i % len(COLORS)]
        # Paths often share a valley: earlier runs are drawn wider, so every colour stays visible.
        lw = 1.5 + 3.5 * (len(runs) - 1 - i) / max(len(runs) - 1, 1)
        ax.plot(p[:, 0], p[:, 1], "-", color=c, lw=lw, alpha=0.9, solid_capstyle="round")
        ax.plot(p[-1, 0], p[-1, 1], "o", color=c, ms=7, mec="black", mew=0.8)
        note = f" (diverged at step {run.steps + 1})" if run.status == "diverged" else ""
        ax2.plot(np.arange(len(losses)), losses, color=c, lw=1.8,
                 label=f"{name}: final {losses[-1]:.3g}{note}")
    ax.plot(*start, "s", color="black", ms=8, label="start")
    if minimum is not None:
        ax.plot(*np.asarray(minimum, dtype=float), "*", color="gold", mec="black", ms=16, label="minimum")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    fname = getattr(fn, "__name__", "f")
    ax.set_title(f"{fname}: {steps} steps from ({start[0]:g}, {start[1]:g})", fontsize=12)
    # The optimizers' colours are named once, in the loss panel; here only the markers.
    ax.plot([], [], "o", color="white", mec="black", label="where each run ended")
    ax.legend(fontsize=9, loc="best", framealpha=0.9)
    ax2.set_title("loss per step (colours as on the left)", fontsize=12)
    ax2.set_xlabel("step")
    allv = np.concatenate([run.losses for run in runs.values()])
    if np.all(allv[np.isfinite(allv)] > 0):
        ax2.set_yscale("log")
    else:
        ax2.set_yscale("symlog", linthresh=1e-3)
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=9)
    fig.tight_layout()
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- history

def plot_history(history: Any, path: Any = None) -> Figure:
    """Training curves: the losses, each metric (train and validation), and the learning rate
    when it changes. An EarlyStopping run marks its best epoch and the epoch it stopped at; LR
    changes are marked by dotted vertical lines.

    `history` is what `nn.fit` returns (a `History`) or its `.history` dict.
    """
    h = dict(getattr(history, "history", history))
    if not h:
        raise ValueError("plot_history: the history is empty")
    n = max(len(v) for v in h.values())
    epochs = list(getattr(history, "epoch", []) or range(n))[:n]
    if len(epochs) < n:
        epochs = list(range(n))
    metrics = [k for k in h if k not in ("loss", "val_loss", "lr") and not k.startswith("val_")]
    lr = h.get("lr")
    lr_changes = [epochs[i] for i in range(1, len(lr)) if lr and not math.isclose(lr[i], lr[i - 1])] if lr else []
    panels = ["loss"] + (["metrics"] if metrics else []) + (["lr"] if lr_changes else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False)
    axes = list(axes.flat)
    best = getattr(history, "best_epoch", None)
    stopped = getattr(history, "stopped_epoch", None)
    monitor = getattr(history, "monitor", None)

    def mark(ax: Any) -> None:
        for e in lr_changes:
            ax.axvline(e, color="#9467bd", ls=":", lw=1.2)
        if best is not None:
            ax.axvline(best, color="#2ca02c", ls="--", lw=1.3)
        if stopped is not None:
            ax.axvline(stopped, color="#d62728", ls="-", lw=1.3, alpha=0.7)

    ax = axes[0]
    for i, key in enumerate(("loss", "val_loss")):
        if key in h:
            ax.plot(epochs[:len(h[key])], h[key], color=COLORS[i], lw=2, marker="o" if n <= 30 else None,
                    ms=3, label=key)
    ax.set_title("loss", fontsize=12)
    if metrics:
        ax = axes[1]
        for i, key in enumerate(metrics):
            for ls, k in (("-", key), ("--", f"val_{key}")):
                if k in h:
                    ax.plot(epochs[:len(h[k])], h[k], color=COLORS[(i + 2) % len(COLORS)], ls=ls, lw=2, label=k)
        ax.set_title(", ".join(metrics), fontsize=12)
    if "lr" in panels:
        ax = axes[panels.index("lr")]
        ax.step(epochs[:len(lr)], lr, where="post", color="#9467bd", lw=2, label="lr")
        if max(lr) > 20 * min(lr) > 0:  # log scale only when it spans decades (else cluttered ticks)
            ax.set_yscale("log")
        ax.set_title("learning rate", fontsize=12)
    from matplotlib.lines import Line2D

    extra = []
    if lr_changes:
        extra.append(Line2D([], [], color="#9467bd", ls=":", label="LR changed"))
    if best is not None:
        extra.append(Line2D([], [], color="#2ca02c", ls="--", label=f"best epoch {best}"
                            + (f" ({monitor})" if monitor else "")))
    if stopped is not None:
        extra.append(Line2D([], [], color="#d62728", alpha=0.7, label=f"early stop at epoch {stopped}"))
    for i, ax in enumerate(axes):
        mark(ax)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        more = extra if i == 0 else []  # the vertical markers are explained once, in the first panel
        ax.legend(handles + more, labels + [e.get_label() for e in more], fontsize=9)
    fig.tight_layout()
    return _finish(fig, path)


# ---------------------------------------------------------------------------------- decision boundary

def _predict(out: Any, thr: float | None = None) -> tuple[np.ndarray, np.ndarray | None, float]:
    """Class per row from a model's output: argmax of (n, k) scores, or a threshold on one score
    (0.5 for probabilities in [0, 1], 0 for logits). Returns (classes, the score or None, thr)."""
    out = np.asarray(out.data if isinstance(out, Value) else out, dtype=float)
    if out.ndim == 2 and out.shape[1] == 2:  # two logits: class 1 where logit1 - logit0 > 0
        s = out[:, 1] - out[:, 0]
        return (s > 0).astype(int), s, 0.0
    if out.ndim == 2 and out.shape[1] > 2:
        return out.argmax(axis=1), None, 0.0
    s = out.reshape(-1)
    if thr is None:
        thr = 0.5 if (s.min() >= 0 and s.max() <= 1) else 0.0
    return (s > thr).astype(int), s, thr


def plot_decision_boundary(model: Any, X: Any, y: Any, path: Any = None, resolution: int = 250,
                           title: str | None = None) -> Figure:
    """The class regions of a 2-D classifier with the data on top.

    `model(points)` may return logits or probabilities of shape (n, k) (class = argmax) or one
    score per point of shape (n,) or (n, 1) (class 1 when the score is above 0.5 for outputs in
    [0, 1], else above 0, the logit threshold). The model runs in eval mode, without a graph.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"plot_decision_boundary: X has {len(X)} rows but y has {len(y)}")
    pad = 0.1 * np.ptp(X, axis=0) + 0.1
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    GX, GY = np.meshgrid(xs, ys)
    grid = np.c_[GX.ravel(), GY.ravel()]
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()  # dropout off, batchnorm running statistics: the model as it predicts
    try:
        with no_grad():
            grid_out, data_out = model(grid), model(X)
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    Z, score, thr = _predict(grid_out)
    pred, _, _ = _predict(data_out, thr)
    Z = Z.reshape(GX.shape)
    classes = np.unique(np.concatenate([np.unique(Z), np.unique(y)]))
    from matplotlib.colors import ListedColormap

    palette = [COLORS[i % len(COLORS)] for i in range(len(classes))]
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    ax.contourf(GX, GY, np.searchsorted(classes, Z), levels=np.arange(len(classes) + 1) - 0.5,
                cmap=ListedColormap(palette), alpha=0.25)
    if score is not None:  # the smooth score's threshold contour is the exact boundary
        ax.contour(GX, GY, score.reshape(GX.shape), levels=[thr], colors="black", linewidths=1.5)
    for i, c in enumerate(classes):
        m = y == c
        if m.any():
            ax.scatter(X[m, 0], X[m, 1], s=18, color=palette[i], edgecolor="black", lw=0.4,
                       label=f"class {c:g}")
    acc = float(np.mean(pred == y))
    ax.set_title(title or f"Decision boundary (training accuracy {acc:.1%})", fontsize=12)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.legend(fontsize=9, loc="best")
    fig.tight_layout()
    return _finish(fig, path)
