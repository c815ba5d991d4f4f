"""Inductive bias on MNIST-1D: logistic regression, an MLP, a CNN and a GRU with the paper's recipe.

    tinygrad-edu mnist1d                          # all four models, 8000 steps each (minutes)
    tinygrad-edu mnist1d --model cnn --steps 2000
    tinygrad-edu mnist1d --shuffle                # the spatially shuffled variant
    tinygrad-edu mnist1d --torch                  # also train the same models with PyTorch
    tinygrad-edu mnist1d --torch --seeds 5        # mean and spread over seeds 0..4
    tinygrad-edu mnist1d --torch --same-init      # ours starts from PyTorch's initial weights

Recipe of Greydanus & Kobak (ICML 2024): Adam lr 1e-2, batch 100 taken in order
(step * 100) % 4000, 8000 steps, test accuracy at the end. Models: logistic Linear(40, 10);
MLP 40-100-100-10 with a residual h + relu(W2 h); CNN three Conv1d (1->25 k5 s2 p1, 25->25 k3 s2
p1 twice) + Linear(125, 10); GRU bidirectional, hidden 6, over the 40 positions, Linear(480, 10).
Weights start as torch initialises them (uniform, bound 1/sqrt(fan_in)); float32 throughout.

One run of one seed says little about a small GRU: its final accuracy moves by a point or two
with the random initial weights alone. `--seeds N` reports the mean and standard deviation over N
seeds; `--same-init` gives our model PyTorch's initial weights for each seed, so the two runs
differ only in the engines' arithmetic (float32 rounding), not in the draw.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from . import UsageError

MODELS = ("logistic", "mlp", "cnn", "gru")
PAPER = {"logistic": 32.0, "mlp": 68.0, "cnn": 94.0, "gru": 91.0}
PAPER_SHUFFLED = {"logistic": 32.0, "mlp": 68.0, "cnn": 56.0, "gru": 57.0}
LR, BATCH, STEPS = 1e-2, 100, 8000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="all", help=f"one of {', '.join(MODELS)} or all (default all)")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"training steps per model (default {STEPS})")
    parser.add_argument("--shuffle", action="store_true", help="spatially shuffled MNIST-1D (one fixed permutation)")
    parser.add_argument("--torch", action="store_true", help="also train the same models with PyTorch (if installed)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train with seeds seed..seed+N-1, report mean and sd (default 1)")
    parser.add_argument("--same-init", action="store_true",
                        help="with --torch: our model starts from PyTorch's initial weights of the same seed")
    parser.add_argument("--eval-every", type=int, default=250, help="test accuracy every N steps (default 250)")
    parser.add_argument("--plot", metavar="PNG", default=None, help="save test accuracy per step here")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


# --- models -------------------------------------------------------------------------------------

def _torch_like_init(model: Any) -> Any:
    """torch's default for Linear/Conv: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    import nn

    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d)):
            fan_in = int(math.prod(m.weight.shape[1:]))
            bound = 1.0 / math.sqrt(fan_in)
            nn.init.uniform_(m.weight, -bound, bound)
            if m.bias is not None:
                nn.init.uniform_(m.bias, -bound, bound)
    return model


