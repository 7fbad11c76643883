"""Runs from Python equal the command line's to the last digit: DataFrames against its CSV files, saved
folders against its folders, at any thread count."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

import supportsim
from conftest import assert_frame_is_csv, csv_rows, run_cli


def same_folder(a: Path, b: Path) -> None:
    """The two output folders hold the same files with the same bytes, but for how each was made (the
    manifest, and report.html's lines of provenance: the build, the command and the time)."""
    files = lambda d: sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file() and p.name != ".supportsim.lock")
    assert files(a) == files(b)
    for name in files(a):
        if name == "manifest.json":
            continue
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if name == "report.html":
            made = re.compile(rb"<li>(supportsim \d|command|simulated in)[^\n]*?</li>")
            x, y = made.sub(b"", x), made.sub(b"", y)
        assert x == y, name


def test_a_run_equals_the_command_line_bit_for_bit(cli, small, tmp_path):
    file = tmp_path / "town.toml"
    file.write_text(small.to_toml())
    printed = run_cli(cli, "run", str(file), "--replicates", "3", "--seed", "7", "--out", str(tmp_path / "cli")).stdout
    result = supportsim.run(supportsim.load(file), replicates=3, seed=7, progress=False)
    # The headline sentence is the one the terminal prints.
    assert result.sentence.startswith("About ") and result.sentence in printed.splitlines()
    for name, frame in [("timeseries.csv", result.timeseries), ("venues.csv", result.venues),
                        ("effects.csv", result.effects)]:
        assert_frame_is_csv(frame, tmp_path / "cli" / name)
    assert result.levels is None and result.agents is None
    assert result.manifest["seed"] == 7 and result.manifest["replicates"] == 3
    saved = result.save(tmp_path / "py")
    same_folder(saved, tmp_path / "cli")
    # The command line redraws the saved folder as one of its own.
    run_cli(cli, "report", str(saved))
    h = result.headline
    assert h["group"] == "district:north/service_users" and h["metric"] == "lonely_share"
    shown = result._repr_html_()  # a notebook's view: the sentence and the headline group's key effects
    assert result.sentence.split(":")[0] in shown and "<table" in shown and "crisis_share" in shown
    assert h["ci_low"] <= h["difference"] <= h["ci_high"]


def test_the_same_at_any_thread_count(small):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("this machine gives the process one core: one thread count only")
    one = supportsim.run(small, replicates=2, threads=1, progress=False)
    two = supportsim.run(small, replicates=2, threads=2, progress=False)
    assert one.manifest["threads"] == 1 and two.manifest["threads"] == 2
    assert one.timeseries.equals(two.timeseries) and one.effects.equals(two.effects)
    assert one.venues.equals(two.venues)


def test_a_town_alone_gives_levels(cli, small, tmp_path):
    town = small.with_events([])
    file = tmp_path / "town.toml"
    file.write_text(town.to_toml())
    run_cli(cli, "run", str(file), "--replicates", "2", "--window", "91", "--out", str(tmp_path / "cli"))
    result = supportsim.run(town, replicates=2, window_days=91, progress=False)
    assert result.effects is None and result.headline is None and result.sentence is None
    assert_frame_is_csv(result.levels, tmp_path / "cli" / "levels.csv")


def test_agent_records_equal_the_command_lines(cli, small, tmp_path):
    tiny = small.with_values({"population.n_agents": 300, "run.days": 280, "run.burn_in_days": 140})
    tiny = tiny.with_values({"events[0].day": 140})
    file = tmp_path / "tiny.toml"
    file.write_text(tiny.to_toml())
    run_cli(cli, "run", str(file), "--replicates", "1", "--record-agents", "--record-every", "28",
            "--out", str(tmp_path / "cli"))
    with pytest.warns(supportsim.SteadyStateWarning, match="could not be checked: one replicate"):
        result = supportsim.run(tiny, replicates=1, record_agents=True, record_every=28, progress=False)
    for name in ("agents", "ties", "episodes"):
        assert_frame_is_csv(getattr(result, name), tmp_path / "cli" / f"{name}.csv")
    same_folder(result.save(tmp_path / "py"), tmp_path / "cli")


def test_bad_run_options_are_refused_by_name(small):
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.run(small, seed=-1, progress=False)
    assert e.value.problems[0].path == "run.seed"
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.run(small, window_days=10_000, progress=False)
    assert e.value.problems[0].path == "analysis.window_days"
    with pytest.raises(ValueError, match="record_every"):
        supportsim.run(small, record_every=14, progress=False)
    with pytest.raises(ValueError, match="threads"):
        supportsim.run(small, threads=0, progress=False)


def test_save_never_touches_someone_elses_files(small, tmp_path):
    result = supportsim.run(small, replicates=2, progress=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="does not hold supportsim's output"):
        result.save(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    # Its own earlier output it replaces.
    report = result.report(tmp_path / "out")
    assert report.name == "report.html" and report.is_file()
    result.save(tmp_path / "out")


def test_the_simulation_runs_without_the_gil(small):
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    started = time.monotonic()
    supportsim.run(small, replicates=4, progress=False)
    took = time.monotonic() - started
    stop.set()
    t.join()
    # Another Python thread kept running while the engine worked (it would stand still holding no GIL).
    assert len(ticks) > took * 100, (len(ticks), took)


def test_a_tqdm_bar_shows_the_runs(small, capsys):
    pytest.importorskip("tqdm", reason="tqdm is not installed (pip install tqdm)")
    supportsim.run(small, replicates=2)
    err = capsys.readouterr().err
    assert "venue_closure: runs" in err and "4/4" in err and "100%" in err


def test_without_tqdm_a_line_shows_the_runs(small, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    supportsim.run(small, replicates=2)
    err = capsys.readouterr().err
    assert "venue_closure: runs" in err and "4/4" in err


def test_steady_state_warnings_are_the_command_lines(cli, small, tmp_path):
    crowded = small.with_events([]).with_values({"venues.centre_cafe.capacity": 2})
    file = tmp_path / "crowded.toml"
    file.write_text(crowded.to_toml())
    said = run_cli(cli, "run", str(file), "--replicates", "2", "--out", str(tmp_path / "cli")).stderr
    printed = [line[len("warning: "):] for line in said.splitlines() if line.startswith("warning: ")]
    with pytest.warns(supportsim.SteadyStateWarning, match="centre_cafe was full on"):
        result = supportsim.run(crowded, replicates=2, progress=False)
    assert result.warnings == printed and any("centre_cafe" in w for w in printed)
