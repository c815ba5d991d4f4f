"""Every picture the README and the lessons show, drawn into one folder with an index.html.

    tinygrad-edu demo --out demo_out      # the digits run, then write_lessons(out)
    python docs/make_lessons.py           # the same pictures into docs/ (PNGs palette-shrunk)

`write_lessons(out)` draws:

- the README's lesson pictures, each with exactly the code the README quotes next to it
  (activations, grad_flow, optimizers, regularization_none/l2, early_stopping, neuron.svg,
  backprop.html and its first frame backprop.png, taken with headless Chromium when present);
- the pictures of `examples/*.py` (each example run with TINYGRAD_EDU_OUT=out; skipped when the
  package runs outside a checkout of the repository, which ships the examples);
- index.html, linking every picture in the folder with its caption.

The notebooks in notebooks/ draw their figures inline; the one file they write (backprop.html)
is made here too.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PICTURE_EXT = (".png", ".svg", ".html")

CAPTIONS = {
    "backprop.html": "Backpropagation step by step on one neuron (open it and press Next)",
    "backprop.png": "The first frame of backprop.html",
    "neuron.svg": "The neuron tanh(x1*w1 + x2*w2 + b) with its values and gradients",
    "graph.svg": "The digits model's loss on a small batch, shaded by |grad|",
    "activations.png": "Activation functions and their derivatives",
    "grad_flow.png": "Gradient norm per layer: 20 sigmoid, tanh and ReLU layers",
    "optimizers.png": "Optimizer paths on the Rosenbrock function",
    "regularization_none.png": "60 noisy points, no regularization: an overfitted boundary",
    "regularization_l2.png": "The same with an L2 penalty: a smoother boundary",
    "early_stopping.png": "Training history with early stopping and a learning-rate change",
    "mnist1d.png": "MNIST-1D: test accuracy per step of the four models (a short run)",
    "playground.png": "The web playground's training lab after a moons run",
    "history.png": "The digits run: loss and accuracy per epoch",
    "decision_boundary.png": "Two moons: a 2-16-16-2 tanh MLP's decision boundary",
}


def _neuron():
    from tinygrad_edu import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o


def lesson_backprop(out: Path) -> list[str]:
    """README "Watching backpropagation": backprop.html, its first frame, neuron.svg."""
    import viz

    viz.animate_backward(_neuron(), out / "backprop.html")
    viz.save_svg(viz.draw_graph(_neuron(), color_by="grad"), out / "neuron.svg")
    written = ["backprop.html", "neuron.svg"]
    if screenshot(out / "backprop.html", out / "backprop.png", size=(1100, 700)):
        written.append("backprop.png")
    return written


def lesson_activations(out: Path) -> list[str]:
    from viz import plot_activations

    plot_activations(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"], path=out / "activations.png")
    return ["activations.png"]


def lesson_vanishing(out: Path) -> list[str]:
    import nn
    from nn.diagnostics import gradient_flow
    from tinygrad_edu import manual_seed
    from viz import plot_grad_flow

    manual_seed(0)
    X, y = np.random.default_rng(0).standard_normal((64, 16)), np.random.default_rng(0).integers(0, 4, 64)
    flows = {}
    for act in ("sigmoid", "tanh", "relu"):
        model = nn.MLP(16, [32] * 20, 4, activation=act)  # Xavier for sigmoid/tanh, He for ReLU
        flows[f"20-layer {act}"] = gradient_flow(model, nn.cross_entropy(model(X), y))
    plot_grad_flow(flows, path=out / "grad_flow.png")
    return ["grad_flow.png"]


def lesson_optimizers(out: Path) -> list[str]:
    import optim
    from viz import plot_optimizer_paths

    racers = {"SGD (lr=1e-3)": lambda p: optim.SGD(p, lr=1e-3),
              "Momentum 0.9 (lr=1e-3)": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
              "RMSprop (lr=1e-2)": lambda p: optim.RMSprop(p, lr=1e-2),
              "Adam (lr=5e-2)": lambda p: optim.Adam(p, lr=5e-2)}
    plot_optimizer_paths(optim.testfns.rosenbrock, racers, steps=500, path=out / "optimizers.png")
    return ["optimizers.png"]


def lesson_regularization(out: Path) -> list[str]:
    import nn
    import optim
    from tinygrad_edu import manual_seed
    from viz import plot_decision_boundary

    X, y = nn.data.make_moons(60, noise=0.3, random_state=1)  # few, noisy points: easy to overfit
    for name, wd in (("none", 0.0), ("l2", 1e-2)):
        manual_seed(0)
        model = nn.MLP(2, [64, 64], 2)
        loss_fn = lambda o, t, m=model, wd=wd: nn.cross_entropy(o, t) + wd * nn.l2_penalty(m.parameters())  # noqa: E731
        nn.fit(model, loss_fn, optim.Adam(model.parameters(), lr=1e-2), X, y, epochs=400, batch_size=None,
               verbose=0)
        title = "no regularization" if wd == 0 else f"L2 penalty, {wd:g} * sum(w**2)"
        plot_decision_boundary(model, X, y, path=out / f"regularization_{name}.png", title=title)
    return ["regularization_none.png", "regularization_l2.png"]


def lesson_early_stopping(out: Path) -> list[str]:
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
    plot_history(history, path=out / "early_stopping.png")
    return ["early_stopping.png"]


def lesson_mnist1d(out: Path) -> list[str]:
    """The four MNIST-1D models' test accuracy per step (a short run; `tinygrad-edu mnist1d` for the
    paper's 8000 steps). Needs the data extra; without it the picture is skipped, saying so."""
    import argparse

    from . import UsageError
    from .mnist1d import run

    args = argparse.Namespace(model="all", steps=400, shuffle=False, torch=False, seed=0, seeds=1, same_init=False,
                              eval_every=50,
                              plot=str(out / "mnist1d.png"), no_progress=True)
    try:
        run(args)
    except UsageError as e:
        print(f"  (mnist1d.png not drawn: {e})")
        return []
    return ["mnist1d.png"]


