"""Print how closely our 1st, 2nd and 3rd derivatives agree with HIPS autograd and torch.

    python scripts/higher_order_agreement.py

For every op case of tests/_op_cases.py: the projected derivative chain (see ours_derivatives)
against the same chain computed by autograd and by torch (create_graph=True), max abs and rel
error per order over all cases. torch is optional.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _op_cases import (  # noqa: E402
    CASES,
    autograd_derivatives,
    make_inputs,
    ours_derivatives,
    projections,
    torch_derivatives,
)


def errors(ours, ref):
    out = []
    for lo, lr in zip(ours, ref):
        abs_e = max(float(np.max(np.abs(a - b), initial=0)) for a, b in zip(lo, lr))
        rel_e = max(float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3), initial=0)) for a, b in zip(lo, lr))
        out.append((abs_e, rel_e))
    return out


def main() -> None:
    warnings.filterwarnings("ignore")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    worst = {"autograd": [(0, 0)] * 3, "torch": [(0, 0)] * 3}
    for case in CASES:
        arrays = make_inputs(case)
        proj = projections(case, arrays, 3)
        ours = ours_derivatives(case[1], arrays, proj, 3)
        refs = {"autograd": autograd_derivatives(case[2], arrays, proj, 3)}
        if have_torch:
            refs["torch"] = torch_derivatives(case[3], arrays, proj, 3)
        for name, ref in refs.items():
            worst[name] = [(max(w[0], e[0]), max(w[1], e[1])) for w, e in zip(worst[name], errors(ours, ref))]
    print(f"{len(CASES)} op cases, float64")
    print("| oracle | order | max abs error | max rel error |\n|---|---|---|---|")
    for name in ("autograd", "torch") if have_torch else ("autograd",):
        for k, (a, r) in enumerate(worst[name]):
            print(f"| {name} | {k + 1} | {a:.1e} | {r:.1e} |")


if __name__ == "__main__":
    main()
