"""Is my network learning? Per-layer gradient and activation statistics, and a verdict per layer.

Backpropagation multiplies one local derivative per layer. A sigmoid's derivative is at most
0.25, so through 20 sigmoid layers the first layer's gradient shrinks by ~0.25**20 ~ 1e-12:
it stops learning (vanishing gradients). Derivatives above 1 compound the other way (exploding).
ReLU with He initialisation keeps the gradient's scale from layer to layer, and BatchNorm
re-centres every layer's input. This module measures it.

Two ways in::

    monitor = GradientMonitor(model)            # hooks the model's layers
    for xb, yb in loader:                       # a manual loop ...
        optimizer.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward()
        monitor.step()                          # ... records one step (after backward)
        optimizer.step()
    print(monitor.report())

    fit(model, loss_fn, opt, X, y, callbacks=[GradientMonitor(model)])   # ... or as a callback

    print(gradient_flow(model, loss).report())  # one backward pass, no monitor set up beforehand

What is measured, per weight layer (each module whose `weight` is a matrix or a kernel: Linear,
Conv2d, Embedding, in `named_modules()` order, named by dotted path) and per step. A BatchNorm's
per-feature scale is not counted as a layer of its own: it belongs to the block of the Linear or
Conv before it, so networks of the same depth plot on the same axis with or without it:

- `grad_norm` = ||dL/dW||_2, `grad_mean_abs` = mean |dL/dW|, `grad_max_abs`, of the weight;
- `weight_norm` = ||W||_2, `weight_std` = std(W);
- `update_ratio` = std(lr * dL/dW) / std(W) when the learning rate is known (given, or read from
  the optimizer in `fit`): the relative size of a plain SGD step, healthy around 1e-3. (With
  Adam the real step differs; the ratio still compares layers with each other.) Without an lr it
  is the measured change std(W_t - W_(t-1)) / std(W_t) between two recorded steps (NaN at the
  first);
- `act_mean`, `act_std`: of the output of the activation that follows the layer (a Sigmoid,
  Tanh, ReLU, ... module running next, or in `gradient_flow` the sigmoid/tanh/relu op whose
  latest layer is this one); None when no activation follows. `out_mean`, `out_std`: of the
  layer's own output (in `gradient_flow`: its pre-activation, when an activation follows);
- `saturated`: fraction of saturated units, sigmoid outputs < SIGMOID_LOW or > SIGMOID_HIGH
  (near 0 or 1, where the derivative s(1-s) is ~0), tanh outputs with |t| > TANH_SATURATION;
  None for other activations;
- `dead`: fraction of ReLU units (features; for conv maps, channels) that output 0 for every
  sample (and position) of the batch: they pass no gradient at all. None for non-ReLU.

Verdict per layer, checked in this order, from the weight's grad norm g and the last layer's g_L:

- "exploding": g is NaN/Inf, or g > EXPLODING_ABS (1e3), or g > EXPLODING_RATIO (1e3) * g_L;
- "vanishing": g < VANISHING_ABS (1e-7), or g < VANISHING_RATIO (1e-3) * g_L;
- "dead":      dead > DEAD_FRACTION (50%);
- "saturated": saturated > SATURATED_FRACTION (5%);
- "healthy":   otherwise.

The data, for plotting (`viz.plot_grad_flow(monitor_or_stats)`) or a DataFrame:

- `monitor.latest()` -> list[dict], one dict per layer (in order) for the last recorded step, with
  the keys `step, layer, type, index, grad_norm, grad_mean_abs, grad_max_abs, weight_norm,
  weight_std, update_ratio, activation, act_mean, act_std, out_mean, out_std, saturated, dead`
  (floats; None where not applicable) plus `ratio_to_last` (g / g_L) and `verdict` (str);
- `monitor.stats()` -> the same dicts for every recorded step, flattened (step-major);
- `monitor.signals` -> per recorded step, per layer, ||dL/d(layer output)||_2: the error signal
  backpropagated to each layer, read by a full backward hook (`Module.register_full_backward_hook`)
  while backward runs (None for a layer whose output got no gradient);
- `monitor.series(key)` -> numpy array (steps, layers); `monitor.layer_names` -> list[str].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import Value, topological_order

from .callbacks import Callback, TrainerState, get_lr

__all__ = [
    "GradientMonitor",
    "gradient_flow",
    "verdict",
    "VANISHING_RATIO",
    "VANISHING_ABS",
    "EXPLODING_RATIO",
    "EXPLODING_ABS",
    "SATURATED_FRACTION",
    "DEAD_FRACTION",
    "SIGMOID_LOW",
    "SIGMOID_HIGH",
    "TANH_SATURATION",
]

VANISHING_RATIO = 1e-3   # grad norm below this times the last layer's: vanishing
VANISHING_ABS = 1e-7     # ... or below this in absolute terms
EXPLODING_RATIO = 1e3    # grad norm above this times the last layer's: exploding
EXPLODING_ABS = 1e3      # ... or above this in absolute terms (or NaN/Inf)
SATURATED_FRACTION = 0.05
DEAD_FRACTION = 0.5
SIGMOID_LOW, SIGMOID_HIGH = 0.03, 0.97
TANH_SATURATION = 0.97

_ACTIVATIONS = {"sigmoid", "tanh", "relu", "leakyrelu", "elu", "gelu", "softplus"}


# ----------------------------------------------------------------------------- statistics

def _activation_stats(kind: str, a: np.ndarray) -> dict[str, Any]:
    """Mean/std of an activation output, and its saturated or dead fraction."""
    a = np.asarray(a, dtype=np.float64)
    stats: dict[str, Any] = {"activation": kind, "act_mean": float(a.mean()), "act_std": float(a.std()),
                             "saturated": None, "dead": None}
    if kind == "sigmoid":
        stats["saturated"] = float(np.mean((a < SIGMOID_LOW) | (a > SIGMOID_HIGH)))
    elif kind == "tanh":
        stats["saturated"] = float(np.mean(np.abs(a) > TANH_SATURATION))
    elif kind == "relu" and a.ndim >= 2:
        # a unit is feature j (axis 1); for conv maps the whole channel over all positions
        per_unit = a.reshape(a.shape[0], a.shape[1], -1)
        stats["dead"] = float(np.mean(np.all(per_unit <= 0, axis=(0, 2))))
    elif kind == "relu":
        stats["dead"] = float(np.all(a <= 0))
    return stats


def _weight_stats(w: Value, lr: float | None, previous: np.ndarray | None) -> dict[str, float]:
    g = np.asarray(w.grad, dtype=np.float64)
    data = np.asarray(w.data, dtype=np.float64)
    std = float(data.std())
    if lr is not None:
        update = lr * float(g.std())
    elif previous is not None:
        update = float((data - previous).std())
    else:
        update = math.nan
    return {
        "grad_norm": float(np.sqrt(np.sum(g * g))),
        "grad_mean_abs": float(np.mean(np.abs(g))),
        "grad_max_abs": float(np.max(np.abs(g))) if g.size else 0.0,
        "weight_norm": float(np.sqrt(np.sum(data * data))),
        "weight_std": std,
        "update_ratio": update / std if std > 0 else math.nan,
    }


def verdict(grad_norm: float, last_grad_norm: float, saturated: float | None = None,
            dead: float | None = None) -> str:
    """The verdict for one layer (rules and thresholds in the module docstring)."""
    g, ref = grad_norm, last_grad_norm
    ref_ok = math.isfinite(ref) and ref > 0
    if not math.isfinite(g) or g > EXPLODING_ABS or (ref_ok and g > EXPLODING_RATIO * ref):
        return "exploding"
    if g < VANISHING_ABS or (ref_ok and g < VANISHING_RATIO * ref):
        return "vanishing"
    if dead is not None and dead > DEAD_FRACTION:
        return "dead"
    if saturated is not None and saturated > SATURATED_FRACTION:
        return "saturated"
    return "healthy"


def _with_verdicts(records: list[dict]) -> list[dict]:
    """Copies of one step's records with `ratio_to_last` and `verdict` (last layer = reference)."""
    if not records:
        return []
    ref = records[-1]["grad_norm"]
    out = []
    for r in records:
        r = dict(r)
        r["ratio_to_last"] = r["grad_norm"] / ref if ref and math.isfinite(ref) else math.nan
        r["verdict"] = verdict(r["grad_norm"], ref, r["saturated"], r["dead"])
        out.append(r)
    return out


