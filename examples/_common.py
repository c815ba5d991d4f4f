"""Where the examples write their pictures, and how long they train (EXAMPLES_QUICK=1: briefly)."""

import os
from pathlib import Path

OUT = Path(os.environ.get("TINYGRAD_EDU_OUT", "examples_out"))
OUT.mkdir(parents=True, exist_ok=True)
QUICK = os.environ.get("EXAMPLES_QUICK") == "1"


def epochs(n: int) -> int:
    return max(2, n // 10) if QUICK else n
