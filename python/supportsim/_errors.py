"""The exceptions supportsim raises besides Python's own (``ValueError``, ``OSError``, ``KeyboardInterrupt``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario, sweep or targets file, as ``supportsim validate`` reports it.

    ``file`` and ``line`` say where it was written: the file for a scenario read with :func:`supportsim.load`;
    ``"<python>"`` and a line of :meth:`Scenario.to_toml` for one made in Python; ``None`` where unknown.
    ``path`` is the dotted key (``venues[2].capacity``); ``message`` says what is wrong and what is accepted.
    """

    file: Optional[str]
    line: Optional[int]
    path: str
    message: str

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class ScenarioError(ValueError):
    """A scenario (or sweep) that supportsim refuses; ``.problems`` lists every problem at once."""

    problems: List[Problem]

    def __init__(self, message: str, problems: List[Mapping[str, Any]]):
        super().__init__(message)
        self.problems = [p if isinstance(p, Problem) else Problem(**p) for p in problems]


class SteadyStateWarning(UserWarning):
    """A run's town was not settled over the analysis window, or a venue was full on most of its open days:
    the warnings ``supportsim run`` prints (docs/report.md, "Findings"). Also in :attr:`Result.warnings`."""
