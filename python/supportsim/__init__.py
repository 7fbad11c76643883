"""supportsim from Python: the same engine as the command line, results as pandas DataFrames.

    import supportsim
    closure = supportsim.builtin("venue_closure")      # or supportsim.load("my_town.toml")
    result = supportsim.run(closure, replicates=8)
    result.effects                                      # a DataFrame, as effects.csv
    result.save("output/closure")                       # the folder `supportsim run` writes

Results equal the command line's to the last digit for the same scenario and seed. See docs/python.md.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import _native
from ._errors import Problem, ScenarioError, SteadyStateWarning
from ._results import Comparison, Result, compare, run
from ._scenario import Scenario, builtin, builtin_names, load
from ._sweep import SweepResult, SweepRows, sweep, sweep_rows

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__version__: str = _native.__version__

__all__ = [
    "Comparison",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "SteadyStateWarning",
    "SweepResult",
    "SweepRows",
    "builtin",
    "builtin_names",
    "compare",
    "load",
    "params",
    "run",
    "sweep",
    "sweep_rows",
]


def params() -> "pandas.DataFrame":
    """Every model parameter, as ``supportsim params`` lists it: name, default, unit, min, max, source and
    meaning. Set them with :meth:`Scenario.with_params`."""
    import pandas as pd

    return pd.DataFrame(json.loads(_native.params_table()))
