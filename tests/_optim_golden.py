"""The golden fixture recorded from torch.optim by scripts/make_optim_golden.py: torch's numbers and
the configurations that produced them (torch's keyword names are ours), so the tests that read it
need no torch. Tolerance: 1e-10 relative."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "optim_golden.npz"
RTOL = 1e-10
NAMES = ("W", "b", "s")

with np.load(FIXTURE, allow_pickle=False) as _f:
    GOLDEN = {k: _f[k] for k in _f.files}
META = json.loads(str(GOLDEN["meta"]))
PROBLEM = {k.split("/", 1)[1]: v for k, v in GOLDEN.items() if k.startswith("problem/")}
