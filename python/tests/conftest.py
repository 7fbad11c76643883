"""Shared fixtures: a small town (2,000 people: seconds per run), the command-line binary the Python results
are held to, and helpers to read the command line's CSV files exactly."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path
from typing import List

import pytest

import supportsim

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `supportsim` binary of this checkout (SUPPORTSIM_BIN, or target/release/supportsim)."""
    path = Path(os.environ.get("SUPPORTSIM_BIN", REPO / "target" / "release" / "supportsim"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: build it with `cargo build --release` (or set SUPPORTSIM_BIN)")
    return path


def run_cli(cli: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args, "--quiet"] if args[0] in ("run", "compare", "sweep") else [str(cli), *args],
                          check=True, capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="session")
def small() -> supportsim.Scenario:
    """The default what-if (a budget cut closes the north meeting place) in a town of 2,000."""
    return supportsim.builtin("venue_closure").with_values({"population.n_agents": 2000})


def csv_rows(path: Path) -> List[List[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def assert_frame_is_csv(frame, path: Path) -> None:
    """Every value of `frame` equals the CSV file's text read by Python itself: strings as written, numbers
    to the last bit (float(text)), empty fields missing."""
    import math

    rows = csv_rows(path)
    assert list(frame.columns) == rows[0]
    assert len(frame) == len(rows) - 1
    for i, row in enumerate(rows[1:]):
        for column, text in zip(rows[0], row):
            value = frame[column].iat[i]
            if text == "":
                assert value is None or (isinstance(value, float) and math.isnan(value)), (i, column, value)
            elif isinstance(value, str):
                assert value == text, (i, column, value, text)
            else:
                assert float(value) == float(text), (i, column, value, text)
