"""A loaded catalog: compiled indicators by id and year in force, and their evaluation."""

from __future__ import annotations

import ast
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._achievement import Status, no_achievement, published_achievement, status
from ._backends import EXACT as EXACT_BACKEND
from ._backends import Backend, NotAvailable
from ._bands import classify
from ._data import Inputs, YearData, from_mapping, load_data
from ._errors import DataError, Problem, did_you_mean
from ._formula import Formula
from ._kernel import Kernel, kernel_for
from ._model import BandSet, Goal, Indicator
from ._numbers import EXACT, is_whole_number, round_half_up, to_decimal, too_many_digits
from ._results import BandResult, GroupResult, IndicatorResult, Note, Results, SamplingResult
from ._toml import MAX_DEPTH
from ._units import dimensionality, is_count

if TYPE_CHECKING:
    from ._explain import Explanation

_ZERO = Decimal(0)
_ONE_CALL_LIMIT = 4096  # (id, year) pairs remembered by evaluate_indicator


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
    # Facts about the definition that evaluation needs on every call, worked out once.
    needs_data: bool = field(init=False, default=True)
    labels: Mapping[str, str] = field(init=False, default_factory=dict)
    measured: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        definition = self.definition
        self.needs_data = any(n not in self.references for n in self.formula.names)
        disaggregation = definition.disaggregation
        self.labels = (disaggregation.groups or {}) if disaggregation else {}
        self.measured = tuple(n for n, s in definition.inputs.items() if s.indicator is None)

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
        goals: Iterable[Goal] = (),
    ) -> None:
        self._entries = tuple(entries)
        self._versions: dict[str, tuple[CompiledIndicator, ...]] = {}
        for entry in self._entries:
            self._versions[entry.id] = (*self._versions.get(entry.id, ()), entry)
        self._band_sets = dict(band_sets)
        self._goals: dict[str, tuple[Goal, ...]] = {}
        for goal in goals:
            self._goals[goal.id] = (*self._goals.get(goal.id, ()), goal)
        self._order = _topological(list(self._entries))
        self.root = root
        # Kernels by version, built on first use; (id, year) -> the version in force and
        # its kernel, for evaluate_indicator. A race only builds the same kernel twice.
        self._kernels: dict[CompiledIndicator, Kernel | None] = {}
        self._one_call: dict[tuple[str, int], tuple[CompiledIndicator, Kernel | None]] = {}

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
    def evaluation_order(self) -> tuple[str, ...]:
        """Every indicator id, each after the indicators it references."""
        return tuple(self._order)

    def goal(self, goal_id: str, year: int) -> Goal | None:
        """The sasaran (goal) definition in force in ``year``, or None."""
        for goal in self._goals.get(goal_id, ()):
            if goal.in_force.covers(year):
                return goal
        return None

    def goals(self, year: int) -> tuple[Goal, ...]:
        """Every goal in force in ``year``, by ``order`` then id."""
        found = [g for g in (self.goal(i, year) for i in self._goals) if g is not None]
        return tuple(sorted(found, key=lambda g: (g.order is None, g.order or 0, g.id)))

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
        self,
        data: YearData | Mapping[str, Any] | str | Path,
        *,
        year: int | None = None,
        history: Mapping[int, Results] | None = None,
    ) -> Results:
        """Evaluate every indicator in force in ``year`` on ``data``.

        Args:
            data: :class:`YearData`, a path to a data TOML file, or a mapping
                (``{"demo.ikpa": {"deviasi": "73.22", ...}}``).
            year: The year to evaluate; defaults to the data's own ``year``.
            history: Results of earlier years, for indicators with ``carry_forward``.

        Returns:
            :class:`Results` in file order. An indicator whose inputs are missing is
            ``n/a`` with a note naming them; all others still evaluate.

        Raises:
            DataError: the data does not fit the definitions (unknown indicators or
                inputs, negative counts, series of the wrong shape, another year); every
                problem is listed.
            TypeError: an argument of the wrong type (a year that is not an int, data
                that is no mapping, history that is no mapping of years to Results).
        """
        _check_year(year, optional=True)
        year = None if year is None else int(year)
        if not isinstance(data, YearData | Mapping | str | Path):
            raise TypeError(
                "data: expected YearData, a mapping of indicator ids to inputs, or the path "
                f"of a data file, not {type(data).__name__}"
            )
        _check_history(history)
        try:
            year_data = _as_year_data(data, year)
        except DataError as exc:
            partial = exc.partial
            if not isinstance(partial, YearData):
                raise
            # Report reading problems and the checks against the definitions in one go.
            chosen_year = year if year is not None else partial.year
            more = self._data_problems(partial, chosen_year) if chosen_year is not None else []
            known = set(exc.problems)
            merged = [*exc.problems, *(p for p in more if p not in known)]
            merged.sort(key=lambda p: (p.file or "", p.line or 0, p.key or ""))
            raise DataError(merged) from None
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
                        line=year_data.lines.get(("year",)),
                        key="year",
                        suggestion=f"evaluate {year_data.year}, or give the data file for {year}",
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
                entry,
                year_data.values.get(ident),
                published,
                chosen,
                year_data.source,
                reported=year_data.reported.get(ident),
                history=history,
            )
            by_id[ident] = result
            published[ident] = (
                result.value
                if result.value is not None
                else NotAvailable(f"indicator {ident!r} has no value in {chosen}")
            )
        return Results(chosen, tuple(by_id[i] for i in self._versions if i in by_id))

    def evaluate_years(self, years: Iterable[YearData]) -> dict[int, Results]:
        """Evaluate several years in ascending order, each with the earlier ones as history.

        Example:
            >>> history = catalog.evaluate_years(kinerja.load_years("examples/rehsos-2023/data"))  # doctest: +SKIP
            >>> history[2023]["rehsos.akip"].origin_year  # doctest: +SKIP
            2022
        """
        ordered = sorted(years, key=lambda d: d.year if d.year is not None else 0)
        done: dict[int, Results] = {}
        for data in ordered:
            if data.year is None:
                raise DataError([Problem("the data file does not say its year", file=data.source)])
            if data.year in done:
                raise DataError(
                    [Problem(f"two data files for {data.year}", file=data.source, key="year")]
                )
            done[data.year] = self.evaluate(data, year=data.year, history=done)
        return done

    def explain(
        self,
        indicator_id: str,
        data: YearData | Mapping[str, Any] | str | Path | Iterable[YearData],
        *,
        year: int | None = None,
        history: Mapping[int, Results] | None = None,
        depth: int | None = None,
    ) -> Explanation:
        """The derivation of one figure step by step; the same as :func:`kinerja.explain`.

        Example:
            >>> e = catalog.explain("demo.kemampuan", "examples/demo/data-2023.toml")  # doctest: +SKIP
            >>> e.rounding.rounded  # doctest: +SKIP
            Decimal('87.55')
        """
        from ._explain import explain

        return explain(self, indicator_id, data, year=year, history=history, depth=depth)

    def evaluate_indicator(
        self, indicator_id: str, inputs: Mapping[str, Any], *, year: int
    ) -> IndicatorResult:
        """Evaluate one indicator from its inputs (references must be given as inputs too).

        The fast path for callers that evaluate one indicator many times: complete, clean
        inputs go through a function generated for the indicator on its first call; any
        other inputs (missing, n/a, zero denominators, anything to warn about) through the
        general path, with the same result either way.

        Example:
            >>> catalog.evaluate_indicator("demo.kemampuan",  # doctest: +SKIP
            ...     {"pm_meningkat": 1794, "pm_dimonev": 2035}, year=2023).value
            Decimal('88.16')
        """
        found = self._one_call.get((indicator_id, year))
        if found is None:
            found = self._one_call_entry(indicator_id, year)
        entry, kernel = found
        if kernel is not None:
            result = kernel(inputs, year)
            if result is not None:
                return result
        return self._evaluate_inputs(entry, inputs, year)

    def _one_call_entry(
        self, indicator_id: str, year: int
    ) -> tuple[CompiledIndicator, Kernel | None]:
        _check_year(year)
        entry = self.compiled(indicator_id, year)
        if entry is None:
            raise DataError(
                [
                    Problem(
                        f"no definition of {indicator_id!r} is in force in {year}",
                        indicator=indicator_id,
                        suggestion=did_you_mean(indicator_id, list(self._versions)),
                    )
                ]
            )
        found = (entry, self._kernel_of(entry))
        if len(self._one_call) >= _ONE_CALL_LIMIT:
            self._one_call.clear()  # an open-ended definition is in force in any year asked
        self._one_call[indicator_id, year] = found
        return found

    def _kernel_of(self, entry: CompiledIndicator) -> Kernel | None:
        if entry in self._kernels:
            return self._kernels[entry]
        return self._kernels.setdefault(entry, kernel_for(entry, self._band_sets))

    def _evaluate_inputs(
        self, entry: CompiledIndicator, inputs: Mapping[str, Any], year: int
    ) -> IndicatorResult:
        """evaluate_indicator's general path: checks every input and words every note."""
        if not isinstance(inputs, Mapping):
            raise TypeError(
                f"inputs: expected a mapping of input names to values, not {type(inputs).__name__}"
            )
        indicator_id = entry.id
        declared = entry.definition.inputs
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, raw in inputs.items():
            spec = declared.get(name)
            if spec is None:
                problems.append(
                    Problem(
                        f"{indicator_id!r} has no input {name!r}",
                        indicator=indicator_id,
                        key=name,
                        suggestion=did_you_mean(name, list(declared)),
                    )
                )
                continue
            try:
                value = _python_value(raw)  # a Decimal too: NaN, infinities, 1E+100 are refused
            except ValueError as exc:
                problems.append(Problem(str(exc), indicator=indicator_id, key=name))
                continue
            if spec.indicator is None:
                issue = _input_problem(name, spec.over, spec.unit, value)
                if issue:
                    problems.append(
                        Problem(issue[0], indicator=indicator_id, key=name, suggestion=issue[1])
                    )
                    continue
            values[name] = value
        if problems:
            raise DataError(problems)
        published = {
            ref: values.pop(name) for name, ref in entry.references.items() if name in values
        }
        return self._evaluate_entry(entry, {None: values}, published, year, None)

    def _check_data(self, data: YearData, year: int) -> None:
        problems = self._data_problems(data, year)
        if problems:
            raise DataError(problems)

    def _data_problems(self, data: YearData, year: int) -> list[Problem]:
        """Every way ``data`` does not fit the definitions in force in ``year``."""
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
                    issue = _input_problem(name, spec.over, spec.unit, value)
                    if issue:
                        add(issue[0], path, ident, issue[1])
                        continue
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
        return problems

    def _evaluate_entry(
        self,
        entry: CompiledIndicator,
        groups: Mapping[str | None, Inputs] | None,
        published: Mapping[str, Decimal | NotAvailable],
        year: int,
        source: str | None,
        *,
        reported: Decimal | None = None,
        history: Mapping[int, Results] | None = None,
    ) -> IndicatorResult:
        values: Mapping[str, Any] | None = None
        if reported is None and groups is not None and len(groups) == 1 and None in groups:
            values = groups[None]  # one ungrouped set of inputs
        elif (
            reported is None
            and not groups
            and len(entry.references) == len(entry.definition.inputs)
            and entry.definition.disaggregation is None
        ):
            values = {}  # a composite of references only: they are all its inputs
        if values is not None:
            # The indicator's kernel, when the data is clean.
            kernel = self._kernel_of(entry)
            if kernel is not None:
                inputs: dict[str, Any] = dict(values)
                for name, ref in entry.references.items():
                    inputs[name] = published.get(ref)
                result = kernel(inputs, year)
                if result is not None:
                    return result
        with decimal.localcontext(EXACT):
            return self._evaluate_exact(entry, groups, published, year, reported, history)

    def _evaluate_exact(
        self,
        entry: CompiledIndicator,
        groups: Mapping[str | None, Inputs] | None,
        published: Mapping[str, Decimal | NotAvailable],
        year: int,
        reported: Decimal | None,
        history: Mapping[int, Results] | None,
    ) -> IndicatorResult:
        definition = entry.definition
        notes: list[Note] = []
        references = {
            name: published.get(ref, NotAvailable(f"indicator {ref!r} has no value"))
            for name, ref in entry.references.items()
        }
        data_groups: Mapping[str | None, Inputs] = groups or {}
        origin: Literal["computed", "reported", "carried_forward"] = "computed"
        origin_year = year
        declared_groups = definition.disaggregation.groups if definition.disaggregation else None
        absent: set[str] = set()
        if declared_groups and any(g is not None for g in data_groups):
            # Groups are listed in declared order; one without data is said, not hidden.
            absent = {g for g in declared_groups if g not in data_groups}
            if absent:
                names = ", ".join(repr(g) for g in declared_groups if g in absent)
                notes.append(Note(f"no data for group {names}; the total covers the others"))
            data_groups = {g: data_groups[g] for g in declared_groups if g in data_groups}
        per_group = inputs_for(entry, data_groups, references)
        numbers = _compute(entry, per_group, EXACT_BACKEND)
        value: Any = numbers.value
        if not data_groups and entry.needs_data:
            carried = _carried(entry, year, history)
            if reported is not None:
                value, origin = reported, "reported"
                notes.append(Note(f"value as reported for {year}; its inputs are not published"))
            elif carried is not None:
                value, origin, origin_year = carried[1], "carried_forward", carried[0]
                notes.append(
                    Note(
                        f"no {year} value: the {carried[0]} value is carried forward "
                        f"(carry_forward = {definition.carry_forward})"
                    )
                )
            else:
                notes.append(Note(f"no data for {definition.id} in {year}"))
        elif reported is not None and isinstance(value, Decimal):
            places = definition.decimals
            if round_half_up(value, places) != round_half_up(reported, places):
                notes.append(
                    Note(f"computed {value} differs from the reported value {reported}", "warning")
                )

        group_results: dict[str, GroupResult] = {}
        labels = entry.labels
        for (group, values), (exact, num, den) in zip(per_group, numbers.groups, strict=True):
            if group is None:
                continue
            self._ratio_warning(entry, num, den, notes, group)
            missing = exact.reason if isinstance(exact, NotAvailable) else None
            if missing is not None and not isinstance(numbers.value, NotAvailable):
                notes.append(Note(f"group {group!r} has no value: {missing}", "warning"))
            group_results[group] = GroupResult(
                group=group,
                label=labels.get(group),
                value=round_half_up(exact, definition.decimals)
                if isinstance(exact, Decimal)
                else None,
                exact=exact if isinstance(exact, Decimal) else None,
                sampling=self._sampling(entry, [values], exact),
                note=None if missing is None else f"no value: {missing}",
            )
        sampling = None
        if origin == "computed":
            sampling = self._sampling(entry, [v for _, v in per_group], value)
            if sampling is not None and sampling.note:
                notes.append(Note(f"no confidence interval: {sampling.note}"))
            elif (
                sampling is None and definition.sampling is not None and isinstance(value, Decimal)
            ):
                # The sample or the population has no value: say so rather than drop it.
                spec = definition.sampling
                roles = ((spec.sample, "the sample"), (spec.population, "the population"))
                unset = [
                    f"input {name!r} ({role})"
                    for name, role in roles
                    if any(not isinstance(v.get(name), Decimal) for _, v in per_group)
                ]
                notes.append(Note(f"no confidence interval: no value for {' or '.join(unset)}"))
            self._ratio_warning(entry, numbers.numerator, numbers.denominator, notes, None)

        target = definition.targets.get(year)
        if isinstance(value, Decimal):
            oversized = too_many_digits(value, definition.decimals)
            if oversized is not None:
                value = NotAvailable(oversized)
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
                    notes.append(Note(no_achievement(exact_value, target, year)))
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
            origin=origin,
            origin_year=origin_year,
        )

    @staticmethod
    def _ratio_warning(
        entry: CompiledIndicator, num: Any, den: Any, notes: list[Note], group: str | None
    ) -> None:
        if not entry.same_unit_ratio or not _is_percent(entry):
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
        n = _total([v[spec.sample] for v in inputs], EXACT_BACKEND)
        population = _total([v[spec.population] for v in inputs], EXACT_BACKEND)
        if not isinstance(n, Decimal) or not isinstance(population, Decimal):
            return None
        fraction = EXACT.divide(n, population) if population else None
        note = None
        proportion = None
        if not isinstance(value, Decimal):
            note = "no value, so no confidence interval"
        elif n <= 0 or n > population:
            note = f"sample {n} does not fit in population {population}"
        else:
            proportion = EXACT.divide(value, entry.factor)
            if not _ZERO <= proportion <= 1:
                note, proportion = "the value is not a proportion of the sample", None
        return SamplingResult(n, population, fraction, decimals, proportion, entry.factor, note)


