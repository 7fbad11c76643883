"""Runs and comparisons: the engine's experiment, its data as pandas DataFrames in the shape of the CSV files
the command line writes (read from those very files, so every number is the same to the last digit), and
``save`` to write the folder ``supportsim run`` or ``supportsim compare`` writes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from . import _native
from ._errors import SteadyStateWarning
from ._progress import Progress
from ._scenario import PathLike, Scenario, load, to_json

if TYPE_CHECKING:  # pragma: no cover
    import pandas


def _read_csv(path: Path) -> "pandas.DataFrame":
    import pandas as pd

    # Only an empty field is missing (a venue may be called "NA"). Floats must read back exactly: pandas
    # before 3 needs the round-trip parser for that; from 3 on its default parser is exact (and the option
    # is deprecated). A test holds every value to Python's own float() of the CSV text.
    exact = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
    return pd.read_csv(path, keep_default_na=False, na_values=[""], **exact)


def _scenario(s: Union[Scenario, PathLike]) -> Scenario:
    return s if isinstance(s, Scenario) else load(s)


def _overridden(s: Scenario, replicates: Optional[int], seed: Optional[int], window_days: Optional[int]) -> Scenario:
    """The scenario with the run's overrides, checked by the validator (a bad value names its key)."""
    table = s.to_dict()
    for section, key, value in (("run", "replicates", replicates), ("run", "seed", seed),
                                ("analysis", "window_days", window_days)):
        if value is not None:
            table.setdefault(section, {})[key] = value
    return s if table == s.to_dict() else Scenario(table)


def _threads(threads: Optional[int]) -> Optional[int]:
    """At most the cores this process may use (more would only be slower; results are the same at any count)."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a whole number of at least 1, got {threads!r}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(threads, cores)


def _call(name: str, *args: Any, **kw: Any) -> str:
    """How a run was asked for, for its manifest's command_line (a scenario is named, and is in the manifest
    as it ran)."""
    shown = [str(a) for a in args] + [f"{k}={v!r}" for k, v in kw.items() if v is not None]
    return f"python {sys.version_info[0]}.{sys.version_info[1]}: supportsim.{name}({', '.join(shown)})"


class _Output:
    """Data files in a private folder (removed with this object), saved on request."""

    def __init__(self, data: Any, workdir: tempfile.TemporaryDirectory):
        self._data = data
        self._workdir = workdir

    def _path(self, name: str) -> Path:
        return Path(self._data.dir) / name

    def _frame(self, name: str) -> "Optional[pandas.DataFrame]":
        return _read_csv(self._path(name)) if name in self._data.files else None

    @cached_property
    def manifest(self) -> Dict[str, Any]:
        """How it was made, as the folder's manifest.json says: version, seed, replicates, the scenario…"""
        return json.loads(self._data.manifest)

    def save(self, folder: PathLike, force: bool = False) -> Path:
        """Writes the output folder the command line writes (CSV files, manifest.json, charts/, report.html)
        into ``folder`` and returns it. Like the command line, it writes only into a new or empty folder or
        one supportsim wrote (replacing that output); ``force`` lets it replace supportsim's output of
        another kind, never anyone else's files."""
        target = Path(folder)
        self._data.save(os.fspath(target), force)
        return target

    def report(self, folder: PathLike, force: bool = False) -> Path:
        """Saves the output folder (as :meth:`save`) and returns the path of its report.html."""
        return self.save(folder, force) / "report.html"


class Result(_Output):
    """What :func:`run` gives: the run's data as pandas DataFrames in the tidy shape of its CSV files
    (README, "Output files"), its manifest, and :meth:`save` / :meth:`report`."""

    def __init__(self, scenario: Scenario, data: Any, workdir: tempfile.TemporaryDirectory):
        super().__init__(data, workdir)
        self.scenario = scenario

    @cached_property
    def timeseries(self) -> "pandas.DataFrame":
        """timeseries.csv: one row per arm, replicate, recorded day and group; a column per metric."""
        return self._frame("timeseries.csv")

    @cached_property
    def venues(self) -> "pandas.DataFrame":
        """venues.csv: one row per arm, replicate, recorded day and venue (open, attendance)."""
        return self._frame("venues.csv")

    @cached_property
    def effects(self) -> "Optional[pandas.DataFrame]":
        """effects.csv of a what-if: each group's and metric's paired effect with its 95% interval; None for a
        town alone (see :attr:`levels`)."""
        return self._frame("effects.csv")

    @cached_property
    def levels(self) -> "Optional[pandas.DataFrame]":
        """levels.csv of a town alone: each group's and metric's level with its 95% interval; None for a
        what-if (see :attr:`effects`)."""
        return self._frame("levels.csv")

    @cached_property
    def agents(self) -> "Optional[pandas.DataFrame]":
        """agents.csv (with ``record_agents=True``): one row per agent per recording period."""
        return self._frame("agents.csv")

    @cached_property
    def ties(self) -> "Optional[pandas.DataFrame]":
        """ties.csv (with ``record_agents=True``)."""
        return self._frame("ties.csv")

    @cached_property
    def episodes(self) -> "Optional[pandas.DataFrame]":
        """episodes.csv (with ``record_agents=True``)."""
        return self._frame("episodes.csv")

    @property
    def files(self) -> List[str]:
        """The data files the run wrote (what :meth:`save` copies, besides the drawings)."""
        return list(self._data.files)

    @property
    def headline(self) -> Optional[Dict[str, Any]]:
        """The pre-specified headline effect (a what-if): group, metric, baseline, scenario, difference and its
        95% interval; None for a town alone."""
        if self.effects is None:
            return None
        h = self.scenario.headline
        rows = self.effects[(self.effects["group"] == h["group"]) & (self.effects["metric"] == h["metric"])]
        return None if rows.empty else rows.iloc[0].to_dict()

    @property
    def warnings(self) -> List[str]:
        """What ``supportsim run`` warns about, in sentences: the town not settled over the analysis window
        (its baseline drifting), venues full on most of their open days. Each is also issued as a
        :class:`SteadyStateWarning` when the run ends."""
        return list(self._data.warnings)

    @property
    def sentence(self) -> Optional[str]:
        """The headline effect in a sentence with head counts, as the terminal and report.html say it (for a
        memo); None for a town alone."""
        return self._data.sentence

    def _repr_html_(self) -> str:
        """In a notebook: the headline sentence, the warnings, and the key effects (or levels) of the headline
        group."""
        import html

        parts = [f"<p><b>{html.escape(self.scenario.name)}</b>, {self.manifest['replicates']} replicates</p>"]
        if self.sentence:
            parts.append(f"<p>{html.escape(self.sentence)}</p>")
        for w in self.warnings:
            parts.append(f"<p style='background:#fff4e5;padding:0.3em'>{html.escape(w)}</p>")
        table = self.effects if self.effects is not None else self.levels
        group = self.scenario.headline["group"] if self.effects is not None else "all"
        key = ["lonely_share", "crisis_share", "attended_share", "ties_mean", "hope_mean"]
        rows = table[(table["group"] == group) & table["metric"].isin(key)]
        parts.append(f"<p>{html.escape(group)}:</p>" + rows.to_html(index=False))
        return "\n".join(parts)

    def __repr__(self) -> str:
        what = self.sentence or "the town alone (no events): see .levels"
        n = self.manifest["replicates"]
        return f"<Result {self.scenario.name!r}, {n} replicate{'s' if n != 1 else ''}: {what}>"


