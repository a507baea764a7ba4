"""A loaded catalog: compiled indicators by id and year in force, and their evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._achievement import Status, published_achievement, status
from ._backends import NotAvailable
from ._bands import classify
from ._data import Inputs, YearData, from_mapping, load_data
from ._errors import DataError, Problem, did_you_mean
from ._formula import Formula
from ._model import BandSet, Indicator
from ._numbers import EXACT, round_half_up, to_decimal
from ._results import BandResult, GroupResult, IndicatorResult, Note, Results, SamplingResult
from ._sampling import wilson_fpc
from ._units import is_count

_ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class CompiledIndicator:
    """One indicator version with its compiled formula (engine state, not definition data)."""

    definition: Indicator
    file: str
    formula: Formula
    numerator: Formula | None
    denominator: Formula | None
    factor: Decimal
    references: Mapping[str, str] = field(default_factory=dict)
    same_unit_ratio: bool = False

    @property
    def id(self) -> str:
        """The indicator id."""
        return self.definition.id


def _topological(entries: list[CompiledIndicator]) -> list[str]:
    """Ids so that every referenced indicator comes before its users (file order on ties)."""
    order: list[str] = []
    ids = list(dict.fromkeys(e.id for e in entries))
    deps: dict[str, set[str]] = {i: set() for i in ids}
    for entry in entries:
        deps[entry.id].update(r for r in entry.references.values() if r in deps)
    placed: set[str] = set()
    while len(order) < len(ids):
        ready = [i for i in ids if i not in placed and deps[i] <= placed]
        if not ready:  # a cycle; the loader refuses those, so this is defensive
            ready = [i for i in ids if i not in placed][:1]
        for ident in ready:
            order.append(ident)
            placed.add(ident)
    return order


class Catalog:
    """Loaded, checked indicator definitions, ready to evaluate any year.

    Build one with :func:`kinerja.load`. A catalog is immutable and safe to share
    between threads.

    Example:
        >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
        >>> results = catalog.evaluate(kinerja.load_data("examples/demo/data-2023.toml"), year=2023)  # doctest: +SKIP
        >>> str(results["demo.kemampuan"].value)  # doctest: +SKIP
        '87.55'
    """

    def __init__(
        self,
        entries: Iterable[CompiledIndicator],
        band_sets: Mapping[str, BandSet],
        *,
        root: str = "",
    ) -> None:
        self._entries = tuple(entries)
        self._versions: dict[str, tuple[CompiledIndicator, ...]] = {}
        for entry in self._entries:
            self._versions[entry.id] = (*self._versions.get(entry.id, ()), entry)
        self._band_sets = dict(band_sets)
        self._order = _topological(list(self._entries))
        self.root = root

    def __repr__(self) -> str:
        return f"<Catalog {len(self._versions)} indicators, {len(self._band_sets)} band sets from {self.root!r}>"

    def __len__(self) -> int:
        return len(self._versions)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._versions

    @property
    def ids(self) -> tuple[str, ...]:
        """Every indicator id, in file order."""
        return tuple(self._versions)

    @property
    def band_sets(self) -> Mapping[str, BandSet]:
        """Band sets by id."""
        return dict(self._band_sets)

    def versions(self, indicator_id: str) -> tuple[Indicator, ...]:
        """Every version of an indicator's definition."""
        return tuple(e.definition for e in self._versions[indicator_id])

    def compiled(self, indicator_id: str, year: int) -> CompiledIndicator | None:
        """The compiled version of ``indicator_id`` in force in ``year``, or None."""
        for entry in self._versions.get(indicator_id, ()):
            if entry.definition.in_force.covers(year):
                return entry
        return None

    def indicator(self, indicator_id: str, year: int) -> Indicator | None:
        """The definition of ``indicator_id`` in force in ``year``, or None."""
        entry = self.compiled(indicator_id, year)
        return None if entry is None else entry.definition

    def indicators(self, year: int) -> tuple[Indicator, ...]:
        """Every definition in force in ``year``, in file order."""
        found = (self.indicator(i, year) for i in self._versions)
        return tuple(d for d in found if d is not None)

    # ------------------------------------------------------------------ evaluation

    def evaluate(
        self, data: YearData | Mapping[str, Any] | str | Path, *, year: int | None = None
    ) -> Results:
        """Evaluate every indicator in force in ``year`` on ``data``.

        Args:
            data: :class:`YearData`, a path to a data TOML file, or a mapping
                (``{"demo.ikpa": {"deviasi": "73.22", ...}}``).
            year: The year to evaluate; defaults to the data's own ``year``.

        Returns:
            :class:`Results` in file order. An indicator whose inputs are missing is
            ``n/a`` with a note naming them; all others still evaluate.

        Raises:
            DataError: the data does not fit the definitions (unknown indicators or
                inputs, negative counts, series of the wrong shape, another year); every
                problem is listed.
        """
        year_data = _as_year_data(data, year)
        chosen = year if year is not None else year_data.year
        if chosen is None:
            raise DataError(
                [
                    Problem(
                        "no year given: pass year=... or put year = 2023 in the data file",
                        file=year_data.source,
                    )
                ]
            )
        if year is not None and year_data.year is not None and year_data.year != year:
            raise DataError(
                [
                    Problem(
                        f"the data is for {year_data.year}, but {year} was asked for",
                        file=year_data.source,
                        key="year",
                    )
                ]
            )
        self._check_data(year_data, chosen)
        published: dict[str, Decimal | NotAvailable] = {}
        by_id: dict[str, IndicatorResult] = {}
        for ident in self._order:
            entry = self.compiled(ident, chosen)
            if entry is None:
                continue
            result = self._evaluate_entry(
                entry, year_data.values.get(ident), published, chosen, year_data.source
            )
            by_id[ident] = result
            published[ident] = (
                result.value
                if result.value is not None
                else NotAvailable(f"indicator {ident!r} has no value in {chosen}")
            )
        return Results(chosen, tuple(by_id[i] for i in self._versions if i in by_id))

    def evaluate_indicator(
        self, indicator_id: str, inputs: Mapping[str, Any], *, year: int
    ) -> IndicatorResult:
        """Evaluate one indicator from its inputs (references must be given as inputs too).

        The fast path for callers that evaluate one indicator many times.

        Example:
            >>> catalog.evaluate_indicator("demo.kemampuan",  # doctest: +SKIP
            ...     {"pm_meningkat": 1794, "pm_dimonev": 2035}, year=2023).value
            Decimal('88.16')
        """
        entry = self.compiled(indicator_id, year)
        if entry is None:
            raise DataError([Problem(f"no definition of {indicator_id!r} is in force in {year}")])
        values: dict[str, Any] = {}
        for name, raw in inputs.items():
            if type(raw) is Decimal:
                values[name] = raw
            else:
                values[name] = from_mapping({"x": {name: _python_numbers(raw)}}).values["x"][None][name]
        published = {
            ref: values.pop(name) for name, ref in entry.references.items() if name in values
        }
        return self._evaluate_entry(entry, {None: values}, published, year, None)

    def _check_data(self, data: YearData, year: int) -> None:
        problems: list[Problem] = []

        def add(
            message: str, path: tuple[str | int, ...], indicator: str, suggestion: str | None = None
        ) -> None:
            file, line = data.where(*path)
            key = ".".join(str(p) for p in ("values", *path))
            problems.append(
                Problem(
                    message,
                    file=file,
                    line=line,
                    indicator=indicator,
                    key=key,
                    suggestion=suggestion,
                )
            )

        for ident, groups in data.values.items():
            if ident not in self._versions:
                add(
                    "no indicator with this id is defined",
                    (ident,),
                    ident,
                    did_you_mean(ident, list(self._versions))
                    or "check the id against the definitions",
                )
                continue
            entry = self.compiled(ident, year)
            if entry is None:
                spans = ", ".join(str(v.in_force) for v in self.versions(ident))
                add(f"data for {year}, but {ident!r} is in force only {spans}", (ident,), ident)
                continue
            definition = entry.definition
            if None not in groups and definition.disaggregation is None:
                add(
                    f"{ident!r} has no [disaggregation], so its values cannot be split into groups",
                    (ident,),
                    ident,
                    "give the inputs directly under the indicator's table",
                )
                continue
            allowed = definition.disaggregation.groups if definition.disaggregation else None
            lengths: dict[str, dict[int, str]] = {}
            for group, inputs in groups.items():
                if group is not None and allowed is not None and group not in allowed:
                    add(
                        f"unknown group {group!r} for {definition.disaggregation.dimension!r}"
                        if definition.disaggregation
                        else "",
                        (ident, group),
                        ident,
                        did_you_mean(group, list(allowed)) or "known groups: " + ", ".join(allowed),
                    )
                for name, value in inputs.items():
                    path: tuple[str | int, ...] = (
                        (ident, name) if group is None else (ident, group, name)
                    )
                    spec = definition.inputs.get(name)
                    if spec is None:
                        add(
                            f"{ident!r} has no input {name!r}",
                            path,
                            ident,
                            did_you_mean(name, list(definition.inputs))
                            or "declared inputs: " + ", ".join(definition.inputs),
                        )
                        continue
                    if spec.indicator is not None:
                        add(
                            f"input {name!r} is the value of indicator {spec.indicator!r}; it is not given in data",
                            path,
                            ident,
                            "remove it: kinerja computes it",
                        )
                        continue
                    if spec.over is not None and not isinstance(value, tuple):
                        add(
                            f"input {name!r} is a series over {spec.over!r}: give a list",
                            path,
                            ident,
                        )
                        continue
                    if spec.over is None and isinstance(value, tuple):
                        add(f"input {name!r} is one value, not a list", path, ident)
                        continue
                    numbers = value if isinstance(value, tuple) else (value,)
                    if (
                        spec.unit is not None
                        and is_count(spec.unit)
                        and any(v < 0 for v in numbers)
                    ):
                        add(
                            f"input {name!r} is a count of {spec.unit} and cannot be negative (got "
                            f"{', '.join(str(v) for v in numbers if v < 0)})",
                            path,
                            ident,
                        )
                    if isinstance(value, tuple):
                        seen = lengths.setdefault(f"{group}:{spec.over}", {})
                        seen.setdefault(len(value), name)
                for over_key, seen in lengths.items():
                    if len(seen) > 1:
                        detail = ", ".join(f"{n} has {size}" for size, n in sorted(seen.items()))
                        add(
                            f"series over {over_key.split(':', 1)[1]!r} have different lengths ({detail})",
                            (ident,) if group is None else (ident, group),
                            ident,
                        )
                lengths.clear()
        if problems:
            raise DataError(problems)

    def _evaluate_entry(
        self,
        entry: CompiledIndicator,
        groups: Mapping[str | None, Inputs] | None,
        published: Mapping[str, Decimal | NotAvailable],
        year: int,
        source: str | None,
    ) -> IndicatorResult:
        definition = entry.definition
        notes: list[Note] = []
        references = {
            name: published.get(ref, NotAvailable(f"indicator {ref!r} has no value"))
            for name, ref in entry.references.items()
        }
        data_groups: Mapping[str | None, Inputs] = groups or {}
        if not data_groups and any(n not in entry.references for n in entry.formula.names):
            notes.append(Note(f"no data for {definition.id} in {year}"))

        def inputs_of(group: str | None, raw: Inputs) -> dict[str, Any]:
            values: dict[str, Any] = dict(references)
            for name in definition.inputs:
                if name in values:
                    continue
                found = raw.get(name)
                if found is None:
                    where = f" for group {group!r}" if group is not None else ""
                    values[name] = NotAvailable(f"input {name!r} is missing{where}")
                else:
                    values[name] = found
            return values

        group_results: dict[str, GroupResult] = {}
        named_groups = [(g, raw) for g, raw in data_groups.items() if g is not None]
        labels = definition.disaggregation.groups or {} if definition.disaggregation else {}
        if named_groups:
            per_group = [(g, inputs_of(g, raw)) for g, raw in named_groups]
            parts = []
            for group, values in per_group:
                exact, num, den = self._compute(entry, values)
                parts.append((num, den))
                self._ratio_warning(entry, num, den, notes, group)
                rounded = (
                    round_half_up(exact, definition.decimals)
                    if isinstance(exact, Decimal)
                    else None
                )
                group_results[group] = GroupResult(
                    group=group,
                    label=labels.get(group),
                    value=rounded,
                    exact=exact if isinstance(exact, Decimal) else None,
                    sampling=self._sampling(entry, [values], exact),
                )
            if entry.numerator is not None:
                total_num = _sum([p[0] for p in parts])
                total_den = _sum([p[1] for p in parts])
                value = _ratio(total_num, total_den, entry.factor)
                num, den = total_num, total_den
            else:
                summed = dict(references)
                for name in definition.inputs:
                    if name not in summed:
                        summed[name] = _sum([values[name] for _, values in per_group])
                value, num, den = self._compute(entry, summed)
            sampling = self._sampling(entry, [v for _, v in per_group], value)
        else:
            values = inputs_of(None, data_groups.get(None, {}))
            value, num, den = self._compute(entry, values)
            sampling = self._sampling(entry, [values], value)
        self._ratio_warning(entry, num, den, notes, None)

        target = definition.targets.get(year)
        exact_value = value if isinstance(value, Decimal) else None
        rounded_value = None
        achieved = None
        band = None
        if exact_value is None:
            reason = value.reason if isinstance(value, NotAvailable) else "no value"
            notes.insert(0, Note(f"no value: {reason}"))
        else:
            rounded_value = round_half_up(exact_value, definition.decimals)
            if target is not None:
                achieved = published_achievement(exact_value, target, definition.polarity)
                if achieved is None:
                    notes.append(Note(f"the target for {year} is 0, so there is no achievement"))
            if definition.bands is not None:
                band_set = self._band_sets[definition.bands]
                hit = classify(band_set, rounded_value)
                if hit is None:
                    notes.append(
                        Note(f"{rounded_value} is outside every band of {band_set.id!r}", "warning")
                    )
                else:
                    band = BandResult(band_set.id, hit.label, hit.name)
        if target is None:
            notes.append(Note(f"no target for {year}"))
        if definition.sampling is not None and definition.sampling.note:
            notes.append(Note(definition.sampling.note))
        return IndicatorResult(
            id=definition.id,
            name=definition.name,
            unit=definition.unit,
            decimals=definition.decimals,
            year=year,
            goal=definition.goal,
            value=rounded_value,
            exact=exact_value,
            target=target,
            achievement=achieved,
            status=status(achieved) if exact_value is not None else Status.NOT_AVAILABLE,
            groups=group_results,
            sampling=sampling,
            band=band,
            notes=tuple(notes),
            source=entry.file,
        )

    @staticmethod
    def _compute(entry: CompiledIndicator, values: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """Value, numerator and denominator (the last two only for the ratio form)."""
        if entry.numerator is not None and entry.denominator is not None:
            num = entry.numerator.evaluate_exact(values)
            den = entry.denominator.evaluate_exact(values)
            return _ratio(num, den, entry.factor), num, den
        return entry.formula.evaluate_exact(values), None, None

    @staticmethod
    def _ratio_warning(
        entry: CompiledIndicator, num: Any, den: Any, notes: list[Note], group: str | None
    ) -> None:
        if not entry.same_unit_ratio or entry.definition.unit != "percent":
            return
        if isinstance(num, Decimal) and isinstance(den, Decimal) and num > den:
            where = f" in group {group!r}" if group is not None else ""
            notes.append(
                Note(
                    f"numerator {num} is larger than denominator {den}{where}: over 100%", "warning"
                )
            )

    @staticmethod
    def _sampling(
        entry: CompiledIndicator, inputs: list[Mapping[str, Any]], value: Any
    ) -> SamplingResult | None:
        spec = entry.definition.sampling
        if spec is None:
            return None
        decimals = entry.definition.decimals
        n = _sum([v.get(spec.sample) for v in inputs])
        population = _sum([v.get(spec.population) for v in inputs])
        if not isinstance(n, Decimal) or not isinstance(population, Decimal):
            return None
        fraction = EXACT.divide(n, population) if population else None
        note = None
        ci = None
        if not isinstance(value, Decimal):
            note = "no value, so no confidence interval"
        elif n <= 0 or n > population:
            note = f"sample {n} does not fit in population {population}"
        else:
            p = EXACT.divide(value, entry.factor)
            if not _ZERO <= p <= 1:
                note = "the value is not a proportion of the sample"
            else:
                interval = wilson_fpc(EXACT.multiply(p, n), n, population)
                ci = (
                    EXACT.multiply(interval.low, entry.factor),
                    EXACT.multiply(interval.high, entry.factor),
                )
        return SamplingResult(n, population, fraction, ci, decimals, note)


def _sum(values: list[Any]) -> Any:
    total: Any = _ZERO
    for value in values:
        if value is None:
            return NotAvailable("a value is missing")
        total = total + value
    return total


def _ratio(num: Any, den: Any, factor: Decimal) -> Any:
    if isinstance(num, NotAvailable):
        return num
    if isinstance(den, NotAvailable):
        return den
    if not den:
        return NotAvailable("the denominator is 0")
    return EXACT.multiply(EXACT.divide(num, den), factor)


def _python_numbers(value: Any) -> Any:
    """In Python data, dot-decimal strings are numbers (exact); TOML files must not quote them."""
    if isinstance(value, Mapping):
        return {k: _python_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_python_numbers(v) for v in value]
    if isinstance(value, str):
        try:
            return to_decimal(value)
        except ValueError:
            return value
    return value


def _as_year_data(data: YearData | Mapping[str, Any] | str | Path, year: int | None) -> YearData:
    if isinstance(data, YearData):
        return data
    if isinstance(data, str | Path):
        return load_data(data)
    return from_mapping(_python_numbers(data), year=year)
