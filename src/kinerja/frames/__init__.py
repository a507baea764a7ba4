"""Evaluate a whole catalog on dataframes: Polars, pandas, PyArrow, DuckDB, Dask, PySpark.

The same checked formula trees the exact path evaluates are compiled once more, to
narwhals expressions, and run in the caller's engine over long-format data (see
:class:`LongSchema` and ``docs/scale.md``). Results agree with :meth:`Catalog.evaluate`
to the last published digit: values near a rounding tie or a decision boundary are
settled with the exact Decimal path.

Example:
    >>> import polars as pl, kinerja
    >>> from kinerja.frames import evaluate_frame
    >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
    >>> rows = pl.DataFrame({"year": [2023, 2023], "indicator": ["demo.kemampuan"] * 2,
    ...     "input": ["pm_meningkat", "pm_dimonev"], "value": [1794, 2035]})  # doctest: +SKIP
    >>> evaluate_frame(catalog, rows)["value"].to_list()  # doctest: +SKIP
    [88.16, ...]

This package needs the ``frames`` extra (``pip install kinerja[frames]``); ``import
kinerja`` never imports it, and importing this package imports no dataframe library until
one of its functions is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._schema import RESULT_COLUMNS, LongSchema

if TYPE_CHECKING:
    from ._evaluate import evaluate_frame, read_long
    from ._plan import FrameError

__all__ = ["RESULT_COLUMNS", "FrameError", "LongSchema", "evaluate_frame", "read_long"]

_LAZY = {
    "evaluate_frame": "._evaluate",
    "read_long": "._evaluate",
    "FrameError": "._plan",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
