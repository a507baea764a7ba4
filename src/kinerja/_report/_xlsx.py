"""XLSX (openpyxl): one sheet per table, numbers as numbers with display formats.

A percentage is stored as the number the report prints (88.04, not 0.8804) with the format
``#,##0.00"%"``; rupiah get ``[$Rp-421]#,##0`` (Indonesian locale tag) or ``[$IDR-409] #,##0``
in English; counts ``#,##0``. Excel and LibreOffice show the separators of the reader's
locale: ``88,04%`` on an Indonesian system.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ._format import Formatter
from ._model import Cell, Report, Style

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def number_format(style: Style, decimals: int, locale: str) -> str:
    """The spreadsheet display format of a number.

    Example:
        >>> number_format("percent", 2, "id"), number_format("money", 0, "id")
        ('#,##0.00"%"', '[$Rp-421]#,##0')
    """
    digits = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if style == "percent":
        return digits + '"%"'
    if style == "money":
        return ("[$Rp-421]" if locale == "id" else "[$IDR-409] ") + digits
    return digits


def number_value(value: Decimal, decimals: int) -> int | float:
    """An exact int for whole numbers, else the float nearest the Decimal."""
    if decimals == 0 and value == value.to_integral_value():
        return int(value)
    return float(value)


def _sheet_name(short: str, used: set[str]) -> str:
    base = _FORBIDDEN.sub(" ", short).strip().strip("'")[:31] or "Tabel"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def render(report: Report, **_options: Any) -> bytes:
    """The report as an XLSX workbook (bytes)."""
    formatter = Formatter(report.locale)
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    book.properties.title = report.title
    book.properties.creator = "kinerja"
    # A fixed timestamp keeps the file the same from run to run.
    book.properties.created = book.properties.modified = datetime(report.year + 1, 1, 1)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(table.short, used))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([c.label for c in table.columns])
        widths = [len(c.label) for c in table.columns]
        for index in range(len(table.columns)):
            header = sheet.cell(row=2, column=index + 1)
            header.font = bold
            header.alignment = Alignment(wrap_text=True, vertical="top")
        for number, row in enumerate(table.rows, start=3):
            for index, cell in enumerate(row.cells):
                target = sheet.cell(row=number, column=index + 1)
                _fill(target, cell, formatter, report.locale)
                if row.kind == "total":
                    target.font = bold
                widths[index] = max(widths[index], len(formatter.cell(cell)))
                if table.columns[index].numeric:
                    target.alignment = Alignment(horizontal="right")
                elif len(formatter.cell(cell)) > _MAX_WIDTH:
                    target.alignment = Alignment(wrap_text=True, vertical="top")
        line = len(table.rows) + 4
        for note in table.notes:
            sheet.cell(row=line, column=1, value=note)
            line += 1
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)
        sheet.freeze_panes = "A3"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _fill(target: Any, cell: Cell, formatter: Formatter, locale: str) -> None:
    if cell.kind == "number" and isinstance(cell.value, Decimal):
        target.value = number_value(cell.value, cell.decimals)
        target.number_format = number_format(cell.style, cell.decimals, locale)
    elif cell.kind == "empty":
        target.value = None
    else:
        target.value = formatter.cell(cell)
