"""The report as data: tables of typed cells and the series behind the charts.

Cells keep exact :class:`~decimal.Decimal` numbers with their style and decimals; turning
them into text for a locale is the renderers' job (:mod:`kinerja._report._format`), so the
same report gives ``88,04%`` in Indonesian, ``88.04%`` in English and the number 88.04 in a
spreadsheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .._achievement import Status
from .._model import RangeTarget, Target
from .._numbers import plain

Style = Literal["number", "percent", "money"]
CellKind = Literal["text", "number", "range", "status", "na", "empty"]
RowKind = Literal["data", "total"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell.

    * ``text``: ``value`` is a string;
    * ``number``: ``value`` is a Decimal shown with ``decimals`` places in ``style``;
    * ``range``: ``value`` to ``high`` (a target range);
    * ``status``: ``value`` is a :class:`~kinerja.Status` value (``above``, ``met``, ...);
    * ``na``: no value (n/a); ``empty``: nothing to show (no target, not in force).
    """

    kind: CellKind
    value: Decimal | str | None = None
    style: Style = "number"
    decimals: int = 0
    high: Decimal | None = None

    @staticmethod
    def text(value: str) -> Cell:
        """A text cell."""
        return Cell("text", value)

    @staticmethod
    def number(value: Decimal, style: Style = "number", decimals: int = 0) -> Cell:
        """A number cell."""
        return Cell("number", value, style, decimals)

    @staticmethod
    def na() -> Cell:
        """An n/a cell."""
        return Cell("na")

    @staticmethod
    def empty() -> Cell:
        """An empty cell."""
        return Cell("empty")

    @staticmethod
    def status(value: Status) -> Cell:
        """A status cell."""
        return Cell("status", value.value)

    @staticmethod
    def target(target: Target | None, style: Style) -> Cell:
        """A target as written in the definition (its own decimals), or empty."""
        if target is None:
            return Cell.empty()
        if isinstance(target, RangeTarget):
            places = max(written_decimals(target.min), written_decimals(target.max))
            return Cell("range", target.min, style, places, target.max)
        return Cell.number(target, style, written_decimals(target))

    @property
    def is_number(self) -> bool:
        """True for a number cell."""
        return self.kind == "number"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: numbers as plain text with a dot."""
        out: dict[str, Any] = {"kind": self.kind}
        if isinstance(self.value, Decimal):
            out["value"] = plain(self.value)
            out["style"] = self.style
            out["decimals"] = self.decimals
        elif self.value is not None:
            out["value"] = self.value
        if self.high is not None:
            out["high"] = plain(self.high)
        return out


def written_decimals(value: Decimal) -> int:
    """How many decimals a number was written with (``Decimal('80')`` has 0, ``80.50`` 2).

    Example:
        >>> written_decimals(Decimal("83.60")), written_decimals(Decimal("80"))
        (2, 0)
    """
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@dataclass(frozen=True, slots=True)
class Column:
    """A column: a stable ``key`` (for CSV and JSON), the heading, and whether it holds numbers."""

    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """One row; ``indicator`` and ``status`` let renderers link and colour it."""

    cells: tuple[Cell, ...]
    kind: RowKind = "data"
    indicator: str | None = None
    status: Status | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report.

    ``kind`` is one of ``summary``, ``goal``, ``clusters``, ``sampling``, ``yoy``,
    ``budget``, ``counts``; ``key`` is unique in the report (``goal:rehsos.sp1``);
    ``short`` is a short title (spreadsheet sheet names).
    """

    key: str
    kind: str
    title: str
    short: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> int:
        """The position of the column ``key``."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; each row maps column keys to cells."""
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.title,
            "columns": [
                {"key": c.key, "label": c.label, "numeric": c.numeric} for c in self.columns
            ],
            "rows": [
                {
                    "kind": row.kind,
                    "indicator": row.indicator,
                    "status": None if row.status is None else row.status.value,
                    "cells": {
                        c.key: cell.to_dict()
                        for c, cell in zip(self.columns, row.cells, strict=True)
                    },
                }
                for row in self.rows
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class YearSeries:
    """One indicator's realisasi by year and its targets (the year-over-year chart).

    ``values`` and ``targets`` follow ``years``; ``targets`` has one more entry, the next
    year's. ``changed`` lists the years whose definition differs from the year before.
    """

    indicator: str
    name: str
    style: Style
    decimals: int
    years: tuple[int, ...]
    values: tuple[Decimal | None, ...]
    targets: tuple[Target | None, ...]
    changed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class AchievementBar:
    """One bar of the capaian chart."""

    indicator: str
    name: str
    achievement: Decimal | None
    status: Status


@dataclass(frozen=True)
class Report:
    """A Laporan Kinerja's tables for one year, with the data of its charts."""

    year: int
    locale: str
    title: str
    subtitle: str
    years: tuple[int, ...]
    tables: tuple[Table, ...]
    series: tuple[YearSeries, ...] = ()
    bars: tuple[AchievementBar, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        """The table ``key`` (``summary``, ``yoy``, ``counts``, ``goal:<id>``, ...)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """The structured report (the JSON format), numbers as plain text."""

        def target(value: Target | None) -> Any:
            if value is None:
                return None
            if isinstance(value, RangeTarget):
                return {"min": plain(value.min), "max": plain(value.max)}
            return plain(value)

        return {
            "kind": "kinerja.report",
            "year": self.year,
            "locale": self.locale,
            "title": self.title,
            "subtitle": self.subtitle,
            "years": list(self.years),
            "counts": dict(self.counts),
            "tables": [t.to_dict() for t in self.tables],
            "charts": {
                "year_over_year": [
                    {
                        "indicator": s.indicator,
                        "name": s.name,
                        "years": list(s.years),
                        "values": [None if v is None else plain(v) for v in s.values],
                        "targets": [target(t) for t in s.targets],
                        "changed": list(s.changed),
                    }
                    for s in self.series
                ],
                "achievement": [
                    {
                        "indicator": b.indicator,
                        "name": b.name,
                        "achievement": None if b.achievement is None else plain(b.achievement),
                        "status": b.status.value,
                    }
                    for b in self.bars
                ],
            },
        }
