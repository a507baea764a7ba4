"""Replay a published year: recompute every printed figure and judge it.

Verdicts:

* ``match``: the computed value, rounded half-up to the printed precision, is the printed one;
* ``consistent``: it is not, but the printed value lies inside the interval of values the
  formula can give when each published (rounded) input is anywhere within its rounding;
* ``mismatch``: outside that interval (both numbers and both places are shown);
* ``not_reproducible``: the inputs are not published; said once, with what is missing.

Published inputs written with decimals (``83.62``) are taken as rounded to that precision
(``[83.615, 83.625]``); whole numbers (counts, rupiah) as exact.
"""

from __future__ import annotations

import ast
import decimal
import functools
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ._achievement import achievement
from ._backends import INTERVALS, Interval, NotAvailable
from ._catalog import Catalog, CompiledIndicator, compute, inputs_for
from ._data import YearData, load_years
from ._errors import DataError, Problem, did_you_mean
from ._model import Polarity, RangeTarget, Target
from ._numbers import EXACT, plain, quantum, round_half_down, round_half_up
from ._results import Results
from ._toml import key_lines, line_of, read_toml

Verdict = Literal["match", "consistent", "mismatch", "not_reproducible"]
VERDICTS: tuple[Verdict, ...] = ("match", "consistent", "mismatch", "not_reproducible")

_HUNDRED = Decimal(100)
_IV_SUB = INTERVALS.operators[ast.Sub]
_IV_ABS = INTERVALS.functions["abs"]


# ---------------------------------------------------------------------------- printed numbers


@dataclass(frozen=True, slots=True)
class Printed:
    """A number as printed in a report, with its precision.

    Attributes:
        text: The printed text (``"88,04%"``).
        value: The number (``Decimal('88.04')``), None for ``N/A``.
        decimals: Printed decimals (2 for ``88,04``).
        dot_decimal: True when printed with a dot as decimal separator, against the
            Indonesian convention (``97.72%``, ``90.74``).
    """

    text: str
    value: Decimal | None
    decimals: int
    dot_decimal: bool = False


_STRIP = re.compile(r"(?i)^\s*(rp\.?)\s*|[%*\s]|,-$|poin$|orang$|unit$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_WORDS = re.compile(r"\s*\([^)]*\)\s*$")
_SCALES = {"triliun": 12, "miliar": 9, "milyar": 9, "juta": 6, "ribu": 3}


def parse_printed(text: str) -> Printed:
    """Read a number printed in Indonesian format.

    Example:
        >>> parse_printed("88,04%").value
        Decimal('88.04')
        >>> parse_printed("Rp2.440.968.652.000,-").value
        Decimal('2440968652000')
        >>> parse_printed("90.74").dot_decimal
        True
    """
    raw = str(text).strip()
    if raw.upper() in {"N/A", "NA", "-", "—"}:
        return Printed(raw, None, 0)
    core = _WORDS.sub("", raw).strip()  # "7 (tujuh)" -> "7"
    scale = 0
    for word, power in _SCALES.items():
        if core.lower().endswith(word):
            core, scale = core[: -len(word)].strip(), power
    core = _STRIP.sub("", core).strip()
    core = core.rstrip(",-")
    dot_decimal = False
    if "," in core:
        whole, _, fraction = core.rpartition(",")
        number = whole.replace(".", "") + "." + fraction
        decimals = len(fraction)
    elif _THOUSANDS.match(core):
        number, decimals = core.replace(".", ""), 0
    elif "." in core:
        number, decimals, dot_decimal = core, len(core.split(".")[1]), True
    else:
        number, decimals = core, 0
    try:
        value = Decimal(number).scaleb(scale)
    except decimal.InvalidOperation:
        raise ValueError(f"cannot read {text!r} as a printed number") from None
    return Printed(raw, value, decimals - scale, dot_decimal)


# ---------------------------------------------------------------------------- figures


