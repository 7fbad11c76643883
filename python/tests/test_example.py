"""The example script of docs/python.md runs and draws its charts (on a small town, with matplotlib)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_the_walkthrough_script_runs(tmp_path):
    out = tmp_path / "walk"
    done = subprocess.run([sys.executable, str(REPO / "python" / "examples" / "closure_and_budget.py"),
                           "--agents", "2000", "--replicates", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "lonely_share of district:north/service_users" in done.stdout
    for name in ("effect_over_time.png", "budget_curve.png", "closure/report.html", "budget/points.csv"):
        assert (out / name).is_file(), name
