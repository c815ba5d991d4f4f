"""Write nn/datasets/digits.npz from scikit-learn's bundled copy of the UCI digits (run once).

The library never imports scikit-learn: this script is the only place it is used. It stores the
raw 0..16 pixel counts as uint8 (compressed), so `nn.data.load_digits()` loads them offline.

Usage:  .venv/bin/python scripts/make_digits.py
Source: UCI ML hand-written digits (Alpaydin & Kaynak, 1998), CC BY 4.0,
        https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent.parent / "nn" / "datasets" / "digits.npz"


def main() -> None:
    bunch = load_digits()
    pixels = np.asarray(bunch.data)
    target = np.asarray(bunch.target)
    assert pixels.shape == (1797, 64) and target.shape == (1797,)
    assert pixels.min() >= 0 and pixels.max() <= 16 and np.all(pixels == np.round(pixels))
    np.savez_compressed(OUT, pixels=pixels.astype(np.uint8), target=target.astype(np.uint8))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
