"""Every lesson notebook runs to the end in a fresh kernel, within its time bound, and shows its exercises.

The notebooks are stored without outputs and built from `notebooks/src/*.py` (`python notebooks/build.py`);
they run here with nbclient on the `python3` kernel of this interpreter (ipykernel, a dev dependency,
installs it into the environment), each in its own temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIMIT_S = 120  # per notebook: each runs in under 20 s here (the CNN one about 17 s), bounded for a busy CI machine
CELL_LIMIT_S = 90

sys.path.insert(0, str(ROOT / "notebooks"))
import build  # noqa: E402


def test_the_course_has_every_lesson_in_order():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) == 14 and names == sorted(names)
    assert [n[:2] for n in names] == [f"{i:02d}" for i in range(1, 15)]
    assert {p.stem for p in (ROOT / "notebooks" / "src").glob("[0-9]*.py")} == set(names)
    assert {p.stem for p in (ROOT / "notebooks" / "solutions").glob("[0-9]*.py")} == set(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_built_from_its_source_and_has_no_outputs(path):
    source = ROOT / "notebooks" / "src" / f"{path.stem}.py"
    assert path.read_text(encoding="utf-8") == build.render(build.build(source)), \
        "stale notebook: run python notebooks/build.py"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    checks = sum("check(" in "".join(c["source"]) for c in code)
    assert 2 <= checks <= 4, f"{path.name} has {checks} exercises"
    assert nb["cells"][0]["cell_type"] == "markdown" and "Takeaway" in "".join(nb["cells"][0]["source"])


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # let ipykernel pick the inline backend
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    client = nbclient.NotebookClient(nb, timeout=CELL_LIMIT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    assert seconds < LIMIT_S, f"{path.name} took {seconds:.0f} s"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    texts = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert texts.count("not attempted yet") >= 2, "the blank exercises report themselves"
    assert any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs), \
        "every lesson shows a figure"
