"""CSV: every table in one file, one line per cell (a long, "tidy" layout).

Columns: ``table`` (the table's key: ``summary``, ``goal:rehsos.sp1``, ``yoy``, ...),
``title``, ``row`` (1-based within the table), ``row_kind`` (``data`` or ``total``),
``indicator``, ``column`` (the column's key), ``label`` (its heading), ``value`` (exact,
machine-readable: a dot for decimals and no grouping; text as is; empty for n/a) and ``text``
(as the report prints it in the locale: ``88,04%``). Tables with different columns fit in one
file this way, and a spreadsheet pivot or ``pandas.pivot`` gives any table back.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from .._numbers import plain
from ._format import Formatter
from ._model import Cell, Report

HEADER = ("table", "title", "row", "row_kind", "indicator", "column", "label", "value", "text")


def _value(cell: Cell) -> str:
    if isinstance(cell.value, Decimal):
        if cell.kind == "range" and cell.high is not None:
            return f"{plain(cell.value)}..{plain(cell.high)}"
        return plain(cell.value)
    return cell.value or ""


def render(report: Report, **_options: Any) -> str:
    """Every table as CSV rows (RFC 4180 quoting, ``\\n`` line ends, UTF-8)."""
    formatter = Formatter(report.locale)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(HEADER)
    for table in report.tables:
        for number, row in enumerate(table.rows, start=1):
            for column, cell in zip(table.columns, row.cells, strict=True):
                writer.writerow(
                    (
                        table.key,
                        table.title,
                        number,
                        row.kind,
                        row.indicator or "",
                        column.key,
                        column.label,
                        _value(cell),
                        formatter.cell(cell),
                    )
                )
    return stream.getvalue()
