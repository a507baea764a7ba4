"""Markdown: a heading per table, a pipe table, its notes as a list."""

from __future__ import annotations

from typing import Any

from ._format import Formatter
from ._model import Report, Table


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table, formatter: Formatter) -> list[str]:
    """One table as Markdown lines (heading, table, notes)."""
    lines = [f"## {_escape(table.title)}", ""]
    lines.append("| " + " | ".join(_escape(c.label) for c in table.columns) + " |")
    lines.append("| " + " | ".join("---:" if c.numeric else "---" for c in table.columns) + " |")
    for row in table.rows:
        cells = [_escape(formatter.cell(cell)) for cell in row.cells]
        if row.kind == "total":
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    if table.notes:
        lines.append("")
        lines.extend(f"- {_escape(note)}" for note in table.notes)
    lines.append("")
    return lines


def render(report: Report, **_options: Any) -> str:
    """The whole report as one Markdown document."""
    formatter = Formatter(report.locale)
    lines = [f"# {_escape(report.title)}", ""]
    if report.subtitle:
        lines += [_escape(report.subtitle), ""]
    for table in report.tables:
        lines.extend(table_markdown(table, formatter))
    return "\n".join(lines).rstrip("\n") + "\n"
