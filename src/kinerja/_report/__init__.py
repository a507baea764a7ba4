"""Laporan Kinerja tables from definitions and data, in several formats.

:func:`build_report` makes the report as data (:class:`Report`: tables of exact, typed
cells and the series behind the charts); :func:`render` turns it into one format. Each
format has its own module, imported only when used, so the heavy optional dependencies
(rich, Babel, openpyxl: the ``report`` extra) load only when a report is written.

Example:
    >>> catalog = kinerja.load("indicators/rehsos")  # doctest: +SKIP
    >>> years = catalog.evaluate_years(kinerja.load_years("examples/rehsos-2023/data"))  # doctest: +SKIP
    >>> report = build_report(catalog, years, 2023)  # doctest: +SKIP
    >>> render(report, "md")  # doctest: +SKIP
"""

from __future__ import annotations

from ._build import build_report, style_of
from ._i18n import LOCALES
from ._model import AchievementBar, Cell, Column, Report, Row, Table, YearSeries
from ._render import BINARY_FORMATS, FORMATS, render

__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "LOCALES",
    "AchievementBar",
    "Cell",
    "Column",
    "Report",
    "Row",
    "Table",
    "YearSeries",
    "build_report",
    "render",
    "style_of",
]
