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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import DataError, Problem, did_you_mean
from ._numbers import MAX_INPUT_DIGITS, to_decimal
from ._toml import key_lines, line_of, read_toml

Value = Decimal | tuple[Decimal, ...]
Inputs = Mapping[str, Value]

_TOP_LEVEL = ("year", "values", "reported")

_INDONESIAN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+,\d+$")
_DOTTED_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_UNKNOWN_WORDS = frozenset(
    {"", "-", "--", "n/a", "na", "nan", "null", "none", "kosong", "tidak ada"}
)
_LEAVE_OUT = "leave the input out when its value is unknown: the indicator is then n/a"
# Top-level keys planners write for 'year' and 'values' (Indonesian, or near misses).
_TOP_LEVEL_ALIASES = {"tahun": "year", "nilai": "values", "data": "values", "value": "values"}


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
    reported: Mapping[str, Decimal] = field(default_factory=dict)
    reported_sources: Mapping[str, str] = field(default_factory=dict)

    def where(self, *path: str | int) -> tuple[str | None, int | None]:
        """File and line of a key path under ``values`` (for messages)."""
        return self.source, line_of(dict(self.lines), ("values", *path))


class _BadValueError(ValueError):
    """A value that is not a usable number: what is wrong, and what to write instead."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key_path(path: tuple[str | int, ...]) -> str:
    """A key path as TOML writes it: dotted ids quoted, list positions in brackets.

    Example:
        >>> toml_key_path(("values", "demo.nka", "smart"))
        'values."demo.nka".smart'
        >>> toml_key_path(("values", "demo.sdm", "melapor", 3))
        'values."demo.sdm".melapor[3]'
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        shown = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
        text += f".{shown}" if text else shown
    return text


def number_text_hint(text: str) -> tuple[str | None, str] | None:
    """For number-like text: a note on its format (or None) and what to write instead.

    Returns None for text that does not look like a formatted number.

    Example:
        >>> number_text_hint("1.234,5")
        ('in Indonesian number format', 'write 1234.5: a dot for decimals, no thousands separator, no quotes')
        >>> number_text_hint("88,04%")[1]
        'write 88.04: no % sign and no quotes; the unit says it is a percentage'
    """
    text = text.strip()
    if text.endswith("%") and len(text) > 1:
        inner = text[:-1].strip()
        if _PLAIN_NUMBER.fullmatch(inner):
            fixed = inner
        elif _INDONESIAN_NUMBER.match(inner) and "," in inner:
            fixed = inner.replace(".", "").replace(",", ".")
        else:
            return None
        return (
            "with a percent sign",
            f"write {fixed}: no % sign and no quotes; the unit says it is a percentage",
        )
    if _INDONESIAN_NUMBER.match(text) and "," in text:
        fixed = text.replace(".", "").replace(",", ".")
        return (
            "in Indonesian number format",
            f"write {fixed}: a dot for decimals, no thousands separator, no quotes",
        )
    if _DOTTED_THOUSANDS.match(text):
        whole = text.replace(".", "")
        if text.count(".") > 1:
            return (
                "with dots between thousands",
                f"write {whole}: no thousands separator, no quotes",
            )
        return (
            None,
            f"write {whole} if the dot separates thousands, or {text} if it is a decimal "
            "point; either way without quotes",
        )
    return None


def _number_problem(value: Any) -> _BadValueError:
    if isinstance(value, str):
        hint = number_text_hint(value)
        if hint is not None:
            note, fix = hint
            return _BadValueError(
                f"expected a number, got the text {value!r}" + (f", {note}" if note else ""), fix
            )
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            number = None
        if number is not None and number.is_finite():
            return _BadValueError(
                f"expected a number, got the text {value!r}",
                f"remove the quotes: write {value.strip()}",
            )
        if value.strip().lower() in _UNKNOWN_WORDS:
            return _BadValueError(f"expected a number, got the text {value!r}", _LEAVE_OUT)
        return _BadValueError(
            f"expected a number, got the text {value!r}",
            "write the number in digits, without quotes",
        )
    if isinstance(value, bool):
        return _BadValueError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, Decimal | float) and Decimal(str(value)).is_nan():
        return _BadValueError("expected a number, got nan (not a number)", _LEAVE_OUT)
    if isinstance(value, Decimal | float) and not Decimal(str(value)).is_finite():
        sign = "-" if value < 0 else ""
        return _BadValueError(f"expected a finite number, got {sign}inf", _LEAVE_OUT)
    if isinstance(value, list | tuple):
        return _BadValueError("expected a number, got a list")
    if isinstance(value, Mapping):
        return _BadValueError("expected a number, got a table")
    if value is None:
        return _BadValueError("expected a number, got None", _LEAVE_OUT)
    if isinstance(value, int | float | Decimal):
        return _BadValueError(
            f"expected a number of at most {MAX_INPUT_DIGITS} digits when written out in "
            f"full, got {value}",
            "check the value's size and scale: kinerja reads amounts as written, "
            "e.g. 2440968652000 for Rp2.440.968.652.000",
        )
    return _BadValueError(f"expected a number, got {type(value).__name__} {value!r}")


