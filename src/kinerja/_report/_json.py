"""JSON: the structured report; every cell has its exact value and its text in the locale."""

from __future__ import annotations

import json
from typing import Any

from ._format import Formatter
from ._model import Report


def render(report: Report, **_options: Any) -> str:
    """The report as JSON text (numbers as strings with a dot, plus the formatted text)."""
    formatter = Formatter(report.locale)
    document = report.to_dict()
    for table, shown in zip(report.tables, document["tables"], strict=True):
        for row, out in zip(table.rows, shown["rows"], strict=True):
            for column, cell in zip(table.columns, row.cells, strict=True):
                out["cells"][column.key]["text"] = formatter.cell(cell)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
