"""Scenarios as values: loading, building from a dict, changing, and the problems they are refused with."""

from __future__ import annotations

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
    with pytest.raises(supportsim.ScenarioError) as e:
        supportsim.Scenario.from_dict({"name": "x", "population": {"n_agents": -5}})
    paths = [p.path for p in e.value.problems]
    assert "districts" in paths and "population.n_agents" in paths
    assert all(p.file == "<python>" for p in e.value.problems)


def test_with_values_uses_the_sweep_paths(small):
    s = small.with_values({"venues.north_meeting_place.capacity": 12, "events[0].day": 200})
    table = s.to_dict()
    venue = next(v for v in table["venues"] if v["name"] == "north_meeting_place")
    assert venue["capacity"] == 12 and table["events"][0]["day"] == 200
    with pytest.raises(supportsim.ScenarioError) as e:
        small.with_values({"venues.north_meting_place.capacity": 12})
    assert "north_meeting_place" in e.value.problems[0].message


def test_values_that_are_not_toml_are_refused(small):
    with pytest.raises(supportsim.ScenarioError):
        small.with_params(habit_pull=float("nan"))
    with pytest.raises(supportsim.ScenarioError):
        supportsim.Scenario.from_dict({"name": "x", "run": {"days": None}})


def test_params_lists_every_parameter():
    p = supportsim.params()
    assert list(p.columns) == ["name", "default", "unit", "min", "max", "source", "meaning"]
    assert "habit_pull" in set(p["name"]) and len(p) > 40
    assert (p["min"] <= p["default"]).all() and (p["default"] <= p["max"]).all()
