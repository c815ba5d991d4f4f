"""bench/sustained.py's schedule: every round runs both thread settings and every system, the
systems' order rotating, so a drift of the machine hits all of them alike. (No timing here.)"""

import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sustained  # noqa: E402


def test_rounds_interleave_settings_and_rotate_systems(monkeypatch):
    calls = []
    fake = SimpleNamespace(BUILDERS={sustained.OURS: None, sustained.TORCH: None, sustained.FLOOR: None})
    monkeypatch.setattr(sustained, "workloads", lambda: {"W2": fake})
    monkeypatch.setattr(sustained, "spawn", lambda key, system, setting, window: calls.append(
        (setting, system)) or {"value": 1.0})
    data = sustained.run(["W2"], ["default", "1"], rounds=3, seconds=0.1, w5_nodes=None, log=lambda *a, **k: None)
    settings = [s for s, _ in calls]
    assert settings == ["default"] * 3 + ["1"] * 3 + ["default"] * 3 + ["1"] * 3 + ["default"] * 3 + ["1"] * 3
    firsts = [calls[i][1] for i in range(0, len(calls), 6)]
    assert len(set(firsts)) == 3  # a different system goes first in each round
    assert all(len(data["runs"][s]["W2"][p]) == 3 for s in ("default", "1") for p in fake.BUILDERS)
    assert [ln.split(":")[0] for ln in data["loads"]] == [
        f"setting {s} round {r}/3" for r in (1, 2, 3) for s in ("default", "1")]


def test_defaults_are_five_rounds_of_one_second():
    args = sustained.parse_args([])
    assert (args.rounds, args.seconds) == (5, 1.0)
    quick = sustained.parse_args(["--quick"])
    assert (quick.rounds, quick.seconds) == (2, 0.6)