_WHATS = (
    "value",
    "achievement",
    "target",
    "group",
    "input",
    "sample_fraction",
    "contribution",
    "band",
    "carried_from",
    "gap",
    "average_achievement",
    "count_above",
    "count_met",
    "count_below",
    "note",
)
_FIGURE_KEYS = frozenset(
    {
        "where",
        "what",
        "indicator",
        "year",
        "group",
        "input",
        "target_year",
        "printed",
        "method_hint",
        "reason",
        "note",
    }
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One printed figure of a published report, with where it is printed."""

    number: int
    where: str
    what: str
    printed: Printed
    year: int
    indicator: str | None = None
    group: str | None = None
    input: str | None = None
    target_year: int | None = None
    method_hint: str | None = None
    reason: str | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        """Stable id: the figure's position in the published file (F001, F002, ...)."""
        return f"F{self.number:03d}"


@dataclass(frozen=True)
class Published:
    """A report's printed figures."""

    year: int
    report: str
    figures: tuple[Figure, ...]
    source: str


def _figure_problem(
    problems: list[Problem],
    lines: Mapping[tuple[str | int, ...], int],
    shown: str,
    index: int,
    message: str,
    key: str | None = None,
    suggestion: str | None = None,
) -> None:
    path: tuple[str | int, ...] = ("figure", index) if key is None else ("figure", index, key)
    problems.append(
        Problem(
            message,
            file=shown,
            line=line_of(dict(lines), path),
            key=f"F{index + 1:03d}" + (f".{key}" if key else ""),
            suggestion=suggestion,
        )
    )


def load_published(path: str | Path) -> Published:
    """Read a ``published.toml`` file of printed figures (every problem reported at once)."""
    file = Path(path)
    shown = str(path)
    if not file.is_file():
        raise DataError([Problem("no such file of published figures", file=shown)])
    document, text, problem = read_toml(file, shown)
    if problem is not None or document is None:
        raise DataError([problem or Problem("cannot read the file", file=shown)])
    lines = key_lines(text)
    problems: list[Problem] = []
    year = document.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        problems.append(
            Problem("year = 2023 (the report's year) is required", file=shown, key="year")
        )
        year = 0
    figures: list[Figure] = []
    for index, raw in enumerate(document.get("figure", [])):
        bad = functools.partial(_figure_problem, problems, lines, shown, index)

        if not isinstance(raw, Mapping):
            bad("each [[figure]] must be a table")
            continue
        for key in sorted(set(raw) - _FIGURE_KEYS):
            bad(f"unknown key {key!r}", key, did_you_mean(key, sorted(_FIGURE_KEYS)))
        what = raw.get("what")
        if what not in _WHATS:
            bad(
                f"what = {what!r} is not a kind of figure",
                "what",
                did_you_mean(str(what), _WHATS) or "one of: " + ", ".join(_WHATS),
            )
            continue
        for required in ("where", "printed"):
            if not isinstance(raw.get(required), str | int) or isinstance(raw.get(required), bool):
                bad(f"{required} is required (text)", required)
        text = str(raw.get("printed", ""))
        if what in {"band", "note"}:
            try:
                printed = parse_printed(text)
            except ValueError:
                printed = Printed(text, None, 0)
        else:
            try:
                printed = parse_printed(text)
            except ValueError as exc:
                bad(str(exc), "printed")
                continue
        needs_indicator = what not in {
            "average_achievement",
            "count_above",
            "count_met",
            "count_below",
            "note",
        }
        if needs_indicator and not isinstance(raw.get("indicator"), str):
            bad(f'a {what} figure needs indicator = "..."', "indicator")
            continue
        if what in {"group"} and not raw.get("group"):
            bad('a group figure needs group = "..."', "group")
        if what in {"input", "contribution"} and not raw.get("input"):
            bad(f'a {what} figure needs input = "..."', "input")
        if what == "gap" and not isinstance(raw.get("target_year"), int):
            bad("a gap figure needs target_year = ...", "target_year")
        figures.append(
            Figure(
                number=index + 1,
                where=str(raw.get("where", "")),
                what=str(what),
                printed=printed,
                year=int(raw.get("year", year)),
                indicator=raw.get("indicator"),
                group=raw.get("group"),
                input=raw.get("input"),
                target_year=raw.get("target_year"),
                method_hint=raw.get("method_hint"),
                reason=raw.get("reason"),
                note=raw.get("note"),
            )
        )
    if problems:
        raise DataError(problems)
    return Published(int(year), str(document.get("report", "")), tuple(figures), shown)


# ---------------------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class Check:
    """The verdict on one printed figure (or on several printings of one quantity)."""

    id: str
    what: str
    where: str
    published: str | None
    computed: str | None
    verdict: Verdict
    interval: tuple[str, str] | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of one check."""
        return {
            "id": self.id,
            "what": self.what,
            "where": self.where,
            "published": self.published,
            "computed": self.computed,
            "verdict": self.verdict,
            "interval": None if self.interval is None else list(self.interval),
            "note": self.note,
        }


@dataclass(frozen=True)
class Replay:
    """Every check of a replayed year."""

    year: int
    report: str
    checks: tuple[Check, ...]
    methods: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        """Count of checks per verdict."""
        return {v: sum(1 for c in self.checks if c.verdict == v) for v in VERDICTS}

    def __getitem__(self, check_id: str) -> Check:
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"year", "checks": [...], "summary": {...}}``."""
        return {
            "year": self.year,
            "checks": [c.to_dict() for c in self.checks],
            "summary": self.summary,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text; numbers as strings with a dot decimal."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


# ---------------------------------------------------------------------------- intervals


def rounding_interval(value: Decimal) -> Interval:
    """Where a published input may lie: ±half a unit of its last written decimal."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return Interval(value)
    half = Decimal(5).scaleb(exponent - 1)
    return Interval(value - half, value + half)


def _as_interval(value: Any) -> Any:
    if type(value) is Decimal:
        return rounding_interval(value)
    if type(value) is tuple:
        return tuple(_as_interval(v) for v in value)
    return value


def _published_interval(found: Any, decimals: int) -> Any:
    """A referenced indicator is used as published: round both ends to its decimals."""
    if isinstance(found, Interval):
        return Interval(round_half_up(found.low, decimals), round_half_down(found.high, decimals))
    return found


class _Intervals:
    """Each indicator's value interval, year by year, from the rounding of its inputs."""

    def __init__(
        self, catalog: Catalog, years: Mapping[int, YearData], results: Mapping[int, Results]
    ) -> None:
        self.values: dict[tuple[int, str], Any] = {}
        self.groups: dict[tuple[int, str, str], Any] = {}
        for year in sorted(years):
            data = years[year]
            for ident in catalog.evaluation_order:
                entry = catalog.compiled(ident, year)
                if entry is None:
                    continue
                self._one(catalog, entry, data, year, results)

    def _one(
        self,
        catalog: Catalog,
        entry: CompiledIndicator,
        data: YearData,
        year: int,
        results: Mapping[int, Results],
    ) -> None:
        ident = entry.id
        result = results[year][ident] if ident in results.get(year, ()) else None
        if result is not None and result.origin == "reported":
            self.values[(year, ident)] = rounding_interval(data.reported[ident])
            return
        if result is not None and result.origin == "carried_forward" and result.origin_year:
            self.values[(year, ident)] = self.values.get((result.origin_year, ident))
            return
        references: dict[str, Any] = {}
        for name, ref in entry.references.items():
            ref_entry = catalog.compiled(ref, year)
            found = self.values.get((year, ref))
            if ref_entry is None or found is None:
                references[name] = NotAvailable(f"indicator {ref!r} has no value")
            else:
                references[name] = _published_interval(found, ref_entry.definition.decimals)
        raw = data.values.get(ident, {})
        groups = {g: {k: _as_interval(v) for k, v in inputs.items()} for g, inputs in raw.items()}
        per_group = inputs_for(entry, groups, references)
        numbers = compute(entry, per_group, INTERVALS)
        value = numbers.value
        self.values[(year, ident)] = value if isinstance(value, Interval) else None
        for (group, _), row in zip(per_group, numbers.groups, strict=True):
            if group is not None and isinstance(row[0], Interval):
                self.groups[(year, ident, group)] = row[0]


# ---------------------------------------------------------------------------- replay


@dataclass
class _Context:
    catalog: Catalog
    years: dict[int, YearData]
    results: dict[int, Results]
    intervals: _Intervals
    report_year: int
    # The capaian the report prints for each (year, indicator), first printing first.
    printed_achievements: dict[tuple[int, str], Decimal] = field(default_factory=dict)


@dataclass
class _Computed:
    """What kinerja computes for a figure."""

    value: Decimal | None = None
    text: str | None = None  # for non-numeric figures (bands)
    interval: Interval | None = None
    reproducible: bool = True
    missing: str = ""
    note: str = ""


def _inputs_missing(entry: CompiledIndicator) -> str:
    names = [n for n in sorted(entry.formula.names) if n not in entry.references]
    return ", ".join(names)


def _value(ctx: _Context, figure: Figure) -> _Computed:
    ident = figure.indicator or ""
    year = figure.year
    entry = ctx.catalog.compiled(ident, year)
    if entry is None:
        return _Computed(reproducible=False, missing=f"no definition of {ident} in force in {year}")
    result = _result(ctx, figure)
    if result is None or result.exact is None:
        why = f"no {year} data for {ident}"
        return _Computed(reproducible=False, missing=why)
    interval = ctx.intervals.values.get((year, ident))
    note = ""
    if result.origin == "reported":
        return _Computed(
            result.exact,
            interval=interval,
            reproducible=False,
            missing=f"the {year} inputs of {ident} ({_inputs_missing(entry)}) are not published",
        )
    if result.origin == "carried_forward":
        note = f"the {result.origin_year} value, carried forward"
    return _Computed(result.exact, interval=interval, note=note)


def _result(ctx: _Context, figure: Figure) -> Any:
    year_results = ctx.results.get(figure.year)
    if year_results is None or figure.indicator not in year_results:
        return None
    return year_results[figure.indicator or ""]


def _compute_figure(ctx: _Context, figure: Figure) -> _Computed:
    handler = _HANDLERS[figure.what]
    return handler(ctx, figure)


def _achievement(ctx: _Context, figure: Figure) -> _Computed:
    base = _value(ctx, figure)
    result = _result(ctx, figure)
    if base.value is None or result is None or result.target is None:
        return _Computed(reproducible=False, missing=base.missing or "no target")
    entry = ctx.catalog.compiled(figure.indicator or "", figure.year)
    assert entry is not None
    polarity = entry.definition.polarity
    value = achievement(base.value, result.target, polarity)
    interval = None
    if base.interval is not None and value is not None:
        interval = achievement_interval(base.interval, result.target, polarity)
    note = base.note
    return _Computed(value, interval=interval, note=note)


def achievement_interval(values: Interval, target: Target, polarity: Polarity) -> Interval | None:
    """Capaian over every value of a closed interval; None where it is undefined at an end.

    Capaian is continuous and piecewise linear in the realisasi, bent only at a range
    target's bounds, so its extremes over the interval are at the interval's ends or at a
    bound inside it. The ends alone are not enough: an interval that overlaps a range
    reaches 100 even when neither end lies inside it (a range narrower than a rounding
    interval, such as min = max), and a range below zero turns the bend around.

    Example:
        >>> achievement_interval(Interval(Decimal("79.995"), Decimal("80.005")),
        ...                      RangeTarget(min=80, max=80), "higher_is_better")
        Interval(99.9937500, 100)
    """
    points = [values.low, values.high]
    if isinstance(target, RangeTarget):
        points += [
            bound for bound in (target.min, target.max) if values.low <= bound <= values.high
        ]
    found = [achievement(point, target, polarity) for point in points]
    reached = [value for value in found if value is not None]
    if len(reached) < len(found):
        return None
    return Interval(min(reached), max(reached))


def _target(ctx: _Context, figure: Figure) -> _Computed:
    entry = ctx.catalog.compiled(figure.indicator or "", figure.year)
    if entry is None:
        return _Computed(reproducible=False, missing=f"no definition in force in {figure.year}")
    target = entry.definition.targets.get(figure.year)
    if target is None:
        return _Computed(None, note=f"the definition has no target for {figure.year}")
    if isinstance(target, RangeTarget):
        return _Computed(None, text=f"{plain(target.min)}-{plain(target.max)}")
    return _Computed(target, note=f"target {figure.year} from {entry.file}")


def _group(ctx: _Context, figure: Figure) -> _Computed:
    result = _result(ctx, figure)
    if result is None or figure.group not in result.groups:
        return _Computed(
            reproducible=False, missing=f"no {figure.year} data for group {figure.group}"
        )
    group = result.groups[figure.group or ""]
    interval = ctx.intervals.groups.get((figure.year, figure.indicator or "", figure.group or ""))
    return _Computed(group.exact, interval=interval)


def _input(ctx: _Context, figure: Figure) -> _Computed:
    data = ctx.years.get(figure.year)
    groups = data.values.get(figure.indicator or "", {}) if data else {}
    if not groups:
        return _Computed(
            reproducible=False, missing=f"no {figure.year} inputs for {figure.indicator}"
        )
    if figure.group is not None:
        found = groups.get(figure.group, {}).get(figure.input or "")
        if not isinstance(found, Decimal):
            return _Computed(
                reproducible=False, missing=f"input {figure.input} of group {figure.group}"
            )
        return _Computed(found, note="an input as given in the data")
    total = Decimal(0)
    for inputs in groups.values():
        found = inputs.get(figure.input or "")
        if not isinstance(found, Decimal):
            return _Computed(
                reproducible=False, missing=f"input {figure.input} is not given for every group"
            )
        total += found
    named = [g for g in groups if g is not None]
    note = f"sum over {len(named)} groups" if named else "an input as given in the data"
    return _Computed(total, note=note)


def _sample_fraction(ctx: _Context, figure: Figure) -> _Computed:
    result = _result(ctx, figure)
    if result is None or result.sampling is None:
        return _Computed(reproducible=False, missing="no sampling result")
    sampling = result.sampling
    if not sampling.population:
        return _Computed(None)
    value = EXACT.multiply(EXACT.divide(sampling.sample, sampling.population), _HUNDRED)
    return _Computed(value, note=f"{plain(sampling.sample)} of {plain(sampling.population)} x 100")


def _contribution(ctx: _Context, figure: Figure) -> _Computed:
    entry = ctx.catalog.compiled(figure.indicator or "", figure.year)
    if entry is None or entry.definition.formula.weights is None:
        return _Computed(reproducible=False, missing="not a weights formula")
    weights = entry.definition.formula.weights
    name = figure.input or ""
    if name not in weights:
        return _Computed(reproducible=False, missing=f"no weight for {name}")
    total = sum(weights.values(), Decimal(0))
    ref = entry.references.get(name)
    if ref is not None:
        found = _result(ctx, Figure(0, "", "value", figure.printed, figure.year, indicator=ref))
        x = found.value if found is not None else None
        interval = None
    else:
        data = ctx.years.get(figure.year)
        raw = data.values.get(entry.id, {}).get(None, {}) if data else {}
        found_x = raw.get(name)
        x = found_x if isinstance(found_x, Decimal) else None
        interval = None
    if x is None:
        return _Computed(reproducible=False, missing=f"no value for {name}")
    value = EXACT.divide(EXACT.multiply(weights[name], x), total)
    if ref is None and isinstance(x, Decimal):
        spread = rounding_interval(x)
        interval = Interval(
            EXACT.divide(EXACT.multiply(weights[name], spread.low), total),
            EXACT.divide(EXACT.multiply(weights[name], spread.high), total),
        )
    return _Computed(
        value, interval=interval, note=f"{plain(weights[name])} x {plain(x)} / {plain(total)}"
    )


def _band(ctx: _Context, figure: Figure) -> _Computed:
    result = _result(ctx, figure)
    if result is None or result.band is None:
        return _Computed(reproducible=False, missing="no band for this value")
    return _Computed(text=f"{result.band.label} ({result.band.name})")


def _carried_from(ctx: _Context, figure: Figure) -> _Computed:
    result = _result(ctx, figure)
    if result is None or result.value is None:
        return _Computed(reproducible=False, missing="no value")
    year = result.origin_year if result.origin == "carried_forward" else result.year
    return _Computed(Decimal(year or 0), note=f"origin of the {figure.year} value: {result.origin}")


def _gap(ctx: _Context, figure: Figure) -> _Computed:
    base = _value(ctx, figure)
    entry = ctx.catalog.compiled(figure.indicator or "", figure.year)
    target_year = figure.target_year or figure.year
    target = None
    for candidate in (entry, ctx.catalog.compiled(figure.indicator or "", target_year)):
        if candidate is not None and target_year in candidate.definition.targets:
            target = candidate.definition.targets[target_year]
    if base.value is None or not isinstance(target, Decimal):
        return _Computed(reproducible=False, missing=base.missing or f"no target for {target_year}")
    value = abs(base.value - target)
    interval = None
    if base.interval is not None:
        interval = gap_interval(base.interval, target)
    return _Computed(
        value,
        interval=interval,
        note=f"|realisasi {figure.year} - target {target_year} ({plain(target)})|",
    )


def gap_interval(values: Interval, target: Decimal) -> Interval:
    """|R - T| over every value of a closed interval (interval arithmetic's abs(R - T)).

    Not the distances of the two ends alone: an interval that holds the target reaches 0.

    Example:
        >>> gap_interval(Interval(Decimal("79.995"), Decimal("80.005")), Decimal(80))
        Interval(0, 0.005)
    """
    found: Interval = _IV_ABS(_IV_SUB(values, target))
    return found


def _iku(ctx: _Context, year: int) -> list[Any]:
    results = ctx.results.get(year)
    if results is None:
        return []
    found = []
    for result in results:
        definition = ctx.catalog.indicator(result.id, year)
        if definition is not None and "iku" in definition.tags:
            found.append((definition, result))
    return found


def average_methods(
    ctx_results: list[Any], printed: Mapping[str, Decimal] | None = None
) -> dict[str, Decimal]:
    """The organisation-level average capaian by every method a report could have used.

    Methods: mean over indicators or over sasaran (mean of each sasaran's mean); from
    kinerja's capaian rounded to 2 decimals, the unrounded one, or (when ``printed`` has
    every indicator's printed capaian, by id) the report's own printed figures; without a
    cap or capped at 100, 110 or 120.
    """
    methods: dict[str, Decimal] = {}
    rows = [(d, r) for d, r in ctx_results if r.achievement is not None and r.exact is not None]
    if not rows:
        return methods
    sources = ["rounded", "unrounded"]
    if printed and all(r.id in printed for _, r in rows):
        sources.append("printed")
    for source, cap in itertools.product(sources, (None, 100, 110, 120)):

        def value(
            definition: Any, result: Any, source: str = source, cap: int | None = cap
        ) -> Decimal:
            found: Decimal
            if source == "rounded":
                found = result.achievement
            elif source == "printed":
                assert printed is not None
                found = printed[result.id]
            else:
                exact = achievement(result.exact, result.target, definition.polarity)
                found = exact if exact is not None else result.achievement
            return min(found, Decimal(cap)) if cap is not None else found

        values = [value(d, r) for d, r in rows]
        source_name = _AVERAGE_SOURCES[source]
        capped = f", capped at {cap}%" if cap is not None else ""
        methods[f"mean over {len(values)} indicators ({source_name}{capped})"] = EXACT.divide(
            sum(values, Decimal(0)), Decimal(len(values))
        )
        by_goal: dict[str, list[Decimal]] = {}
        for (definition, _), v in zip(rows, values, strict=True):
            by_goal.setdefault(definition.goal or definition.id, []).append(v)
        means = [EXACT.divide(sum(vs, Decimal(0)), Decimal(len(vs))) for vs in by_goal.values()]
        methods[f"mean over {len(means)} sasaran ({source_name}{capped})"] = EXACT.divide(
            sum(means, Decimal(0)), Decimal(len(means))
        )
    return methods


_AVERAGE_SOURCES = {
    "rounded": "capaian computed, rounded to 2 decimals",
    "unrounded": "unrounded capaian",
    "printed": "capaian as printed in the report",
}


def _printed_achievements(ctx: _Context, year: int) -> dict[str, Decimal]:
    return {ident: v for (y, ident), v in ctx.printed_achievements.items() if y == year}


def _average(ctx: _Context, figure: Figure) -> _Computed:
    methods = average_methods(_iku(ctx, figure.year), _printed_achievements(ctx, figure.year))
    if not methods or figure.printed.value is None:
        return _Computed(reproducible=False, missing="no capaian to average")
    decimals = figure.printed.decimals
    hits = [
        name for name, v in methods.items() if round_half_up(v, decimals) == figure.printed.value
    ]
    if hits:
        chosen = hits[0]
        return _Computed(methods[chosen], note="reproduced by: " + "; ".join(hits))
    nearest = sorted(methods.items(), key=lambda item: abs(item[1] - figure.printed.value))  # type: ignore[operator]
    listing = "; ".join(f"{name} = {plain(round_half_up(v, 2))}" for name, v in nearest)
    return _Computed(nearest[0][1], note=f"no method reproduces it; by method: {listing}")


def _count(kind: str) -> Callable[[_Context, Figure], _Computed]:
    def handler(ctx: _Context, figure: Figure) -> _Computed:
        rows = _iku(ctx, figure.year)
        statuses = [r.status.value for _, r in rows]
        wanted = {"count_above": "above", "count_met": "met", "count_below": "below"}[kind]
        count = sum(1 for s in statuses if s == wanted)
        names = ", ".join(r.id for _, r in rows if r.status.value == wanted)
        return _Computed(Decimal(count), note=f"{wanted} 100%: {names or 'none'}")

    return handler


def _note(ctx: _Context, figure: Figure) -> _Computed:
    return _Computed(reproducible=False, missing=figure.reason or "kinerja has no way to derive it")


_HANDLERS: dict[str, Callable[[_Context, Figure], _Computed]] = {
    "value": _value,
    "achievement": _achievement,
    "target": _target,
    "group": _group,
    "input": _input,
    "sample_fraction": _sample_fraction,
    "contribution": _contribution,
    "band": _band,
    "carried_from": _carried_from,
    "gap": _gap,
    "average_achievement": _average,
    "count_above": _count("count_above"),
    "count_met": _count("count_met"),
    "count_below": _count("count_below"),
    "note": _note,
}

_LABELS = {
    "value": "realisasi",
    "achievement": "capaian",
    "target": "target",
    "group": "realisasi kluster",
    "input": "input",
    "sample_fraction": "sampling fraction",
    "contribution": "nilai akhir (bobot x nilai)",
    "band": "kategori",
    "carried_from": "tahun realisasi yang dipakai",
    "gap": "selisih realisasi dan target",
    "average_achievement": "rata-rata capaian",
    "count_above": "jumlah indikator di atas 100%",
    "count_met": "jumlah indikator tepat 100%",
    "count_below": "jumlah indikator di bawah 100%",
    "note": "angka lain",
}


def _describe(figure: Figure) -> str:
    parts = [_LABELS[figure.what]]
    if figure.indicator:
        parts.append(figure.indicator)
    if figure.group:
        parts.append(f"[{figure.group}]")
    if figure.input:
        parts.append(figure.input)
    if figure.what == "gap":
        parts.append(f"vs target {figure.target_year}")
    parts.append(str(figure.year))
    return " ".join(parts)


def _judge(figure: Figure, computed: _Computed, ctx: _Context) -> Check:
    printed = figure.printed
    notes = [n for n in (computed.note, figure.note) if n]
    if printed.dot_decimal:
        notes.append("printed with a dot as decimal separator")
    comparable = _comparability(ctx, figure)
    if comparable:
        notes.append(comparable)
    what = _describe(figure)

    def check(verdict: Verdict, shown: str | None, interval: Interval | None = None) -> Check:
        return Check(
            id=figure.id,
            what=what,
            where=figure.where,
            published=None if printed.value is None else plain(printed.value),
            computed=shown,
            verdict=verdict,
            interval=None
            if interval is None
            else (
                plain(round_half_up(interval.low, printed.decimals + 4)),
                plain(round_half_up(interval.high, printed.decimals + 4)),
            ),
            note="; ".join(notes),
        )

    if computed.text is not None:
        wanted = printed.text.strip().lower()
        label = computed.text.lower()
        ok = wanted in label or label.startswith(wanted) or wanted.startswith(label.split(" ")[0])
        return Check(
            id=figure.id,
            what=what,
            where=figure.where,
            published=printed.text,
            computed=computed.text,
            verdict="match" if ok else "mismatch",
            note="; ".join(notes),
        )
    value = computed.value
    if value is None and not computed.reproducible:
        notes.insert(0, f"not reproducible: {computed.missing}")
        return check("not_reproducible", None)
    if printed.value is None:
        if value is None:
            return check("match", None)
        notes.insert(0, "printed N/A, but kinerja computes a value")
        return check("mismatch", plain(round_half_up(value, 2)))
    if value is None:
        notes.insert(
            0, "kinerja has no value for it" + (f": {computed.missing}" if computed.missing else "")
        )
        return check("mismatch", None)
    rounded = round_half_up(value, printed.decimals)
    shown = plain(rounded)
    if not computed.reproducible:
        if rounded == printed.value:
            notes.insert(0, f"not reproducible: {computed.missing}")
            return check("not_reproducible", shown)
        notes.insert(0, f"disagrees with the value used elsewhere ({computed.missing})")
        return check("mismatch", shown)
    if rounded == printed.value:
        return check("match", shown)
    interval = computed.interval
    if interval is not None:
        low = round_half_up(interval.low, printed.decimals)
        high = round_half_down(interval.high, printed.decimals)
        if low <= printed.value <= high:
            notes.insert(
                0,
                f"from the published rounded inputs it is {shown}; their rounding allows "
                f"{plain(low)} to {plain(high)}",
            )
            return check("consistent", shown, interval)
    notes.insert(0, f"printed {printed.text} in {figure.where}, computed {shown}")
    return check("mismatch", shown, interval)


def _comparability(ctx: _Context, figure: Figure) -> str:
    """The year-over-year note: a figure of another year under another definition."""
    if figure.indicator is None or figure.year == ctx.report_year:
        return ""
    then = ctx.catalog.compiled(figure.indicator, figure.year)
    now = ctx.catalog.compiled(figure.indicator, ctx.report_year)
    if then is not None and now is not None and then is not now:
        return (
            f"the definition changed between {figure.year} and {ctx.report_year}: "
            "tidak dapat dibandingkan"
        )
    return ""


def _quantity(figure: Figure) -> tuple[Any, ...]:
    return (
        figure.indicator,
        figure.what,
        figure.year,
        figure.group,
        figure.input,
        figure.target_year,
    )


def _merge_not_reproducible(checks: list[Check], figures: list[Figure]) -> list[Check]:
    """Say 'not reproducible' once per quantity and printed value, listing every place."""
    merged: list[Check] = []
    first: dict[tuple[Any, ...], int] = {}
    also: dict[int, list[Check]] = {}
    for check, figure in zip(checks, figures, strict=True):
        if check.verdict != "not_reproducible" or figure.what == "note":
            merged.append(check)
            continue
        key = (*_quantity(figure), check.published)
        if key in first:
            also[first[key]].append(check)
            continue
        first[key] = len(merged)
        also[len(merged)] = []
        merged.append(check)
    for index, others in also.items():
        if others:
            earlier = merged[index]
            merged[index] = replace(
                earlier,
                where="; ".join([earlier.where, *(c.where for c in others)]),
                note=earlier.note + "; also printed as " + ", ".join(c.id for c in others),
            )
    return merged


def _cross_reference(checks: list[Check], figures: list[Figure]) -> list[Check]:
    """A mismatch names where the same quantity is printed differently (or the same)."""
    by_quantity: dict[tuple[Any, ...], list[tuple[Check, Figure]]] = {}
    for check, figure in zip(checks, figures, strict=True):
        if figure.what not in {"note", "average_achievement"}:
            by_quantity.setdefault(_quantity(figure), []).append((check, figure))
    out = []
    for original, figure in zip(checks, figures, strict=True):
        check = original
        if check.verdict == "mismatch" and figure.what not in {"note", "average_achievement"}:
            others = [
                f"{f.printed.text} in {f.where} ({c.id})"
                for c, f in by_quantity.get(_quantity(figure), [])
                if c.id != check.id
            ]
            if others:
                check = replace(
                    check, note=check.note + "; the same figure is printed as " + "; ".join(others)
                )
        out.append(check)
    return out


def replay(
    catalog: Catalog,
    example: str | Path,
    *,
    year: int | None = None,
) -> Replay:
    """Recompute every figure a report prints and judge each one.

    Args:
        catalog: The definitions (every version, so earlier years use theirs).
        example: A folder holding ``data/`` (one TOML data file per year) and
            ``published.toml`` (the printed figures).
        year: The report year; defaults to ``published.toml``'s.

    Example:
        >>> report = replay(kinerja.load("indicators/rehsos"), "examples/rehsos-2023")  # doctest: +SKIP
        >>> report.summary["mismatch"] > 0  # doctest: +SKIP
        True
    """
    folder = Path(example)
    published = load_published(folder / "published.toml")
    report_year = year if year is not None else published.year
    data_years = {d.year: d for d in load_years(folder / "data") if d.year is not None}
    results = catalog.evaluate_years(data_years.values())
    figures = [f for f in published.figures if year is None or f.year <= report_year]
    printed: dict[tuple[int, str], Decimal] = {}
    for f in figures:
        if f.what == "achievement" and f.indicator and not f.group and f.printed.value is not None:
            printed.setdefault((f.year, f.indicator), f.printed.value)
    ctx = _Context(
        catalog,
        data_years,
        results,
        _Intervals(catalog, data_years, results),
        report_year,
        printed,
    )
    problems = [
        Problem(
            f"figure {f.id} names indicator {f.indicator!r}, which is not defined",
            file=published.source,
            key=f.id,
            suggestion=did_you_mean(f.indicator or "", list(catalog.ids)),
        )
        for f in figures
        if f.indicator is not None and f.indicator not in catalog
    ]
    if problems:
        raise DataError(problems)
    checks = _cross_reference([_judge(f, _compute_figure(ctx, f), ctx) for f in figures], figures)
    methods = average_methods(_iku(ctx, report_year), _printed_achievements(ctx, report_year))
    return Replay(
        report_year, published.report, tuple(_merge_not_reproducible(checks, figures)), methods
    )


def render_replay(result: Replay) -> str:
    """The replay as a text table, grouped by where each figure is printed."""
    lines = [f"Replay {result.year}: {result.report}".rstrip(": ")]
    by_place: dict[str, list[Check]] = {}
    for check in result.checks:
        by_place.setdefault(check.where, []).append(check)
    marks = {"match": "ok", "consistent": "~", "mismatch": "X", "not_reproducible": "?"}
    for where, checks in by_place.items():
        lines.append("")
        lines.append(where)
        width = max(len(c.what) for c in checks)
        for c in checks:
            published = c.published if c.published is not None else "N/A"
            computed = c.computed if c.computed is not None else "-"
            line = f"  {marks[c.verdict]:>2} {c.id} {c.what.ljust(width)}  printed {published:>18}  computed {computed:>18}  {c.verdict}"
            lines.append(line.rstrip())
            if c.note and c.verdict != "match":
                lines.append(f"       {c.note}")
    summary = result.summary
    lines.append("")
    lines.append(
        "Summary: "
        + ", ".join(f"{summary[v]} {v}" for v in VERDICTS)
        + f" ({len(result.checks)} checks)"
    )
    return "\n".join(lines)


__all__ = [
    "Check",
    "Figure",
    "Printed",
    "Published",
    "Replay",
    "average_methods",
    "load_published",
    "parse_printed",
    "render_replay",
    "replay",
    "rounding_interval",
]

_ = quantum
