"""Ctrl-C in the middle of a run, a comparison or a sweep stops the engine within a second and raises
KeyboardInterrupt; nothing keeps running, and the engine is usable again at once. Leaving a sweep's rows
early stops the sweep."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

import supportsim

WORK = {
    # Each of these takes many seconds on the default town of 20,000 people.
    "run": "supportsim.run(town, replicates=16, progress=False)",
    "compare": "supportsim.compare([town, town.with_name('half').with_values({'events[0].amount': 1200000})], "
               "replicates=16, progress=False)",
    "sweep": "supportsim.sweep({'name': 'big', 'scenario': str(file), 'design': 'grid', 'replicates': 8, "
             "'parameters': [{'path': 'events[0].amount', 'values': [0, 1000000, 2000000]}]}, "
             "out=out, progress=False)",
}

CHILD = r"""
import os, pathlib, sys, tempfile, time, supportsim
town = supportsim.builtin("venue_closure")
out = pathlib.Path(tempfile.mkdtemp()) / "sweep"
file = out.parent / "town.toml"
file.write_text(town.to_toml())
print("started", flush=True)
try:
    WORK
    print("finished", flush=True)
except KeyboardInterrupt:
    print("stopped", flush=True)
cpu = time.process_time()
time.sleep(1.0)
print("cpu after", round(time.process_time() - cpu, 3), flush=True)
r = supportsim.run(town.with_values({"population.n_agents": 500}), replicates=1, progress=False)
print("again", len(r.effects), flush=True)
"""


@pytest.mark.parametrize("what", sorted(WORK))
def test_ctrl_c_stops_the_work_within_a_second(what):
    child = subprocess.Popen([sys.executable, "-c", CHILD.replace("WORK", WORK[what])], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(2.5)  # well inside the work
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    line = child.stdout.readline().strip()
    stopped_after = time.monotonic() - sent
    rest, err = child.communicate(timeout=120)
    assert line == "stopped", (line, rest, err)
    lines = rest.splitlines()
    # Nothing kept running: the process used (almost) no CPU in the second after.
    assert lines[0].startswith("cpu after ") and float(lines[0].split()[-1]) < 0.2, (lines, err)
    assert lines[1].startswith("again "), (rest, err)
    assert child.returncode == 0, err
    assert stopped_after < 1.0, stopped_after
    print(f"{what}: stopped {stopped_after:.2f} s after Ctrl-C")


def test_leaving_the_rows_stops_the_sweep(small, tmp_path):
    (tmp_path / "town.toml").write_text(small.to_toml())
    spec = {"name": "rows", "scenario": str(tmp_path / "town.toml"), "design": "grid", "replicates": 20,
            "parameters": [{"path": "events[0].amount", "values": [0, 1200000, 2400000]}]}

    def idle_cpu() -> float:
        cpu = time.process_time()
        time.sleep(1.0)
        return time.process_time() - cpu

    # A for loop over the rows themselves: leaving it drops them, which stops the sweep.
    for row in supportsim.sweep_rows(spec, out=tmp_path / "a", threads=1, progress=False):
        break
    assert idle_cpu() < 0.2
    # Rows kept in a variable: close() (or the end of a with block) stops the sweep.
    rows = supportsim.sweep_rows(spec, out=tmp_path / "b", threads=1, progress=False)
    next(rows)
    rows.close()
    assert idle_cpu() < 0.2
    with supportsim.sweep_rows(spec, out=tmp_path / "c", threads=1, progress=False) as rows:
        next(rows)
    assert idle_cpu() < 0.2
    assert not (tmp_path / "c" / "runs.csv").exists()