def _param_layers(model: Any) -> list[tuple[str, Any]]:
    """(dotted name, module) of each module whose Value `weight` has 2+ dimensions (a matrix or a
    kernel, not a normalization layer's per-feature scale), in named_modules order. A model made
    of normalization layers only falls back to every module with a weight."""
    owners = [(name or type(module).__name__, module) for name, module in model.named_modules()
              if isinstance(getattr(module, "weight", None), Value)]
    layers = [(name, module) for name, module in owners if module.weight.ndim >= 2]
    return layers or owners


def _activation_kind(module: Any) -> str | None:
    kind = type(module).__name__.lower()
    return kind if kind in _ACTIVATIONS else None


# ----------------------------------------------------------------------------- the monitor

class GradientMonitor(Callback):
    """Record per-layer gradient, weight and activation statistics, step by step.

    `GradientMonitor(model, lr=None, every=1)`: forward hooks are attached at once (`remove()`
    detaches them; the monitor is also a context manager). Call `step(lr=None)` after each
    `backward()`, or pass the monitor to `fit(callbacks=[...])`, which records after every
    backward (before the optimizer step) and reads the lr from the optimizer. `every=k` records
    one step in k. See the module docstring for the statistics and the data structure.
    """

    def __init__(self, model: Any, lr: float | None = None, every: int = 1) -> None:
        if every < 1:
            raise ValueError(f"GradientMonitor: every must be >= 1, got {every}")
        self.model = model
        self.lr = lr
        self.every = int(every)
        self.layers = _param_layers(model)
        if not self.layers:
            raise ValueError("GradientMonitor: the model has no layer with a `weight` to monitor")
        self.records: list[list[dict]] = []
        self.signals: list[list[float | None]] = []
        self._calls = 0
        self._previous: list[np.ndarray | None] = [None] * len(self.layers)
        self._out: list[dict] = [{} for _ in self.layers]   # latest forward stats per layer
        self._back: list[dict] = [{} for _ in self.layers]  # latest backward signal per layer
        self._current: int | None = None                     # layer whose output ran last
        self._handles: list[Any] = []
        self.attach()

    layer_names = property(lambda self: [name for name, _ in self.layers])

    # --- hooks: which activation follows which layer is read from the execution order ---------
    def attach(self) -> None:
        """Register the forward hooks (done by the constructor; idempotent)."""
        if self._handles:
            return
        index = {id(m): i for i, (_, m) in enumerate(self.layers)}
        for _, module in self.model.named_modules():
            if id(module) in index:
                self._handles.append(module.register_forward_hook(self._layer_hook(index[id(module)])))
                self._handles.append(module.register_full_backward_hook(self._backward_hook(index[id(module)])))
            elif _activation_kind(module):
                self._handles.append(module.register_forward_hook(self._activation_hook))
        if id(self.model) not in index and not _activation_kind(self.model):
            self._handles.append(self.model.register_forward_hook(self._end_of_forward))

    def remove(self) -> None:
        """Detach every hook (recorded data stays)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> GradientMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _layer_hook(self, i: int):
        def hook(module: Any, inputs: Any, output: Any) -> None:
            out = np.asarray(getattr(output, "data", output), dtype=np.float64)
            self._out[i] = {"out_mean": float(out.mean()), "out_std": float(out.std()),
                            "activation": None, "act_mean": None, "act_std": None,
                            "saturated": None, "dead": None}
            self._current = i
        return hook

    def _backward_hook(self, i: int):
        def hook(module: Any, grad_input: tuple, grad_output: tuple) -> None:
            # dL/d(layer output): the error signal arriving at the layer, before its own weights
            g = np.asarray(grad_output[0], dtype=np.float64)
            self._back[i] = {"out_grad_norm": float(np.sqrt(np.sum(g * g)))}
        return hook

    def _activation_hook(self, module: Any, inputs: Any, output: Any) -> None:
        if self._current is not None:
            kind = _activation_kind(module) or "activation"
            self._out[self._current].update(_activation_stats(kind, getattr(output, "data", output)))
            self._current = None  # one activation per layer: the first one after it

    def _end_of_forward(self, module: Any, inputs: Any, output: Any) -> None:
        self._current = None

    # --- recording ------------------------------------------------------------------------------
    def step(self, lr: float | None = None) -> list[dict] | None:
        """Record the current gradients (call after `backward()`); returns the step's records,
        or None when `every` skips this call."""
        self._calls += 1
        if (self._calls - 1) % self.every:
            return None
        lr = lr if lr is not None else self.lr
        step = len(self.records)
        records = []
        for i, (name, module) in enumerate(self.layers):
            w = module.weight
            rec = {"step": step, "layer": name, "type": type(module).__name__, "index": i}
            rec.update(_weight_stats(w, lr, self._previous[i]))
            rec.update({"activation": None, "act_mean": None, "act_std": None, "out_mean": None,
                        "out_std": None, "saturated": None, "dead": None})
            rec.update(self._out[i])
            if lr is None:  # the next step's ratio needs these weights
                self._previous[i] = np.array(w.data, dtype=np.float64)
            records.append(rec)
        self.records.append(records)
        self.signals.append([b.get("out_grad_norm") for b in self._back])
        return records

    def on_train_begin(self, state: TrainerState, logs: dict) -> None:
        self.attach()  # again, if an earlier remove() detached the hooks

    def on_after_backward(self, state: TrainerState, logs: dict) -> None:
        self.step(lr=get_lr(state.optimizer))

    # --- reading ------------------------------------------------------------------------------
    def latest(self) -> list[dict]:
        """The last step's per-layer dicts, with `ratio_to_last` and `verdict`."""
        if not self.records:
            raise RuntimeError("GradientMonitor: nothing recorded yet; call step() after backward()")
        return _with_verdicts(self.records[-1])

    def stats(self) -> list[dict]:
        """Every recorded step's per-layer dicts (with verdicts), step-major."""
        return [r for step in self.records for r in _with_verdicts(step)]

    def series(self, key: str) -> np.ndarray:
        """`key` over time: array (steps, layers), NaN where the value is None."""
        return np.array([[np.nan if r[key] is None else r[key] for r in step] for step in self.records],
                        dtype=float).reshape(len(self.records), len(self.layers))

    def verdicts(self) -> dict[str, str]:
        """{layer name: verdict} for the last step."""
        return {r["layer"]: r["verdict"] for r in self.latest()}

    def report(self, step: int = -1) -> str:
        """A table of one recorded step (default the last) with a verdict per layer."""
        if not self.records:
            raise RuntimeError("GradientMonitor: nothing recorded yet; call step() after backward()")
        return format_report(_with_verdicts(self.records[step]))

    def __repr__(self) -> str:
        return f"GradientMonitor(layers={len(self.layers)}, steps={len(self.records)})"


