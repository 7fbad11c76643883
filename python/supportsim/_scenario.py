"""Scenarios as values: read from a file, built from a dict, or changed by ``with_…``; each is checked on
creation by the validator ``supportsim validate`` uses."""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import ScenarioError

PathLike = Union[str, "os.PathLike[str]"]


def _plain(value: Any) -> Any:
    """numpy's numbers and arrays (anything with ``tolist``) as Python's own."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not a TOML value")


def _unfit(value: Any, path: str) -> Optional[Tuple[str, str]]:
    """The first place in a table that TOML cannot hold, and why: (dotted path, message)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _unfit(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _unfit(v, f"{path}[{i}]")
            if found:
                return found
        return None
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _unfit(value.tolist(), path)
    if isinstance(value, bool) or isinstance(value, (int, str)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, f"must be a finite number, got {value}")
    if type(value).__name__ == "Scenario":
        return (path, "a Scenario cannot go inside a table: write it to a file with to_toml() and name the file")
    return (path, f"{type(value).__name__} is not a TOML value (strings, finite numbers, booleans, lists, dicts)")


def to_json(value: Any, what: str = "a scenario", sort_keys: bool = False) -> str:
    """The JSON text a table crosses to the engine as; a value TOML cannot hold is a :class:`ScenarioError`
    naming where it is."""
    found = _unfit(value, "")
    if found:
        path, why = found
        message = f"1 problem in {what}:\n  {path}: {why}"
        raise ScenarioError(message, [{"file": None, "line": None, "path": path, "message": why}])
    return json.dumps(value, allow_nan=False, default=_plain, sort_keys=sort_keys)


class Scenario:
    """A scenario: a town (districts, venues, people), its run settings and, for a what-if, its events.

    A scenario is a value: it is checked when it is made (every problem at once, raised as
    :class:`ScenarioError`), never changes, and the ``with_…`` methods return new scenarios. Its content is
    the scenario file's TOML table with ``extends`` resolved; :meth:`to_toml` writes a file that
    ``supportsim run`` accepts unchanged, and running it gives the same numbers as :func:`supportsim.run`.
    """

    __slots__ = ("_table", "_summary")

    def __init__(self, table: Mapping[str, Any]):
        checked = json.loads(_native.check(to_json(table)))
        self._summary: Dict[str, Any] = checked["summary"]
        self._table: Dict[str, Any] = checked["table"]

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "Scenario":
        """A scenario from a dict shaped like a scenario file (docs/scenarios.md): ``{"name": …, "run": {…},
        "population": {…}, "districts": [...], "venues": [...], "events": [...]}``. ``extends`` may name a
        file (relative to the current folder), which is read and merged at once, as a file's ``extends`` is:
        the scenario holds the merged table. Without a ``name`` (of its own or inherited) it is called
        ``scenario``."""
        return cls(dict(table))

    @classmethod
    def from_toml(cls, text: str) -> "Scenario":
        """A scenario from the text of a scenario file (what :meth:`to_toml` writes, or a file's content);
        ``extends`` is read relative to the current folder."""
        return cls(json.loads(_native.parse_toml(text)))

    @property
    def name(self) -> str:
        """The scenario's name (its output folder's default name)."""
        return self._summary["name"]

    @property
    def description(self) -> str:
        return self._summary["description"]

    @property
    def agents(self) -> int:
        """The people in the town."""
        return self._summary["agents"]

    @property
    def days(self) -> int:
        return self._summary["days"]

    @property
    def replicates(self) -> int:
        return self._summary["replicates"]

    @property
    def seed(self) -> int:
        return self._summary["seed"]

    @property
    def districts(self) -> List[str]:
        return list(self._summary["districts"])

    @property
    def venues(self) -> List[str]:
        return list(self._summary["venues"])

    @property
    def events(self) -> List[Dict[str, Any]]:
        """The events (a copy); empty for a town alone."""
        return copy.deepcopy(self._table.get("events", []))

    @property
    def headline(self) -> Dict[str, str]:
        """The group and metric of the pre-specified headline effect."""
        group, metric = self._summary["headline"]
        return {"group": group, "metric": metric}

    def to_dict(self) -> Dict[str, Any]:
        """The scenario's table (a copy), as :meth:`from_dict` takes it."""
        return copy.deepcopy(self._table)

    def to_toml(self) -> str:
        """The scenario as the text of a TOML file that ``supportsim run`` reads unchanged."""
        return _native.toml_text(to_json(self._table))

    def with_params(self, **params: float) -> "Scenario":
        """The same scenario with model parameters set (``supportsim.params()`` lists them), e.g.
        ``with_params(habit_pull=0.5)``; each is checked against its range."""
        table = self.to_dict()
        table["params"] = {**table.get("params", {}), **params}
        return Scenario(table)

    def with_events(self, events: Iterable[Mapping[str, Any]]) -> "Scenario":
        """The same town with these events instead of its own (docs/scenarios.md lists their kinds), e.g.
        ``[{"day": 182, "action": "close_venue", "venue": "north_meeting_place"}]``; ``[]`` for the town alone."""
        table = self.to_dict()
        events = [dict(e) for e in events]
        if events:
            table["events"] = events
        else:
            table.pop("events", None)
        return Scenario(table)

    def with_values(self, values: Mapping[str, Any]) -> "Scenario":
        """The same scenario with values set at dotted paths, as a sweep file names them:
        ``{"population.n_agents": 5000, "venues.north_meeting_place.capacity": 30, "events[0].day": 200}``."""
        pairs = [[path, value] for path, value in values.items()]
        return Scenario(json.loads(_native.set_values(to_json(self._table), to_json(pairs, "a value"))))

    def with_name(self, name: str) -> "Scenario":
        """The same scenario under another name (options compared together need names of their own)."""
        table = self.to_dict()
        table["name"] = name
        return Scenario(table)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._table == other._table

    def __hash__(self) -> int:
        return hash(to_json(self._table, sort_keys=True))

    def __repr__(self) -> str:
        n = len(self._table.get("events", []))
        what = f"{n} event{'s' if n != 1 else ''}" if n else "no events (the town alone)"
        reps = f"{self.replicates} replicate{'s' if self.replicates != 1 else ''}"
        return f"<Scenario {self.name!r}: {self.agents} agents, {self.days} days, {reps}, {what}>"


def load(path: PathLike) -> Scenario:
    """Reads and checks a scenario file (its ``extends`` chain resolved), as ``supportsim run PATH`` would;
    problems are raised as :class:`ScenarioError` naming the file and line."""
    return Scenario(json.loads(_native.load_file(os.fspath(path))))


def builtin(name: str = "venue_closure") -> Scenario:
    """A scenario compiled into supportsim, available wherever it is installed: ``"venue_closure"`` (the
    default what-if: a budget cut closes the north meeting place) or ``"baseline"`` (the default town)."""
    return Scenario(json.loads(_native.load_builtin(name)))


def builtin_names() -> List[str]:
    """The names :func:`builtin` takes."""
    return list(_native.builtin_names())
