"""Scenarios as values: loading, building from a dict, changing, and the problems they are refused with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import supportsim
from conftest import REPO


def test_load_gives_the_file_with_extends_resolved_and_to_toml_reads_back():
    s = supportsim.load(REPO / "scenarios" / "venue_closure.toml")
    assert s.name == "venue_closure"
    assert s.agents == 20000 and s.days == 728 and len(s.events) == 1
    assert "north" in s.districts and "north_meeting_place" in s.venues
    assert s.headline == {"group": "district:north/service_users", "metric": "lonely_share"}
    again = supportsim.Scenario.from_dict(s.to_dict())
    assert again == s
    # The built-in copy is the same scenario.
    assert supportsim.builtin("venue_closure") == s
    assert "venue_closure" in supportsim.builtin_names() and "baseline" in supportsim.builtin_names()


def test_a_scenario_is_a_value(small):
    before = small.to_dict()
    changed = small.with_params(habit_pull=0.5).with_events([])
    assert small.to_dict() == before
    assert changed.to_dict()["params"]["habit_pull"] == 0.5
    assert changed.events == [] and len(small.events) == 1
    d = small.to_dict()
    d["name"] = "other"
    assert small.name == "venue_closure"


def test_problems_name_file_line_and_key(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "%s"\nname = "bad"\n[population]\nn_agents = -5\n' % (REPO / "scenarios" / "baseline.toml"))
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.load(bad)
    (p,) = e.value.problems
    assert p.file == str(bad) and p.line == 4 and p.path == "population.n_agents"
    assert "between 10 and" in p.message
    assert isinstance(e.value, ValueError)


def test_with_params_is_checked_and_suggests_a_name(small):
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_params(habit_pul=0.5)
    assert any(p.path == "params.habit_pul" and "habit_pull" in p.message for p in e.value.problems)
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_params(habit_pull=-3)
    assert [p.path for p in e.value.problems] == ["params.habit_pull"]


def test_from_dict_reports_every_problem_at_once_with_lines_of_to_toml():
    table = {"name": "x", "population": {"n_agents": -5}}
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.Scenario.from_dict(table)
    paths = [p.path for p in e.value.problems]
    assert "districts" in paths and "population.n_agents" in paths
    assert all(p.file == "<python>" for p in e.value.problems)
    # The line is the key's line in the TOML text of the dict (what to_toml() would write).
    text = supportsim._native.toml_text(json.dumps(table)).splitlines()
    (p,) = [p for p in e.value.problems if p.path == "population.n_agents"]
    assert text[p.line - 1].startswith("n_agents = -5"), (p.line, text)


def test_from_dict_resolves_extends_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO / "scenarios")
    s = supportsim.Scenario.from_dict({"extends": "venue_closure.toml", "population": {"n_agents": 3000}})
    monkeypatch.chdir(tmp_path)  # the scenario holds the merged table: the folder no longer matters
    assert "extends" not in s.to_dict() and s.name == "venue_closure" and s.agents == 3000
    assert len(s.events) == 1 and "north_meeting_place" in s.venues
    town = s.with_events([])
    assert town.events == [] and "events" not in town.to_dict()
    assert supportsim.Scenario.from_dict(town.to_dict()) == town


def test_floats_cross_to_the_engine_exactly(cli, tmp_path):
    import random

    values = [random.Random(3).uniform(0.3, 0.9) for _ in range(1)] + [0.9968248478393177]
    for v in values:
        file = tmp_path / "town.toml"
        text = (REPO / "scenarios" / "venue_closure.toml").read_text().replace(
            'extends = "baseline.toml"', f'extends = "{REPO / "scenarios" / "baseline.toml"}"')
        file.write_text(text + f"\n[params]\nhabit_pull = {v!r}\n")
        s = supportsim.load(file)
        assert s.to_dict()["params"]["habit_pull"] == v
        assert f"habit_pull = {v!r}" in s.to_toml()


def test_numpy_numbers_are_taken_and_equal_dicts_hash_alike(small):
    import numpy as np

    assert small.with_params(habit_pull=np.float64(0.5)) == small.with_params(habit_pull=0.5)
    assert small.with_values({"population.n_agents": np.int64(2500)}).agents == 2500
    a = supportsim.Scenario.from_dict(small.to_dict())
    b = supportsim.Scenario.from_dict(dict(reversed(list(small.to_dict().items()))))
    assert a == b and hash(a) == hash(b)


def test_with_values_uses_the_sweep_paths(small):
    s = small.with_values({"venues.north_meeting_place.capacity": 12, "events[0].day": 200})
    table = s.to_dict()
    venue = next(v for v in table["venues"] if v["name"] == "north_meeting_place")
    assert venue["capacity"] == 12 and table["events"][0]["day"] == 200
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_values({"venues.north_meting_place.capacity": 12})
    assert "north_meeting_place" in e.value.problems[0].message


def test_values_that_are_not_toml_are_refused_naming_where(small):
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_params(habit_pull=float("nan"))
    assert e.value.problems[0].path == "params.habit_pull" and "params.habit_pull: must be a finite" in str(e.value)
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.Scenario.from_dict({"name": "x", "run": {"days": None}})
    assert e.value.problems[0].path == "run.days" and "NoneType is not a TOML value" in str(e.value)
    with pytest.raises(supportsim.ScenarioError, match="write it to a file with to_toml"):
        supportsim.sweep({"name": "s", "scenario": small, "parameters": []}, progress=False)


def test_a_bad_path_to_set_says_why_in_its_message(small):
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_values({"events[1].amount": 5})
    assert "events[1].amount" in str(e.value) and "1 problem in the values to set:" in str(e.value)
    assert e.value.problems[0].message in str(e.value)
    assert repr(small.with_values({"run.replicates": 1})).count("1 replicate,") == 1


def test_params_lists_every_parameter():
    p = supportsim.params()
    assert list(p.columns) == ["name", "default", "unit", "min", "max", "source", "meaning"]
    assert "habit_pull" in set(p["name"]) and len(p) > 40
    assert (p["min"] <= p["default"]).all() and (p["default"] <= p["max"]).all()


def test_from_toml_reads_what_to_toml_writes(small):
    assert supportsim.Scenario.from_toml(small.to_toml()) == small
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.Scenario.from_toml('name = "x"\n[run]\ndays = = 3\n')
    assert e.value.problems[0].line == 3 and "not valid TOML" in e.value.problems[0].message