def _architectures(Module: Any, Linear: Any, Conv1d: Any, GRU: Any) -> dict[str, type]:
    """The paper's four models, written once over either library's layer classes."""

    class Logistic(Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = Linear(40, 10)

        def forward(self, x):
            return self.linear(x)

    class ResidualMLP(Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear1, self.linear2, self.linear3 = Linear(40, 100), Linear(100, 100), Linear(100, 10)

        def forward(self, x):
            h = self.linear1(x).relu()
            h = h + self.linear2(h).relu()
            return self.linear3(h)

    class CNN(Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = Conv1d(1, 25, 5, stride=2, padding=1)   # 40 -> 19
            self.conv2 = Conv1d(25, 25, 3, stride=2, padding=1)  # 19 -> 10
            self.conv3 = Conv1d(25, 25, 3, stride=2, padding=1)  # 10 -> 5
            self.linear = Linear(125, 10)

        def forward(self, x):
            h = self.conv3(self.conv2(self.conv1(x.reshape(-1, 1, 40)).relu()).relu()).relu()
            return self.linear(h.reshape(h.shape[0], -1))

    class BiGRU(Module):
        def __init__(self) -> None:
            super().__init__()
            self.gru = GRU(1, 6, batch_first=True, bidirectional=True)
            self.linear = Linear(2 * 6 * 40, 10)

        def forward(self, x):
            out, _ = self.gru(x.reshape(x.shape[0], 40, 1))  # (B, 40, 12)
            return self.linear(out.reshape(out.shape[0], -1))

    return {"logistic": Logistic, "mlp": ResidualMLP, "cnn": CNN, "gru": BiGRU}


def build_ours(name: str) -> Any:
    """The paper's model `name` from nn layers (float32)."""
    import functools

    import numpy as np

    import nn

    layers = (functools.partial(cls, dtype=np.float32) for cls in (nn.Linear, nn.Conv1d, nn.GRU))
    return _torch_like_init(_architectures(nn.Module, *layers)[name]())


def build_torch(name: str, torch: Any) -> Any:
    """The same model in PyTorch (torch's default initialisation)."""
    tnn = torch.nn
    return _architectures(tnn.Module, tnn.Linear, tnn.Conv1d, tnn.GRU)[name]()


# --- training -----------------------------------------------------------------------------------

def train_ours(name: str, data: tuple, steps: int, seed: int = 0, eval_every: int = 250,
               progress: bool = False, init: dict | None = None) -> dict:
    """The recipe with our engine; returns {"acc": final test %, "curve": [(step, acc)], "seconds", "ms_per_step"}.

    `init`, a state dict {name: array} (e.g. PyTorch's initial weights), replaces our own draw."""
    import nn
    import optim

    from .. import manual_seed, no_grad

    (X, y), (Xt, yt) = data
    manual_seed(seed)
    model = build_ours(name)
    if init is not None:
        model.load_state_dict(init)
    opt = optim.Adam(model.parameters(), lr=LR)

    def accuracy() -> float:
        with no_grad():
            return float((model(Xt).data.argmax(axis=1) == yt).mean() * 100)

    curve, t_train = [], 0.0
    bar = _bar(steps, f"ours  {name}", progress)
    for step in range(steps):
        t0 = time.perf_counter()
        i = (step * BATCH) % len(X)
        loss = nn.cross_entropy(model(X[i:i + BATCH]), y[i:i + BATCH])
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_train += time.perf_counter() - t0
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            curve.append((step + 1, accuracy()))
            if bar is not None:
                bar.set_postfix(loss=f"{float(loss.data):.3f}", test=f"{curve[-1][1]:.1f}%")
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return {"acc": curve[-1][1], "curve": curve, "seconds": t_train, "ms_per_step": t_train / steps * 1e3}


def train_torch(name: str, data: tuple, steps: int, seed: int = 0, eval_every: int = 250,
                progress: bool = False) -> dict:
    """The same loop in PyTorch (same batches, same recipe); "init" holds its initial weights as numpy."""
    import torch

    (X, y), (Xt, yt) = data
    torch.set_num_threads(1)  # as our engine's BLAS for these small matrices: times compare like with like
    torch.manual_seed(seed)
    model = build_torch(name, torch)
    init = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    X, y, Xt, yt = (torch.from_numpy(a) for a in (X, y, Xt, yt))
    curve, t_train = [], 0.0
    bar = _bar(steps, f"torch {name}", progress)
    for step in range(steps):
        t0 = time.perf_counter()
        i = (step * BATCH) % len(X)
        loss = torch.nn.functional.cross_entropy(model(X[i:i + BATCH]), y[i:i + BATCH])
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_train += time.perf_counter() - t0
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            with torch.no_grad():
                curve.append((step + 1, float((model(Xt).argmax(dim=1) == yt).float().mean() * 100)))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return {"acc": curve[-1][1], "curve": curve, "seconds": t_train, "ms_per_step": t_train / steps * 1e3,
            "init": init}


def _bar(total: int, desc: str, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False)


def summary(runs: list[dict]) -> dict:
    """Mean and sample standard deviation of accuracy and ms/step over runs (seeds), and the mean curve."""
    import numpy as np

    acc = np.array([r["acc"] for r in runs])
    steps = [s for s, _ in runs[0]["curve"]]
    curve = np.mean([[a for _, a in r["curve"]] for r in runs], axis=0)
    return {"acc": float(acc.mean()), "sd": float(acc.std(ddof=1)) if len(runs) > 1 else 0.0,
            "accs": acc.tolist(), "ms_per_step": float(np.mean([r["ms_per_step"] for r in runs])),
            "curve": list(zip(steps, curve.tolist()))}


def _pct(x: dict | None, seeds: int) -> str:
    if x is None:
        return "-"
    return f"{x['acc']:.1f}±{x['sd']:.1f}%" if seeds > 1 else f"{x['acc']:.1f}%"


def table(results: dict, shuffled: bool, seeds: int = 1) -> str:
    """Rows: model, paper %, torch % (if run), ours %, ours - torch, ours ms/step, torch ms/step.

    `results[name]` is {"ours": summary, "torch": summary or None}; with several seeds each
    accuracy is mean ± sd."""
    paper = PAPER_SHUFFLED if shuffled else PAPER
    what = f"mean ± sd over {seeds} seeds" if seeds > 1 else "one seed"
    w = 12 if seeds > 1 else 7
    lines = [f"MNIST-1D{' (spatially shuffled)' if shuffled else ''}: test accuracy after training ({what})",
             f"{'model':10s} {'paper':>7s} {'torch':>{w}s} {'ours':>{w}s} {'ours-torch':>10s} "
             f"{'ours ms/step':>13s} {'torch ms/step':>14s}"]
    for name, r in results.items():
        t, o = r.get("torch"), r["ours"]
        diff = f"{o['acc'] - t['acc']:+.1f}" if t else "-"
        t_ms = f"{t['ms_per_step']:.2f}" if t else "-"
        lines.append(f"{name:10s} {paper[name]:6.1f}% {_pct(t, seeds):>{w}s} {_pct(o, seeds):>{w}s} {diff:>10s} "
                     f"{o['ms_per_step']:13.2f} {t_ms:>14s}")
    return "\n".join(lines)


def plot(results: dict, path: str, shuffled: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        steps, acc = zip(*r["ours"]["curve"])
        line, = ax.plot(steps, acc, label=f"{name} (ours)")
        if r.get("torch"):
            s2, a2 = zip(*r["torch"]["curve"])
            ax.plot(s2, a2, "--", color=line.get_color(), alpha=0.6, label=f"{name} (torch)")
    ax.set_xlabel("training step")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("MNIST-1D" + (", spatially shuffled" if shuffled else "") + ": Adam lr 1e-2, batch 100")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    names = MODELS if args.model == "all" else (args.model,)
    if any(n not in MODELS for n in names):
        raise UsageError(f"--model must be one of {', '.join(MODELS)} or all, got {args.model!r}")
    if not 1 <= args.steps <= 1_000_000:
        raise UsageError(f"--steps must be between 1 and 1000000, got {args.steps}")
    if args.eval_every < 1:
        raise UsageError(f"--eval-every must be >= 1, got {args.eval_every}")
    if not 1 <= args.seeds <= 100:
        raise UsageError(f"--seeds must be between 1 and 100, got {args.seeds}")
    if args.same_init and not args.torch:
        raise UsageError("--same-init needs --torch (it takes PyTorch's initial weights)")
    import nn

    try:
        data = nn.data.load_mnist1d(shuffle_seq=args.shuffle)
    except ImportError as e:
        raise UsageError(str(e)) from None
    have_torch = False
    if args.torch:
        try:
            import torch  # noqa: F401

            have_torch = True
        except ImportError:
            print("torch is not installed: training ours only")
    results: dict = {}
    progress = not args.no_progress
    for name in names:
        ours, theirs = [], []
        for seed in range(args.seed, args.seed + args.seeds):
            t = train_torch(name, data, args.steps, seed, args.eval_every, progress) if have_torch else None
            init = t["init"] if (t is not None and args.same_init) else None
            o = train_ours(name, data, args.steps, seed, args.eval_every, progress, init=init)
            ours.append(o)
            if t is not None:
                theirs.append(t)
            print(f"{name} seed {seed}: ours {o['acc']:.1f}% ({o['seconds']:.1f} s)"
                  + (f", torch {t['acc']:.1f}% ({t['seconds']:.1f} s)" if t is not None else ""))
        results[name] = {"ours": summary(ours), "torch": summary(theirs) if theirs else None}
    print(table(results, args.shuffle, args.seeds))
    if args.plot:
        plot(results, args.plot, args.shuffle)
        print(f"plot: {args.plot}")
    return 0
