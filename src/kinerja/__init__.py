"""kinerja: a rules engine for government performance indicators (SAKIP).

Indicators are declared in TOML, evaluated exactly (Decimal arithmetic, half-up rounding
once at the end) by a small, safe formula engine, and checked for units at load.

Example:
    >>> import kinerja
    >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
    >>> results = catalog.evaluate("examples/demo/data-2023.toml", year=2023)  # doctest: +SKIP
    >>> print(results["demo.nka"].value, results["demo.nka"].achievement)  # doctest: +SKIP
    91.31 101.46
"""

from ._achievement import Status, achievement
from ._backends import NotAvailable
from ._catalog import Catalog
from ._data import YearData, load_data, load_years
from ._errors import (
    DataError,
    DefinitionError,
    EvaluationError,
    FormulaError,
    KinerjaError,
    OutputError,
    Problem,
    UnitError,
)
from ._explain import Explanation, explain
from ._formula import Formula, FormulaEngine, compile_formula
from ._loader import load
from ._model import (
    Band,
    BandSet,
    Disaggregation,
    FormulaSpec,
    Goal,
    Indicator,
    InForce,
    InputSpec,
    RangeTarget,
    Sampling,
)
from ._numbers import round_half_up
from ._replay import Check, Replay, replay
from ._results import (
    BandResult,
    GroupResult,
    IndicatorResult,
    Note,
    Results,
    SamplingResult,
)

__version__ = "0.1.0"

__all__ = [
    "Band",
    "BandResult",
    "BandSet",
    "Catalog",
    "Check",
    "DataError",
    "DefinitionError",
    "Disaggregation",
    "EvaluationError",
    "Explanation",
    "Formula",
    "FormulaEngine",
    "FormulaError",
    "FormulaSpec",
    "Goal",
    "GroupResult",
    "InForce",
    "Indicator",
    "IndicatorResult",
    "InputSpec",
    "KinerjaError",
    "NotAvailable",
    "Note",
    "OutputError",
    "Problem",
    "RangeTarget",
    "Replay",
    "Results",
    "Sampling",
    "SamplingResult",
    "Status",
    "UnitError",
    "YearData",
    "__version__",
    "achievement",
    "compile_formula",
    "explain",
    "load",
    "load_data",
    "load_years",
    "replay",
    "round_half_up",
]
