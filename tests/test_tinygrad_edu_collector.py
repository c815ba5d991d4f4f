"""The gc threshold setting: applied at import, off with TINYGRAD_EDU_GC=0, never over a user's choice."""

from __future__ import annotations

import os
import subprocess
import sys


def _threshold(code: str, **env: str) -> int:
    out = subprocess.run([sys.executable, "-c", code + "\nimport gc; print(gc.get_threshold()[0])"],
                         capture_output=True, text=True, env={**os.environ, **env}, check=True)
    return int(out.stdout.split()[-1])


def test_raised_at_import_and_can_be_turned_off():
    assert _threshold("import tinygrad_edu") == 50_000
    assert _threshold("import tinygrad_edu", TINYGRAD_EDU_GC="0") == 700


def test_a_users_own_threshold_wins():
    assert _threshold("import gc; gc.set_threshold(1234)\nimport tinygrad_edu") == 1234
