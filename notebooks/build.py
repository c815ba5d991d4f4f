"""Build the lesson notebooks from their sources:  python notebooks/build.py

Each notebook `notebooks/NN_name.ipynb` is generated from `notebooks/src/NN_name.py`, a plain
Python file in the "percent" format: a line `# %%` starts a code cell, `# %% [markdown]` a
markdown cell whose lines are comments (`# ` is stripped). The notebooks are stored without
outputs (the tests execute them); `--check` exits 1 if a stored notebook differs from its source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
NOQA = re.compile(r"\s+# noqa: B018$")  # a cell's last expression is displayed, not useless


def cells_of(text: str) -> list[tuple[str, str]]:
    """[(kind, source)] from a percent-format file; kind is "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip() and not line.startswith('"""') and not line.startswith("#"):
            raise ValueError(f"code before the first cell marker: {line!r}")
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        else:  # the sources are linted; the notebooks need no lint markers
            lines = [NOQA.sub("", ln) for ln in lines]
        source = "\n".join(lines).strip("\n")
        if source:
            out.append((kind, source))
    return out


def build(src: Path) -> nbformat.NotebookNode:
    """The notebook of one source file, with stable cell ids and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    for i, (kind, source) in enumerate(cells_of(src.read_text(encoding="utf-8"))):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.id = f"{src.stem[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for src in sorted(SOURCES.glob("[0-9]*.py")):
        target = HERE / f"{src.stem}.ipynb"
        text = render(build(src))
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent)}")
    if stale:
        print(f"out of date (run python notebooks/build.py): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