# ----------------------------------------------------------------------------- the table

def _fmt(x: Any, pct: bool = False) -> str:
    if x is None:
        return "-"
    if pct:
        return f"{100 * x:.1f}%"
    return f"{x:.2e}" if math.isfinite(x) else str(x)


def format_report(records: list[dict]) -> str:
    """Render one step's records (with verdicts) as a fixed-width table plus the rules."""
    header = ("layer", "type", "grad norm", "/ last", "mean|grad|", "upd/data", "act mean",
              "act std", "saturated", "dead", "verdict")
    rows = [(r["layer"], r["type"], _fmt(r["grad_norm"]), _fmt(r["ratio_to_last"]),
             _fmt(r["grad_mean_abs"]),
             "-" if r["update_ratio"] is None or math.isnan(r["update_ratio"]) else _fmt(r["update_ratio"]),
             "-" if r["act_mean"] is None else f"{r['act_mean']:.3f}",
             "-" if r["act_std"] is None else f"{r['act_std']:.3f}",
             _fmt(r["saturated"], pct=True), _fmt(r["dead"], pct=True), r["verdict"]) for r in records]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    step = records[0]["step"] if records else 0
    counts: dict[str, int] = {}
    for r in records:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    out = [f"Gradient flow, step {step}: {len(records)} layers ("
           + ", ".join(f"{n} {v}" for v, n in counts.items()) + ")",
           line(header), line(["-" * w for w in widths]), *map(line, rows), "", RULES]
    return "\n".join(out)


