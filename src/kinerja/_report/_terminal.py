"""Terminal: rich tables; colour only when asked for (the CLI asks when stdout is a TTY)."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from ._format import Formatter
from ._model import Report, Table

_STATUS_STYLES = {"above": "green", "met": "cyan", "below": "red", "n/a": "dim"}


def _table(table: Table, formatter: Formatter) -> RichTable:
    shown = RichTable(
        title=Text(table.title, style="bold"),
        title_justify="left",
        box=box.SIMPLE_HEAVY,
        show_lines=False,
        header_style="bold",
        expand=False,
    )
    texts = [[formatter.cell(cell) for cell in row.cells] for row in table.rows]
    for index, column in enumerate(table.columns):
        # A number is never broken over lines; a long heading above it wraps instead.
        widest = max((len(row[index]) for row in texts), default=0)
        shown.add_column(
            Text(column.label),
            justify="right" if column.numeric else "left",
            overflow="fold",
            min_width=min(widest, 24) if column.numeric else min(widest, 12),
        )
    for row, shown_cells in zip(table.rows, texts, strict=True):
        cells = []
        for cell, value in zip(row.cells, shown_cells, strict=True):
            style = _STATUS_STYLES.get(str(cell.value), "") if cell.kind == "status" else ""
            if cell.kind == "na":
                style = "dim"
            cells.append(Text(value, style=style))
        shown.add_row(*cells, style="bold" if row.kind == "total" else None)
    return shown


def render(report: Report, *, color: bool = False, width: int | None = None, **_: Any) -> str:
    """The report as text for a terminal: ANSI colours when ``color``, plain text otherwise."""
    formatter = Formatter(report.locale)
    stream = io.StringIO()
    console = Console(
        file=stream,
        width=width or 160,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(Text(report.title, style="bold underline"))
    if report.subtitle:
        console.print(Text(report.subtitle, style="dim"))
    for table in report.tables:
        console.print()
        console.print(_table(table, formatter))
        for note in table.notes:
            console.print(Text(f"  {note}", style="dim"))
    output = stream.getvalue()
    if not color:  # rich pads every line to the width; plain text needs no trailing blanks
        output = "\n".join(line.rstrip() for line in output.split("\n"))
    return output
