"""Comparisons and sweeps from Python: the command line's files, row for row and bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest

import supportsim
from conftest import assert_frame_is_csv, csv_rows, run_cli


def options(small):
    cut = small.with_name("cut")
    half = small.with_name("half").with_values({"events[0].amount": 1200000})
    return cut, half


def test_compare_equals_the_command_line(cli, small, tmp_path):
    cut, half = options(small)
    files = []
    for s in (cut, half):
        files.append(tmp_path / f"{s.name}.toml")
        files[-1].write_text(s.to_toml())
    printed = run_cli(cli, "compare", *map(str, files), "--replicates", "3", "--out", str(tmp_path / "cli")).stdout
    c = supportsim.compare([cut, half], replicates=3, progress=False)
    assert_frame_is_csv(c.effects, tmp_path / "cli" / "comparison.csv")
    # The ranking is the command line's: "  1. half …", "  2. cut …".
    ranked = [line.split()[1] for line in printed.splitlines() if line.strip()[:2] in ("1.", "2.")]
    assert list(c.ranking()["option"]) == ranked == ["half", "cut"]
    saved = c.save(tmp_path / "py")
    assert (saved / "comparison.csv").read_bytes() == (tmp_path / "cli" / "comparison.csv").read_bytes()
    assert (saved / "report.html").is_file()
    run_cli(cli, "report", str(saved))


def test_compare_refuses_options_of_one_name_or_different_towns(small):
    cut, _ = options(small)
    with pytest.raises(ValueError, match="named `cut`"):
        supportsim.compare([cut, cut.with_values({"events[0].amount": 5})], replicates=2, progress=False)
    with pytest.raises(ValueError, match="different towns"):
        supportsim.compare([cut, cut.with_name("big").with_values({"population.n_agents": 3000})],
                           replicates=2, progress=False)


def sweep_spec(small, tmp_path: Path) -> dict:
    (tmp_path / "town.toml").write_text(small.to_toml())
    return {
        "name": "budget",
        "scenario": str(tmp_path / "town.toml"),
        "design": "grid",
        "replicates": 2,
        "seed": 5,
        "parameters": [{"path": "events[0].amount", "values": [0, 1200000, 2400000]}],
        "summary": {"metrics": ["lonely_share", "ties_mean"], "groups": ["district:north/service_users"]},
    }


def test_a_sweep_equals_the_command_line(cli, small, tmp_path):
    spec = sweep_spec(small, tmp_path)
    file = tmp_path / "budget.toml"
    file.write_text(_toml(spec))
    run_cli(cli, "sweep", str(file), "--out", str(tmp_path / "cli"))
    result = supportsim.sweep(spec, out=tmp_path / "py", progress=False)
    assert result.outcome["runs"] == 6
    cli_rows = csv_rows(tmp_path / "cli" / "runs.csv")
    assert csv_rows(result.dir / "runs.csv") == cli_rows
    assert_frame_is_csv(result.runs, tmp_path / "cli" / "runs.csv")
    assert_frame_is_csv(result.points, tmp_path / "cli" / "points.csv")
    assert result.manifest["complete"] is True
    # From the file itself, the rows arrive one by one, in run order, as runs.csv holds them.
    with supportsim.sweep_rows(file, out=tmp_path / "rows", progress=False) as running:
        rows = list(running)
    assert running.outcome["runs"] == 6
    assert [list(r) for r in rows] == [cli_rows[0]] * len(rows)
    for row, text in zip(rows, cli_rows[1:]):
        assert [row[k] for k in ("point", "replicate", "seed")] == [int(v) for v in text[:3]]
        assert [float(v) for v in list(row.values())[3:]] == [float(v) for v in text[3:]]
    assert len(rows) == 6


def test_leaving_the_rows_early_stops_the_sweep_and_resume_finishes_it(small, tmp_path):
    spec = sweep_spec(small, tmp_path)
    out = tmp_path / "out"
    first = []
    for row in supportsim.sweep_rows(spec, out=out, threads=1, progress=False):
        first.append(row)
        break
    assert not (out / "runs.csv").exists()
    done = supportsim.sweep(spec, out=out, resume=True, progress=False)
    assert done.outcome["skipped"] >= 1 and done.outcome["runs"] + done.outcome["skipped"] == 6
    assert len(done.runs) == 6


def test_a_bad_sweep_names_its_problems(small, tmp_path):
    spec = sweep_spec(small, tmp_path)
    spec["parameters"][0]["path"] = "events[0].amont"
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.sweep(spec, out=tmp_path / "x", progress=False)
    assert any("amount" in p.message for p in e.value.problems)
    with pytest.raises(ValueError, match="shard"):
        supportsim.sweep(sweep_spec(small, tmp_path), shard="9/4", out=tmp_path / "y", progress=False)


def _toml(spec: dict) -> str:
    lines = [f'name = "{spec["name"]}"', f'scenario = "{spec["scenario"]}"', f'design = "{spec["design"]}"',
             f'replicates = {spec["replicates"]}', f'seed = {spec["seed"]}']
    for p in spec["parameters"]:
        lines += ["[[parameters]]", f'path = "{p["path"]}"', f'values = {p["values"]}']
    s = spec["summary"]
    lines += ["[summary]", f'metrics = {list(s["metrics"])}'.replace("'", '"'),
              f'groups = {list(s["groups"])}'.replace("'", '"')]
    return "\n".join(lines) + "\n"