RULES = (
    f"Verdicts (first rule that applies; g = weight grad norm, g_L = last layer's):\n"
    f"  exploding  g is NaN/Inf, or g > {EXPLODING_ABS:g}, or g > {EXPLODING_RATIO:g} x g_L\n"
    f"  vanishing  g < {VANISHING_ABS:g}, or g < {VANISHING_RATIO:g} x g_L\n"
    f"  dead       > {DEAD_FRACTION:.0%} of ReLU units output 0 for the whole batch\n"
    f"  saturated  > {SATURATED_FRACTION:.0%} of units saturated (sigmoid < {SIGMOID_LOW:g} or "
    f"> {SIGMOID_HIGH:g}; tanh |t| > {TANH_SATURATION:g})\n"
    f"  healthy    otherwise.  upd/data = std(lr*grad)/std(W), about 1e-3 is typical."
)


# ----------------------------------------------------------------------------- one backward pass

def gradient_flow(model: Any, loss: Value, lr: float | None = None) -> GradientMonitor:
    """The monitor's statistics for one backward pass of `loss`, returned as a `GradientMonitor`
    with one recorded step (so `.report()`, `.latest()`, `viz.plot_grad_flow` all work).

    `loss.backward()` is called here only when no parameter of `model` has a nonzero gradient
    yet; if you already called it, the existing gradients are used (not doubled).

    Activations are found in `loss`'s graph, not by hooks (the forward already ran): every
    sigmoid/tanh/relu/... op that a later layer consumes is credited to the latest layer (in
    `named_modules()` order) whose weight it depends on; `out_mean/out_std` is that op's input
    (the pre-activation). This matches execution order for `Sequential`, `MLP` and models defined
    in the order they run. An activation after the last layer (feeding only the loss) is not
    seen here, while the hooks of `GradientMonitor` do see it.
    """
    params = list(model.parameters())
    if not any(np.any(p.grad) for p in params):
        loss.backward()
    monitor = GradientMonitor(model, lr=lr)
    monitor.remove()  # no forward will run: the graph already holds the activations
    owner_of_weight = {id(m.weight): i for i, (_, m) in enumerate(monitor.layers)}
    order = topological_order(loss)
    owner: dict[int, int] = {}  # id(node) -> index of the latest layer it depends on (-1: none)
    for node in order:
        own = owner_of_weight.get(id(node), -1)
        for p in node.parents:
            own = max(own, owner[id(p)])
        owner[id(node)] = own
    # feeds[id] = the latest layer that uses this node: an activation counts only when a later
    # layer consumes it (so a relu inside the loss is not taken for the last layer's activation)
    feeds = dict(owner)
    for node in reversed(order):
        for p in node.parents:
            feeds[id(p)] = max(feeds[id(p)], feeds[id(node)])
    for node in order:
        own = owner[id(node)]
        if own < 0 or node.op not in _ACTIVATIONS or monitor._out[own] or feeds[id(node)] <= own:
            continue
        pre = np.asarray(node.parents[0].data, dtype=np.float64)
        monitor._out[own] = {"out_mean": float(pre.mean()), "out_std": float(pre.std()),
                             **_activation_stats(node.op, node.data)}
    monitor.step()
    return monitor