def _convert(value: Any) -> Value:
    """Raise :class:`_BadValueError` with a planner-readable reason when ``value`` is not usable."""
    if isinstance(value, list | tuple):
        items = []
        for position, item in enumerate(value, start=1):
            if isinstance(item, str | bool | list | tuple | Mapping):
                bad = _number_problem(item)
                raise _BadValueError(f"item {position} of the list: {bad.message}", bad.suggestion)
            try:
                items.append(to_decimal(item))
            except ValueError:
                bad = _number_problem(item)
                raise _BadValueError(
                    f"item {position} of the list: {bad.message}", bad.suggestion
                ) from None
        return tuple(items)
    if isinstance(value, str | bool):
        raise _number_problem(value)
    try:
        return to_decimal(value)
    except ValueError:
        raise _number_problem(value) from None


def _reported(
    document: Mapping[str, Any], problem: Any
) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The ``[reported."id"]`` tables: values published without their inputs."""
    reported: dict[str, Decimal] = {}
    sources: dict[str, str] = {}
    raw = document.get("reported", {})
    if not isinstance(raw, Mapping):
        problem("reported must be a table of indicators", ("reported",))
        return reported, sources
    for indicator, entry in raw.items():
        path = ("reported", indicator)
        if not isinstance(entry, Mapping) or "value" not in entry:
            problem(
                'expected value = ... (and optionally source = "...")',
                path,
                indicator,
                suggestion=f'write [reported."{indicator}"] with value = 80.09',
            )
            continue
        for extra in sorted(set(entry) - {"value", "source"}):
            problem(
                f"unknown key {extra!r}",
                (*path, extra),
                indicator,
                suggestion="a reported value has only value and source",
            )
        try:
            converted = _convert(entry["value"])
        except ValueError as exc:
            problem(str(exc), (*path, "value"), indicator)
            continue
        if isinstance(converted, tuple):
            problem("a reported value is one number, not a list", (*path, "value"), indicator)
            continue
        reported[indicator] = converted
        if isinstance(entry.get("source"), str):
            sources[indicator] = entry["source"]
    return reported, sources


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
                key=toml_key_path(path),
                suggestion=suggestion,
            )
        )

    unknown = sorted(set(document) - set(_TOP_LEVEL))
    for key in unknown:
        alias = _TOP_LEVEL_ALIASES.get(key.lower())
        problem(
            f"unknown key {key!r}",
            (key,),
            suggestion=(f"did you mean {alias!r}?" if alias else did_you_mean(key, _TOP_LEVEL))
            or "a data file has only year = ..., [values] and [reported] tables",
        )
    reported, reported_sources = _reported(document, problem)
    year = document.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        problem(
            f"year must be a whole number like 2023, got {year!r}",
            ("year",),
            suggestion=f"remove the quotes: year = {year.strip()}"
            if isinstance(year, str) and year.strip().isdigit()
            else None,
        )
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
                    problem(
                        "groups cannot be nested",
                        path,
                        indicator,
                        "a group's table holds only input = value lines",
                    )
                    continue
                try:
                    converted[name] = _convert(raw)
                except _BadValueError as exc:
                    problem(exc.message, path, indicator, exc.suggestion)
            groups[group] = converted
        values[indicator] = groups
    built = YearData(
        year=year,
        values=values,
        source=source,
        lines=dict(lines),
        reported=reported,
        reported_sources=reported_sources,
    )
    if problems:
        error = DataError(problems)
        # What could be read, so that a catalog can add its own checks to the same report.
        error.partial = built
        raise error
    return built


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
    if file.is_dir():
        raise DataError(
            [
                Problem(
                    "this is a folder, not a data file",
                    file=shown,
                    suggestion="name one year's file, such as data-2023.toml; "
                    "kinerja.load_years reads a folder of them",
                )
            ]
        )
    if not file.is_file():
        raise DataError([Problem("no such data file", file=shown)])
    document, text, problem = read_toml(file, shown)
    if problem is not None or document is None:
        raise DataError([problem or Problem("cannot read the file", file=shown)])
    if "values" not in document and ("formula" in document or "kind" in document):
        # One clear line rather than an unknown-key line for every key of a definition.
        raise DataError(
            [
                Problem(
                    "this looks like a definition file, not data (it has no [values] table)",
                    file=shown,
                    suggestion="give a data file here; definitions are the first argument "
                    "of kinerja evaluate, and what kinerja.load reads",
                )
            ]
        )
    return build(document, source=shown, lines=key_lines(text))


def from_mapping(data: Mapping[str, Any], *, year: int | None = None) -> YearData:
    """Data given in Python: either a whole document (``{"year": ..., "values": {...}}``) or
    just the values (``{"demo.ikpa": {"deviasi": "73.22", ...}}``)."""
    if "values" in data and isinstance(data.get("values"), Mapping):
        built = build(data)
    else:
        built = build({"values": dict(data)})
    if year is not None and built.year is None:
        return replace(built, year=year)
    return built


def load_years(path: str | Path) -> list[YearData]:
    """Read every data file in a folder (one year each), sorted by year.

    Raises:
        DataError: a file is unreadable or invalid, lacks ``year``, or two files hold
            the same year (every problem is listed).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError([Problem("no such data folder", file=str(path))])
    found: list[YearData] = []
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.toml")):
        try:
            data = load_data(file)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        if data.year is None:
            problems.append(
                Problem(
                    "this data file does not say its year",
                    file=str(file),
                    key="year",
                    suggestion="add year = 2023 at the top",
                )
            )
            continue
        twin = next((d for d in found if d.year == data.year), None)
        if twin is not None:
            problems.append(
                Problem(f"{twin.source} is also for {data.year}", file=str(file), key="year")
            )
            continue
        found.append(data)
    if problems:
        raise DataError(problems)
    if not found:
        raise DataError([Problem("no .toml data files here", file=str(path))])
    return sorted(found, key=lambda d: d.year or 0)
