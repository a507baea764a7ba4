"""Input data for one year: read from TOML (or given as a mapping), numbers made exact.

Layout of a data file::

    year = 2023

    [values."demo.ikpa"]            # an indicator without groups: input = value
    revisi_dipa = 100.00

    [values."demo.kemampuan".anak]  # an indicator with groups: group -> input = value
    pm_meningkat = 1794

    [values."demo.sdm"]
    melapor = [2050, 2060]          # a series input (declared with over = "...")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import DataError, Problem
from ._numbers import to_decimal
from ._toml import key_lines, line_of, read_toml

Value = Decimal | tuple[Decimal, ...]
Inputs = Mapping[str, Value]

_INDONESIAN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+,\d+$")


@dataclass(frozen=True)
class YearData:
    """Input values of one year.

    Attributes:
        year: The year the values belong to (None when the source does not say).
        values: indicator id -> group -> input -> value. Ungrouped values sit under the
            group None.
        source: Where the values were read from, for messages.
    """

    year: int | None
    values: Mapping[str, Mapping[str | None, Inputs]]
    source: str | None = None
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict, repr=False)

    def where(self, *path: str | int) -> tuple[str | None, int | None]:
        """File and line of a key path under ``values`` (for messages)."""
        return self.source, line_of(dict(self.lines), ("values", *path))


def _number_problem(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if _INDONESIAN_NUMBER.match(text) and ("," in text or text.count(".") > 1):
            fixed = text.replace(".", "").replace(",", ".")
            return (
                f"expected a number, got the text {value!r}; it looks like Indonesian "
                f"number format: write {fixed} (a dot for decimals, no thousands separator)"
            )
        return f"expected a number, got the text {value!r}; remove the quotes"
    if isinstance(value, bool):
        return f"expected a number, got {str(value).lower()}"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"expected a finite number, got {value}"
    return f"expected a number, got {type(value).__name__}"


def _convert(value: Any) -> Value:
    """Raise ValueError with a planner-readable reason when ``value`` is not usable."""
    if isinstance(value, list | tuple):
        items = []
        for position, item in enumerate(value, start=1):
            if isinstance(item, list | tuple | dict):
                raise ValueError(f"item {position} of the list is not a number")
            try:
                items.append(to_decimal(item))
            except ValueError:
                raise ValueError(f"item {position} of the list: {_number_problem(item)}") from None
        return tuple(items)
    if isinstance(value, str | bool):
        raise ValueError(_number_problem(value))
    try:
        return to_decimal(value)
    except ValueError:
        raise ValueError(_number_problem(value)) from None


def _is_input_value(value: Any) -> bool:
    return not isinstance(value, dict)


def build(
    document: Mapping[str, Any],
    *,
    source: str | None = None,
    lines: Mapping[tuple[str | int, ...], int] | None = None,
) -> YearData:
    """Build :class:`YearData` from a parsed document, collecting every problem."""
    lines = lines or {}
    problems: list[Problem] = []

    def problem(
        message: str,
        path: tuple[str | int, ...],
        indicator: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        problems.append(
            Problem(
                message,
                file=source,
                line=line_of(dict(lines), path),
                indicator=indicator,
                key=".".join(str(p) for p in path),
                suggestion=suggestion,
            )
        )

    unknown = sorted(set(document) - {"year", "values"})
    for key in unknown:
        problem(
            f"unknown key {key!r}", (key,), suggestion="a data file has only 'year' and [values]"
        )
    year = document.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        problem(f"year must be a whole number like 2023, got {year!r}", ("year",))
        year = None
    raw_values = document.get("values", {})
    values: dict[str, dict[str | None, dict[str, Value]]] = {}
    if not isinstance(raw_values, Mapping):
        problem("values must be a table of indicators", ("values",))
        raw_values = {}
    for indicator, table in raw_values.items():
        if not isinstance(table, Mapping):
            problem(
                "expected a table of inputs",
                ("values", indicator),
                indicator,
                suggestion=f'write [values."{indicator}"] and the inputs below it',
            )
            continue
        flat = {k: v for k, v in table.items() if _is_input_value(v)}
        grouped = {k: v for k, v in table.items() if not _is_input_value(v)}
        if flat and grouped:
            problem(
                "mixes inputs and groups in one table: give either inputs or one table per group",
                ("values", indicator),
                indicator,
            )
            continue
        groups: dict[str | None, dict[str, Value]] = {}
        for group, inputs in {None: flat}.items() if flat or not grouped else grouped.items():
            converted: dict[str, Value] = {}
            for name, raw in inputs.items():
                path: tuple[str | int, ...] = (
                    ("values", indicator, name)
                    if group is None
                    else ("values", indicator, group, name)
                )
                if isinstance(raw, Mapping):
                    problem("groups cannot be nested", path, indicator)
                    continue
                try:
                    converted[name] = _convert(raw)
                except ValueError as exc:
                    problem(str(exc), path, indicator)
            groups[group] = converted
        values[indicator] = groups
    if problems:
        raise DataError(problems)
    return YearData(year=year, values=values, source=source, lines=dict(lines))


def load_data(path: str | Path) -> YearData:
    """Read one year's input data from a TOML file.

    Raises:
        DataError: the file cannot be read, is not valid TOML, or holds values that are
            not numbers (every problem is listed).

    Example:
        >>> data = load_data("examples/demo/data-2023.toml")  # doctest: +SKIP
        >>> data.values["demo.ikpa"][None]["deviasi"]  # doctest: +SKIP
        Decimal('73.22')
    """
    file = Path(path)
    shown = str(path)
    if not file.is_file():
        raise DataError([Problem("no such data file", file=shown)])
    document, text, problem = read_toml(file, shown)
    if problem is not None or document is None:
        raise DataError([problem or Problem("cannot read the file", file=shown)])
    return build(document, source=shown, lines=key_lines(text))


def from_mapping(data: Mapping[str, Any], *, year: int | None = None) -> YearData:
    """Data given in Python: either a whole document (``{"year": ..., "values": {...}}``) or
    just the values (``{"demo.ikpa": {"deviasi": "73.22", ...}}``)."""
    if "values" in data and isinstance(data.get("values"), Mapping):
        built = build(data)
    else:
        built = build({"values": dict(data)})
    if year is not None and built.year is None:
        return YearData(year=year, values=built.values, source=built.source, lines=built.lines)
    return built