@dataclass(frozen=True, slots=True)
class Computation:
    """An indicator's numbers on one backend, before rounding.

    ``groups`` holds (value, numerator, denominator) for each input mapping given to
    :func:`compute`, in order; numerator and denominator only for the ratio form.
    """

    value: Any
    numerator: Any
    denominator: Any
    groups: tuple[tuple[Any, Any, Any], ...]


def inputs_for(
    entry: CompiledIndicator,
    data_groups: Mapping[str | None, Mapping[str, Any]],
    references: Mapping[str, Any],
) -> list[tuple[str | None, dict[str, Any]]]:
    """Each group's complete input mapping (missing inputs become NotAvailable)."""

    def complete(group: str | None, raw: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = dict(references)
        for name in entry.measured:
            found = raw.get(name)
            if found is None:
                where = f" for group {group!r}" if group is not None else ""
                values[name] = NotAvailable(f"input {name!r} is missing{where}")
            else:
                values[name] = found
        return values

    named: list[tuple[str | None, dict[str, Any]]] = [
        (g, complete(g, raw)) for g, raw in data_groups.items() if g is not None
    ]
    return named or [(None, complete(None, data_groups.get(None, {})))]


def _ratio(num: Any, den: Any, factor: Decimal, backend: Backend) -> Any:
    if type(num) is NotAvailable:
        return num
    if type(den) is NotAvailable:
        return den
    if type(den) is Decimal and not den:
        return NotAvailable("the denominator is 0")
    divide = backend.operators[ast.Div]
    return backend.operators[ast.Mult](divide(num, den), factor)


def _total(values: list[Any], backend: Backend) -> Any:
    # The total of one value is that value as given (0 + 2E+3 would rewrite it as 2000).
    add = backend.operators[ast.Add]
    total: Any = None
    for value in values:
        if type(value) is NotAvailable:
            return value
        total = value if total is None else add(total, value)
    return _ZERO if total is None else total


def compute(
    entry: CompiledIndicator, per_group: list[tuple[str | None, dict[str, Any]]], backend: Backend
) -> Computation:
    """Evaluate one indicator on ``backend``: each group, and the total.

    The total of a ratio is the ratio of the summed numerators and denominators; the total
    of another form is its formula on the inputs summed over groups. The same code serves
    the exact path and replay's interval path: only the backend's tables differ.
    """
    with decimal.localcontext(EXACT):
        return _compute(entry, per_group, backend)


def _compute(
    entry: CompiledIndicator, per_group: list[tuple[str | None, dict[str, Any]]], backend: Backend
) -> Computation:
    rows: list[tuple[Any, Any, Any]] = []
    if entry.numerator is not None and entry.denominator is not None:
        for _, values in per_group:
            num = entry.numerator.evaluate_in_context(backend, values)
            den = entry.denominator.evaluate_in_context(backend, values)
            rows.append((_ratio(num, den, entry.factor, backend), num, den))
        if len(rows) == 1:
            return Computation(rows[0][0], rows[0][1], rows[0][2], tuple(rows))
        num = _total([r[1] for r in rows], backend)
        den = _total([r[2] for r in rows], backend)
        return Computation(_ratio(num, den, entry.factor, backend), num, den, tuple(rows))
    for _, values in per_group:
        rows.append((entry.formula.evaluate_in_context(backend, values), None, None))
    if len(rows) == 1:
        return Computation(rows[0][0], None, None, tuple(rows))
    summed: dict[str, Any] = {}
    for name, first in per_group[0][1].items():
        if name in entry.references:
            summed[name] = first
        else:
            summed[name] = _total([values[name] for _, values in per_group], backend)
    return Computation(entry.formula.evaluate_in_context(backend, summed), None, None, tuple(rows))


def _is_percent(entry: CompiledIndicator) -> bool:
    """A same-unit ratio scaled to a percentage (any alias of percent, factor 100)."""
    unit = entry.definition.unit
    return entry.factor == 100 and (
        unit in {"percent", "persen"} or dimensionality(unit) == "dimensionless"
    )


def _carried(
    entry: CompiledIndicator, year: int, history: Mapping[int, Results] | None
) -> tuple[int, Decimal] | None:
    """(year, exact value) of the latest earlier value within ``carry_forward`` years.

    A value that was itself carried forward counts from the year it comes from: one old
    figure is not carried on past its window.
    """
    window = entry.definition.carry_forward
    if not history or not window:
        return None
    for back in range(1, window + 1):
        earlier = history.get(year - back)
        if earlier is not None and entry.id in earlier:
            found = earlier[entry.id]
            source = year - back
            if found.origin == "carried_forward" and found.origin_year is not None:
                source = found.origin_year
            if found.exact is not None and year - source <= window:
                return source, found.exact
    return None


def _python_value(raw: Any) -> Any:
    """One input value given in Python: a number, dot-decimal text, or a list of them."""
    if isinstance(raw, list | tuple):
        return tuple(to_decimal(v) for v in raw)
    return to_decimal(raw)


def _input_problem(
    name: str, over: str | None, unit: str | None, value: Any
) -> tuple[str, str | None] | None:
    """Why a value does not fit its input declaration (shape, counts), and a hint; or None."""
    if over is not None and not isinstance(value, tuple):
        return f"input {name!r} is a series over {over!r}: give a list", None
    if over is None and isinstance(value, tuple):
        return f"input {name!r} is one value, not a list", None
    numbers = value if isinstance(value, tuple) else (value,)
    if unit is None or not is_count(unit):
        return None
    negative = [v for v in numbers if v < 0]
    if negative:
        shown = ", ".join(str(v) for v in negative)
        return f"input {name!r} is a count of {unit} and cannot be negative (got {shown})", None
    fractional = [v for v in numbers if v != v.to_integral_value()]
    if fractional:
        first = fractional[0]
        hint = None
        text = str(first)
        whole, _, decimals = text.partition(".")
        if len(decimals) == 3 and len(whole.lstrip("-")) <= 3:
            hint = f"if the dot separates thousands, write {whole}{decimals}"
        return (
            f"input {name!r} is a count of {unit} and must be a whole number (got {text})",
            hint,
        )
    return None


def _check_year(year: Any, *, optional: bool = False) -> None:
    """A year argument is a whole number (an int, or NumPy's): not a bool, a float or
    text, which would miss every target."""
    if (year is None and optional) or is_whole_number(year):
        return
    raise TypeError(f"year: expected a whole year as an int (2023), not {year!r}")


def _check_history(history: Any) -> None:
    if history is None:
        return
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history: expected a mapping of years to Results, not {type(history).__name__}"
        )
    for year, results in history.items():
        _check_year(year)
        if not isinstance(results, Results):
            raise TypeError(f"history[{year}]: expected Results, not {type(results).__name__}")
        if results.year != year:
            raise ValueError(f"history[{year}] holds the results of {results.year}")


def _python_numbers(value: Any, path: tuple[str, ...] = (), depth: int = 0) -> Any:
    """In Python data, dot-decimal strings are numbers (exact); TOML files must not quote them.

    Its depth is checked on the way, as a TOML file's is when read: this walk and the
    later ones recurse.
    """
    if depth > MAX_DEPTH:
        raise DataError(
            [
                Problem(
                    f"the data is nested more than {MAX_DEPTH} levels deep",
                    key=".".join(path[:3]) + "...",
                )
            ]
        )
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataError(
                    [
                        Problem(
                            f"key {key!r} is not text: indicator ids, groups and inputs are "
                            "named with strings",
                            key=".".join(path) or None,
                        )
                    ]
                )
            converted[key] = _python_numbers(item, (*path, key), depth + 1)
        return converted
    if isinstance(value, list | tuple):
        return [_python_numbers(v, path, depth + 1) for v in value]
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
