"""Sweeps from Python: ``supportsim sweep``'s run (the same folder, rows, analysis and resumption), its rows
as they are written, or its results as DataFrames."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Union

from . import _native
from ._progress import Progress
from ._results import _call, _read_csv, _threads
from ._scenario import PathLike, to_json

if TYPE_CHECKING:  # pragma: no cover
    import pandas

Spec = Union[PathLike, Mapping[str, Any]]


class SweepResult:
    """A finished sweep (or shard): its folder and its files as DataFrames."""

    def __init__(self, dir: Path, outcome: Dict[str, Any]):
        self.dir = dir
        #: What this call did: ``runs`` run, ``skipped`` (found finished), ``complete_before``, ``wall_seconds``.
        self.outcome = outcome

    def _frame(self, name: str) -> "Optional[pandas.DataFrame]":
        path = self.dir / name
        return _read_csv(path) if path.is_file() else None

    @property
    def runs(self) -> "pandas.DataFrame":
        """runs.csv: one row per run (point × replicate): its parameter values and summary outputs."""
        return self._frame("runs.csv")

    @property
    def points(self) -> "Optional[pandas.DataFrame]":
        """points.csv: each point's outputs over its replicates (None for a shard)."""
        return self._frame("points.csv")

    @property
    def sensitivity(self) -> "Optional[pandas.DataFrame]":
        """sensitivity.csv: PRCC or Sobol indices of each parameter (None for a shard or a grid without one)."""
        return self._frame("sensitivity.csv")

    @property
    def manifest(self) -> Dict[str, Any]:
        return json.loads((self.dir / "manifest.json").read_text())

    def __repr__(self) -> str:
        return f"<SweepResult in {str(self.dir)!r}: {self.outcome}>"


def _start(spec: Spec, name: str, shard: Optional[str], out: Optional[PathLike], replicates: Optional[int],
           points: Optional[int], agents: Optional[int], threads: Optional[int], resume: bool, force: bool) -> Any:
    where: Dict[str, Any]
    if isinstance(spec, Mapping):
        where = {"table": to_json(dict(spec), "a sweep")}
        shown: Any = "<sweep from a dict: its folder's sweep.toml>"
    else:
        where = {"path": os.fspath(spec)}
        shown = repr(os.fspath(spec))
    command = _call(name, shown, shard=shard, out=None if out is None else os.fspath(out), replicates=replicates,
                    points=points, agents=agents, threads=threads, resume=resume or None)
    return _native.sweep_start(**where, out=None if out is None else os.fspath(out), shard=shard,
                               replicates=replicates, points=points, agents=agents, threads=_threads(threads),
                               resume=resume, force=force, command=command)


def _value(text: str) -> Any:
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class SweepRows:
    """The rows of a running sweep as they are written, in run order: an iterator of dicts (column → value).

    The sweep runs on its own threads while you read the rows. It stops when the iterator is closed:
    ``close()``, the end of a ``with`` block, or the iterator being dropped (a ``for`` loop over
    ``sweep_rows(...)`` itself drops it when the loop ends, also after ``break``); its finished runs stay in the
    folder for ``resume=True``. An iterator kept in a variable keeps its sweep running until then, so use it as
    ``with supportsim.sweep_rows(...) as rows:``.
    """

    def __init__(self, job: Any, progress: bool):
        self._job = job
        self._header = list(job.header)
        self._progress = Progress(progress, "sweep: runs")
        self._callback = self._progress.__enter__()
        self._closed = False

    @property
    def dir(self) -> Path:
        """The sweep's folder."""
        return Path(self._job.dir)

    @property
    def outcome(self) -> Optional[Dict[str, Any]]:
        """What the sweep did, once it finished (as :attr:`SweepResult.outcome`); None before."""
        said = self._job.outcome
        return None if said is None else json.loads(said)

    def __iter__(self) -> "SweepRows":
        return self

    def __next__(self) -> Dict[str, Any]:
        if self._closed:
            raise StopIteration
        try:
            line = self._job.next_row(self._callback)
        except BaseException:
            self.close()
            raise
        if line is None:
            self.close()
            raise StopIteration
        fields = next(csv.reader([line]))
        return {k: _value(v) for k, v in zip(self._header, fields)}

    def close(self) -> None:
        """Stops the sweep if it is still running and waits for its threads (about a second at most)."""
        if not self._closed:
            self._closed = True
            self._job.stop()
            self._progress.__exit__(None, None, None)

    def __enter__(self) -> "SweepRows":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


def sweep_rows(
    spec: Spec,
    shard: Optional[str] = None,
    out: Optional[PathLike] = None,
    replicates: Optional[int] = None,
    points: Optional[int] = None,
    agents: Optional[int] = None,
    threads: Optional[int] = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
) -> SweepRows:
    """Runs a sweep as :func:`sweep` does and gives each run's row of runs.csv (a dict: column → value) as it
    is written, in run order (with ``resume=True``, the rows of the runs this call runs; runs.csv holds them
    all). Leaving the rows early stops the sweep (see :class:`SweepRows`); its finished runs stay in the folder
    for ``resume=True``."""
    return SweepRows(_start(spec, "sweep_rows", shard, out, replicates, points, agents, threads, resume, force),
                     progress)


def sweep(
    spec: Spec,
    shard: Optional[str] = None,
    out: Optional[PathLike] = None,
    replicates: Optional[int] = None,
    points: Optional[int] = None,
    agents: Optional[int] = None,
    threads: Optional[int] = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Runs a parameter sweep as ``supportsim sweep`` does (docs/sweeps.md) and returns its results.

    ``spec`` is a sweep file or a dict shaped like one (its ``scenario`` path relative to the current
    folder). The sweep writes its folder, ``out`` or ``output/<sweep name>/`` as on the command line:
    runs.csv as runs finish, then points.csv, sensitivity.csv and charts. ``shard="K/N"`` runs the K-th of N
    shares (``supportsim merge`` joins them); ``resume`` goes on from an interrupted sweep's finished runs;
    ``replicates``, ``points`` and ``agents`` are the command line's quick-look options. Ctrl-C stops it and
    raises ``KeyboardInterrupt``; its finished runs stay, for ``resume=True``.
    """
    with SweepRows(_start(spec, "sweep", shard, out, replicates, points, agents, threads, resume, force),
                   progress) as rows:
        for _ in rows:
            pass
    return SweepResult(rows.dir, rows.outcome)
