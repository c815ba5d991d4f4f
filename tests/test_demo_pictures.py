"""`tinygrad-edu demo` (make demo) writes every picture named in README.md and in the notebooks into
one folder, with an index.html that links them all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PICTURE = r"[\w.-]+\.(?:png|svg|html)"
# Screenshots (the backprop page, the playground after a moons run) need a headless browser.
SCREENSHOTS = {"backprop.png", "playground.png"}


def readme_pictures() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {Path(p).name for p in re.findall(r"\(docs/(" + PICTURE + r")\)", text)}


def notebook_pictures() -> set[str]:
    names = set()
    for src in (ROOT / "notebooks" / "src").glob("[0-9]*.py"):
        names |= set(re.findall(r"[\"'](" + PICTURE + r")[\"']", src.read_text(encoding="utf-8")))
    return names


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_out")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    res = subprocess.run([sys.executable, "-m", "tinygrad_edu", "demo", "--out", str(out), "--quick", "--no-progress"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return out


def test_the_readme_and_notebooks_name_pictures():
    assert {"activations.png", "grad_flow.png", "backprop.png"} <= readme_pictures()
    assert "backprop.html" in notebook_pictures()


@pytest.mark.slow
def test_demo_folder_holds_every_picture_of_the_readme_and_notebooks(demo_out):
    wanted = readme_pictures() | notebook_pictures()
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed: the graph pictures cannot be drawn")
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome", "chrome")):
        wanted -= SCREENSHOTS
    missing = sorted(n for n in wanted if not (demo_out / n).is_file() or (demo_out / n).stat().st_size == 0)
    assert not missing, f"make demo does not write {missing}"


@pytest.mark.slow
def test_index_links_every_picture(demo_out):
    index = (demo_out / "index.html").read_text(encoding="utf-8")
    pictures = [p.name for p in demo_out.iterdir() if p.suffix in (".png", ".svg", ".html") and p.name != "index.html"]
    assert len(pictures) >= 15
    for name in pictures:
        assert f"href='{name}'" in index, name
    assert index.count("<figure>") == len(pictures)
