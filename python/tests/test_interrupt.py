"""Ctrl-C in the middle of a run stops the engine within about a second and raises KeyboardInterrupt; the
engine is usable again at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

CHILD = r"""
import sys, time, supportsim
town = supportsim.builtin("venue_closure")          # 20,000 people, 8 replicates of 728 days: many seconds
print("started", flush=True)
try:
    supportsim.run(town, replicates=16, progress=False)
    print("finished", flush=True)
except KeyboardInterrupt as e:
    print("stopped:", e, flush=True)
small = town.with_values({"population.n_agents": 500})
r = supportsim.run(small, replicates=1, progress=False)
print("again", len(r.effects), flush=True)
"""


def test_ctrl_c_stops_a_run_within_a_second():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(2.0)  # well inside the run
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    line = child.stdout.readline()
    stopped_after = time.monotonic() - sent
    rest, err = child.communicate(timeout=120)
    assert line.startswith("stopped:"), (line, rest, err)
    assert rest.startswith("again "), (rest, err)
    assert child.returncode == 0, err
    # Within about a second (a day boundary of every running replicate); generous for a loaded machine.
    assert stopped_after < 3.0, stopped_after
    print(f"stopped {stopped_after:.2f} s after Ctrl-C")