class Comparison(_Output):
    """What :func:`compare` gives: comparison.csv as a DataFrame (every option's effects on one baseline and
    the same seeds), the ranking, its manifest, and :meth:`save` / :meth:`report`."""

    def __init__(self, scenarios: List[Scenario], data: Any, workdir: tempfile.TemporaryDirectory):
        super().__init__(data, workdir)
        self.scenarios = scenarios

    @cached_property
    def effects(self) -> "pandas.DataFrame":
        """comparison.csv: the columns of effects.csv with the option's name first."""
        return self._frame("comparison.csv")

    def ranking(self, group: str = "service_users", metric: str = "lonely_share") -> "pandas.DataFrame":
        """The options ordered by their effect on ``metric`` of ``group`` (lowest first), as the command line
        and report.html rank them."""
        e = self.effects
        rows = e[(e["group"] == group) & (e["metric"] == metric)]
        if rows.empty:
            raise ValueError(f"the comparison has no effect on {metric} of {group}")
        return rows.sort_values("difference", kind="stable").reset_index(drop=True)

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(s.name for s in self.scenarios)}>"


def run(
    scenario: Union[Scenario, PathLike],
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    window_days: Optional[int] = None,
    record_agents: bool = False,
    record_every: Optional[int] = None,
    force: bool = False,
    progress: bool = True,
) -> Result:
    """Runs a scenario as ``supportsim run`` does: every replicate, both arms of a what-if on the same seeds.

    ``replicates``, ``seed`` and ``window_days`` (the analysis window) default to the scenario's own, as the
    command line's ``--replicates``, ``--seed`` and ``--window`` do; ``threads`` defaults to every core (the
    results are the same at any count). ``record_agents`` keeps agent-level records (large: a row per agent
    per recording period, or per ``record_every`` days). ``force`` runs even when the towns would not fit in
    the memory available. The simulation runs with the GIL released; Ctrl-C stops it within a second and
    raises ``KeyboardInterrupt``. ``progress`` shows a bar (tqdm when installed).
    """
    base = _scenario(scenario)
    s = _overridden(base, replicates, seed, window_days)
    command = _call("run", f"<scenario {s.name!r}: the manifest's `scenario`>", replicates=replicates, seed=seed, threads=threads, window_days=window_days,
                    record_agents=record_agents or None, record_every=record_every)
    workdir = tempfile.TemporaryDirectory(prefix="supportsim-run-")
    with Progress(progress, f"{s.name}: runs") as callback:
        data = _native.run(to_json(s.to_dict()), workdir.name, command, threads=_threads(threads), record_agents=record_agents,
                           record_every=record_every, force=force, progress=callback)
    result = Result(s, data, workdir)
    for w in result.warnings:
        warnings.warn(w, SteadyStateWarning, stacklevel=2)
    return result


def compare(
    scenarios: Sequence[Union[Scenario, PathLike]],
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    window_days: Optional[int] = None,
    force: bool = False,
    progress: bool = True,
) -> Comparison:
    """Compares what-ifs on one baseline and the same seeds, as ``supportsim compare`` does: the options must
    describe the same town and run settings and differ in their events (and names). Options as for
    :func:`run`."""
    if isinstance(scenarios, (str, bytes, os.PathLike, Scenario)):
        raise TypeError("compare takes a list of scenarios or scenario files, e.g. compare([a, b])")
    options = [_overridden(_scenario(s), replicates, seed, window_days) for s in scenarios]
    if not options:
        raise ValueError("compare needs at least one scenario")
    command = _call("compare", f"<options {[s.name for s in options]}: the manifest's `scenarios`>", replicates=replicates, seed=seed, threads=threads,
                    window_days=window_days)
    workdir = tempfile.TemporaryDirectory(prefix="supportsim-compare-")
    with Progress(progress, "compare: runs") as callback:
        data = _native.compare([to_json(s.to_dict()) for s in options], workdir.name, command, threads=_threads(threads),
                               force=force, progress=callback)
    return Comparison(options, data, workdir)

