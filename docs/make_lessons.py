"""Redraw the pictures of the README's lessons into docs/:  python docs/make_lessons.py

The drawing code is `tinygrad_edu.cli.lessons` (the code the README quotes next to each picture),
the same that `tinygrad-edu demo` / `make demo` runs into its output folder. Here the PNGs are
re-saved with a 256-colour palette so the repository stays small. `--examples` also redraws the
examples' pictures (README's tanh_grad, newton_vs_gd, rnn_clipping, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def shrink(path: Path) -> None:
    """Palette-quantise a PNG (the plots use few colours; this cuts the size 2-4x)."""
    from PIL import Image

    img = Image.open(path).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


if __name__ == "__main__":
    from tinygrad_edu.cli.lessons import write_lessons

    names = write_lessons(HERE, examples="--examples" in sys.argv[1:])
    (HERE / "index.html").unlink(missing_ok=True)  # the docs folder is not a gallery
    for name in names:
        png = HERE / name
        if png.suffix == ".png" and png.exists():
            shrink(png)
            print(f"{png.name}: {png.stat().st_size // 1024} KB")