def lesson_playground(out: Path) -> list[str]:
    """The web training lab after a moons run: the playground served on a free loopback port,
    driven by headless Chromium through Playwright (both optional: skipped, saying so)."""
    import threading
    import time

    browser_path = chromium()
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    if browser_path is None or sync_api is None:
        print("  (playground.png not taken: needs Chromium and playwright)")
        return []
    try:
        from .serve import make_server

        srv = make_server("127.0.0.1", 0, quiet=True)
    except Exception as e:  # flask missing (the web extra) or no port
        print(f"  (playground.png not taken: {e})")
        return []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=flags)
            page = browser.new_context(viewport={"width": 1400, "height": 1950}).new_page()
            page.goto(f"http://127.0.0.1:{srv.server_port}/train")
            page.select_option("#dataset", "moons")
            page.click("#btn-start")
            page.wait_for_selector("#status.done", timeout=90000)
            time.sleep(0.5)  # the last chart frame
            page.screenshot(path=str(out / "playground.png"))  # the viewport: the header stays on top
            browser.close()
    except Exception as e:
        print(f"  (playground.png not taken: {e})")
        return []
    finally:
        srv.app.extensions["tinygrad_edu_jobs"].stop_all()
        srv.shutdown()
        srv.server_close()
        thread.join(5)
    return ["playground.png"]


README_LESSONS: tuple[Callable[[Path], list[str]], ...] = (
    lesson_backprop, lesson_activations, lesson_vanishing, lesson_optimizers, lesson_regularization,
    lesson_early_stopping, lesson_mnist1d, lesson_playground)


def chromium() -> str | None:
    """The headless browser used for screenshots, when installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(page: Path, png: Path, size: tuple[int, int] = (1200, 800)) -> bool:
    """Save a screenshot of a local HTML page with headless Chromium; False (and a note) without one."""
    browser = chromium()
    if browser is None:
        print(f"  (no Chromium on PATH: {png.name} not taken)")
        return False
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--window-size={size[0]},{size[1]}", f"--screenshot={png.resolve()}", page.resolve().as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=60, check=True)
    except (subprocess.SubprocessError, OSError) as e:
        print(f"  ({png.name} not taken: {e})")
        return False
    return png.exists()


def run_examples(out: Path, quick: bool) -> list[str]:
    """Run every examples/NN_*.py with its pictures going to `out`; the files it wrote."""
    if not EXAMPLES.is_dir():
        print("  (examples/ is not here: run from a checkout of the repository for their pictures)")
        return []
    before = _pictures(out)
    env = dict(os.environ, TINYGRAD_EDU_OUT=str(out.resolve()), MPLBACKEND="Agg")
    if quick:
        env["EXAMPLES_QUICK"] = "1"
    for script in sorted(EXAMPLES.glob("[0-9]*.py")):
        t = time.perf_counter()
        res = subprocess.run([sys.executable, script.name], cwd=EXAMPLES, env=env, capture_output=True, text=True)
        status = "ok" if res.returncode == 0 else f"FAILED:\n{res.stderr[-800:]}"
        print(f"  examples/{script.name:<28} {time.perf_counter() - t:5.1f} s  {status}")
    return sorted(name for name, mtime in _pictures(out).items() if before.get(name) != mtime)


def _pictures(out: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in out.iterdir() if p.suffix in PICTURE_EXT and p.name != "index.html"}


def write_index(out: Path) -> Path:
    """index.html: every picture in the folder, inline (images) or linked (pages), with its caption."""
    items = []
    for name in sorted(_pictures(out)):
        caption = html.escape(CAPTIONS.get(name, name.rsplit(".", 1)[0].replace("_", " ")))
        ref = html.escape(name)
        body = (f"<a href='{ref}'>open {ref}</a>" if name.endswith(".html")
                else f"<a href='{ref}'><img src='{ref}' alt='{caption}'></a>")
        items.append(f"<figure>{body}<figcaption><b>{ref}</b>: {caption}</figcaption></figure>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>tinygrad_edu: every picture</title>"
            "<style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;vertical-align:top;"
            "width:460px;margin:0 1em 2em 0}img{max-width:100%;border:1px solid #ddd}</style></head><body>"
            "<h1>tinygrad_edu: every picture of the README and the lessons</h1>"
            f"<p>{len(items)} files, made by <code>tinygrad-edu demo</code>.</p>{''.join(items)}</body></html>")
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_lessons(out: str | os.PathLike, quick: bool = False, examples: bool = True) -> list[str]:
    """Draw the examples' and the README's pictures into `out`, then index.html; the names written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    if examples:
        print("== The examples' pictures ==")
        written += run_examples(out, quick)
    print("== The README's lesson pictures ==")
    for lesson in README_LESSONS:  # after the examples: the README's own versions win on a shared name
        t = time.perf_counter()
        names = lesson(out)
        print(f"  {', '.join(names):<48} {time.perf_counter() - t:5.1f} s")
        written += [n for n in names if n not in written]
    write_index(out)
    return written + ["index.html"]
