"""Build a :class:`Report` from a catalog and its evaluated years (no formatting here)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from .._achievement import Status
from .._catalog import Catalog
from .._data import YearData
from .._model import Indicator, Target
from .._numbers import EXACT, round_down, round_half_up, round_up
from .._results import IndicatorResult, Results, SamplingResult
from ._i18n import check_locale, humanize, text, unit_name
from ._model import AchievementBar, Cell, Column, Report, Row, Style, Table, YearSeries

Progress = Callable[[str], None]

_PERCENT_UNITS = frozenset({"percent", "persen", "%"})
_MONEY_UNITS = frozenset({"IDR", "rupiah", "Rp"})
_STATUS_ORDER = (Status.ABOVE, Status.MET, Status.BELOW, Status.NOT_AVAILABLE)


def style_of(unit: str | None) -> Style:
    """How numbers in ``unit`` are shown: a percentage, rupiah, or a plain number."""
    if unit in _PERCENT_UNITS:
        return "percent"
    if unit in _MONEY_UNITS:
        return "money"
    return "number"


def build_report(
    catalog: Catalog,
    results: Mapping[int, Results],
    year: int,
    *,
    data: YearData | None = None,
    locale: str = "id",
    key_tag: str = "iku",
    budget_tag: str = "anggaran",
    definitions: str | None = None,
    source: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """The tables of a Laporan Kinerja for ``year``.

    Args:
        catalog: The loaded definitions.
        results: Evaluated years (from :meth:`Catalog.evaluate_years`, or one year); the
            years up to ``year`` make the year-over-year table.
        year: The report year; must be in ``results``.
        data: That year's input data, for the input columns of cluster and budget tables.
        locale: ``id`` (default) or ``en``: the words of headings, statuses and notes.
        key_tag: Indicators with this tag are counted above / at / below 100%.
        budget_tag: Indicators with this tag make the budget-realisation tables.
        definitions, source: Where definitions and data came from (for the subtitle).
        progress: Called with a step name before each part is built.
    """
    check_locale(locale)
    if year not in results:
        raise KeyError(f"no results for {year}")
    builder = _Builder(catalog, results, year, data, locale, key_tag=key_tag, budget_tag=budget_tag)
    step = progress or (lambda _name: None)
    tables: list[Table] = []
    step("summary")
    tables.append(builder.summary())
    step("goals")
    tables.extend(builder.goal_tables())
    step("clusters")
    tables.extend(builder.cluster_tables())
    step("sampling")
    sampling = builder.sampling_table()
    if sampling is not None:
        tables.append(sampling)
    step("year over year")
    yoy, series = builder.year_over_year()
    tables.append(yoy)
    step("budget")
    tables.extend(builder.budget_tables())
    step("counts")
    counts_table, counts, bars = builder.counts()
    tables.append(counts_table)
    subtitle = ""
    if definitions is not None and source is not None:
        subtitle = text(locale, "subtitle", definitions=definitions, data=source)
    return Report(
        year=year,
        locale=locale,
        title=text(locale, "report_title", year=year),
        subtitle=subtitle,
        years=builder.years,
        tables=tuple(tables),
        series=series,
        bars=bars,
        counts=counts,
    )


class _Builder:
    def __init__(
        self,
        catalog: Catalog,
        results: Mapping[int, Results],
        year: int,
        data: YearData | None,
        locale: str,
        *,
        key_tag: str,
        budget_tag: str,
    ) -> None:
        self.catalog = catalog
        self.results = results
        self.year = year
        self.current = results[year]
        self.data = data if data is not None and data.year in (None, year) else None
        self.locale = locale
        self.key_tag = key_tag
        self.budget_tag = budget_tag
        self.years = tuple(y for y in sorted(results) if y <= year)
        self.ordered = self._ordered()
        self.number = {r.id: i for i, r in enumerate(self.ordered, start=1)}
        self.with_band = any(r.band is not None for r in self.ordered)

    # ------------------------------------------------------------------ helpers

    def t(self, key: str, **values: object) -> str:
        return text(self.locale, key, **values)

    def definition(self, result: IndicatorResult) -> Indicator:
        found = self.catalog.indicator(result.id, self.year)
        if found is None:  # results come from this catalog; defensive
            raise KeyError(result.id)
        return found

    def _ordered(self) -> list[IndicatorResult]:
        """Results by goal order, then indicator order, then file order."""
        goals = self.catalog.goals(self.year)
        goal_rank = {g.id: i for i, g in enumerate(goals)}
        file_rank = {ident: i for i, ident in enumerate(self.catalog.ids)}
        undefined = sorted(
            {r.goal for r in self.current if r.goal is not None and r.goal not in goal_rank}
        )
        for extra in undefined:
            goal_rank[extra] = len(goal_rank)

        def key(result: IndicatorResult) -> tuple[int, int, int, int]:
            order = self.definition(result).order
            goal = goal_rank[result.goal] if result.goal is not None else len(goal_rank)
            return (goal, order is None, order or 0, file_rank.get(result.id, 0))

        return sorted(self.current, key=lambda r: key(r))  # noqa: PLW0108

    def goal_name(self, goal_id: str | None) -> str:
        if goal_id is None:
            return ""
        goal = self.catalog.goal(goal_id, self.year)
        return goal.name if goal is not None else goal_id

    def value_cell(self, result: IndicatorResult) -> Cell:
        if result.value is None:
            return Cell.na()
        return Cell.number(result.value, style_of(result.unit), result.decimals)

    @staticmethod
    def achievement_cell(result: IndicatorResult) -> Cell:
        if result.achievement is not None:
            return Cell.number(result.achievement, "percent", 2)
        return Cell.empty() if result.target is None else Cell.na()

    def unit_cell(self, result: IndicatorResult) -> Cell:
        return Cell.text(unit_name(self.locale, result.unit))

    def indicator_columns(self, *, goal: bool) -> list[Column]:
        columns = [Column("no", self.t("no"), numeric=True)]
        if goal:
            columns.append(Column("goal", self.t("goal")))
        columns += [
            Column("indicator", self.t("indicator")),
            Column("unit", self.t("unit")),
            Column("target", self.t("target"), numeric=True),
            Column("value", self.t("value"), numeric=True),
            Column("achievement", self.t("achievement"), numeric=True),
            Column("status", self.t("status")),
        ]
        if self.with_band:
            columns.append(Column("band", self.t("band")))
        return columns

    def indicator_row(self, result: IndicatorResult, *, goal: bool) -> Row:
        cells = [Cell.number(Decimal(self.number[result.id]))]
        if goal:
            cells.append(Cell.text(self.goal_name(result.goal)))
        cells += [
            Cell.text(result.name),
            self.unit_cell(result),
            Cell.target(result.target, style_of(result.unit)),
            self.value_cell(result),
            self.achievement_cell(result),
            Cell.status(result.status),
        ]
        if self.with_band:
            band = result.band
            cells.append(Cell.text(f"{band.label} ({band.name})") if band else Cell.empty())
        return Row(tuple(cells), indicator=result.id, status=result.status)

    def row_notes(self, results: Iterable[IndicatorResult]) -> list[str]:
        notes: list[str] = []
        for result in results:
            no = self.number[result.id]
            if result.origin == "carried_forward":
                notes.append(
                    self.t("note_carried", no=no, year=result.year, origin=result.origin_year)
                )
            elif result.origin == "reported":
                notes.append(self.t("note_reported", no=no))
            if result.value is None:
                reasons = [n.text for n in result.notes if n.text.startswith("no value: ")]
                reason = reasons[0].removeprefix("no value: ") if reasons else "n/a"
                notes.append(self.t("note_na", no=no, reason=reason))
            notes.extend(
                self.t("note_warning", no=no, text=n.text)
                for n in result.notes
                if n.level == "warning"
            )
        return notes

    def mean_row(self, results: Sequence[IndicatorResult], columns: Sequence[Column]) -> Row | None:
        """A row with the arithmetic mean of the published capaian, under ``achievement``."""
        achieved = [r.achievement for r in results if r.achievement is not None]
        if not achieved:
            return None
        mean = round_half_up(EXACT.divide(sum(achieved, Decimal(0)), Decimal(len(achieved))), 2)
        label = self.t("mean_achievement", n=len(achieved))
        keys = [c.key for c in columns]
        cells = [Cell.empty() for _ in columns]
        cells[keys.index("indicator" if "indicator" in keys else "status")] = Cell.text(label)
        cells[keys.index("achievement" if "achievement" in keys else "count")] = Cell.number(
            mean, "percent", 2
        )
        return Row(tuple(cells), kind="total")

    # ------------------------------------------------------------------ tables

    def summary(self) -> Table:
        rows = tuple(self.indicator_row(r, goal=True) for r in self.ordered)
        return Table(
            key="summary",
            kind="summary",
            title=self.t("summary_title", year=self.year),
            short=self.t("summary_short"),
            columns=tuple(self.indicator_columns(goal=True)),
            rows=rows,
            notes=tuple(self.row_notes(self.ordered)),
        )

    def goal_tables(self) -> list[Table]:
        goal_ids = [g.id for g in self.catalog.goals(self.year)]
        goal_ids += [
            g for g in dict.fromkeys(r.goal for r in self.ordered if r.goal) if g not in goal_ids
        ]
        tables: list[Table] = []
        for position, goal_id in enumerate(goal_ids, start=1):
            goal = self.catalog.goal(goal_id, self.year)
            members = [r for r in self.ordered if r.goal == goal_id]
            order = goal.order if goal is not None and goal.order is not None else position
            name = goal.name if goal is not None else goal_id
            group = goal.group if goal is not None else None
            if group:
                words = {"utama": "group_utama", "pendukung": "group_pendukung"}
                shown = self.t(words[group]) if group in words else group
                title = self.t("goal_title_group", order=order, group=shown, name=name)
            else:
                title = self.t("goal_title", order=order, name=name)
            notes = self.row_notes(members)
            if not members:
                notes.append(self.t("no_indicators"))
            columns = tuple(self.indicator_columns(goal=False))
            rows = [self.indicator_row(r, goal=False) for r in members]
            mean = self.mean_row(members, columns)
            if mean is not None:
                rows.append(mean)
            tables.append(
                Table(
                    key=f"goal:{goal_id}",
                    kind="goal",
                    title=title,
                    short=self.t("goal_short", order=order),
                    columns=columns,
                    rows=tuple(rows),
                    notes=tuple(notes),
                )
            )
        return tables

    def cluster_tables(self) -> list[Table]:
        tables: list[Table] = []
        for result in self.ordered:
            definition = self.definition(result)
            if not result.groups or self.budget_tag in definition.tags:
                continue
            table = self.group_table(
                [result],
                key=f"clusters:{result.id}",
                kind="clusters",
                title=self.t(
                    "cluster_title",
                    name=result.name,
                    dimension=humanize(_dimension(definition)),
                ),
                short=self.t("cluster_short", n=len(tables) + 1),
            )
            tables.append(table)
        return tables

    def group_table(
        self, members: Sequence[IndicatorResult], *, key: str, kind: str, title: str, short: str
    ) -> Table:
        """Rows per group (and a total) of indicators sharing groups and inputs."""
        first = members[0]
        definition = self.definition(first)
        groups = _group_order(definition, first)
        labels = dict(definition.disaggregation.groups or {}) if definition.disaggregation else {}
        inputs = self.shown_inputs(first, definition)
        columns = [Column("group", humanize(_dimension(definition)))]
        columns += [
            Column(f"input:{name}", definition.inputs[name].label or name, numeric=True)
            for name in inputs
        ]
        many = len(members) > 1
        columns += [
            Column(
                f"value:{m.id}" if many else "value",
                m.name if many else self.t("value"),
                numeric=True,
            )
            for m in members
        ]
        raw = self.data.values.get(first.id, {}) if self.data is not None else {}
        rows: list[Row] = []
        notes: list[str] = []
        totals: dict[str, list[Decimal]] = {name: [] for name in inputs}
        for group in groups:
            found = first.groups.get(group)
            label = (found.label if found else None) or labels.get(group) or group
            cells = [Cell.text(label)]
            values = raw.get(group, {})
            for name in inputs:
                value = values.get(name)
                if isinstance(value, Decimal):
                    totals[name].append(value)
                    cells.append(_input_cell(definition, name, value))
                else:
                    cells.append(Cell.na())
            for member in members:
                result = member.groups.get(group)
                if result is None or result.value is None:
                    cells.append(Cell.na())
                else:
                    cells.append(Cell.number(result.value, style_of(member.unit), member.decimals))
            if found is None:
                notes.append(self.t("note_absent_group", group=label))
            rows.append(Row(tuple(cells), indicator=first.id))
        total = [Cell.text(self.t("total"))]
        for name in inputs:
            parts = totals[name]
            if parts:
                places = max(_places(v) for v in parts)
                total.append(_input_cell(definition, name, sum(parts, Decimal(0)), places))
            else:
                total.append(Cell.na())
        total += [self.value_cell(m) for m in members]
        rows.append(Row(tuple(total), kind="total", indicator=first.id))
        return Table(
            key=key,
            kind=kind,
            title=title,
            short=short,
            columns=tuple(columns),
            rows=tuple(rows),
            notes=tuple(notes),
        )

    def shown_inputs(self, result: IndicatorResult, definition: Indicator) -> list[str]:
        """Measured one-value inputs the year's data gives for any group of ``result``."""
        if self.data is None:
            return []
        raw = self.data.values.get(result.id, {})
        present = {name for values in raw.values() for name in values}
        return [
            name
            for name, spec in definition.inputs.items()
            if spec.indicator is None and spec.over is None and name in present
        ]

    def sampling_table(self) -> Table | None:
        sampled = [r for r in self.ordered if r.sampling is not None]
        if not sampled:
            return None
        columns = (
            Column("no", self.t("no"), numeric=True),
            Column("indicator", self.t("indicator")),
            Column("group", self.t("group")),
            Column("sample", self.t("sample"), numeric=True),
            Column("population", self.t("population"), numeric=True),
            Column("fraction", self.t("fraction"), numeric=True),
            Column("value", self.t("value"), numeric=True),
            Column("ci_low", self.t("ci_low"), numeric=True),
            Column("ci_high", self.t("ci_high"), numeric=True),
        )
        rows: list[Row] = []
        notes = [self.t("note_ci")]
        for result in sampled:
            style = style_of(result.unit)
            definition = self.definition(result)
            labels = (
                dict(definition.disaggregation.groups or {}) if definition.disaggregation else {}
            )
            entries: list[tuple[str, Decimal | None, SamplingResult, bool]] = [
                (g.label or labels.get(g.group) or g.group, g.value, g.sampling, False)
                for g in result.groups.values()
                if g.sampling is not None
            ]
            if result.sampling is not None:
                total_label = self.t("total") if entries else ""
                entries.append((total_label, result.value, result.sampling, True))
            for position, (label, value, sampling, is_total) in enumerate(entries):
                ci = sampling.ci95
                fraction = sampling.fraction
                rows.append(
                    Row(
                        (
                            # The indicator is named on its first row only.
                            Cell.number(Decimal(self.number[result.id]))
                            if position == 0
                            else Cell.empty(),
                            Cell.text(result.name) if position == 0 else Cell.empty(),
                            Cell.text(label) if label else Cell.empty(),
                            Cell.number(sampling.sample, "number", _places(sampling.sample)),
                            Cell.number(
                                sampling.population, "number", _places(sampling.population)
                            ),
                            Cell.na()
                            if fraction is None
                            else Cell.number(round_half_up(fraction.scaleb(2), 2), "percent", 2),
                            Cell.na()
                            if value is None
                            else Cell.number(value, style, result.decimals),
                            Cell.na()
                            if ci is None
                            else Cell.number(
                                round_down(ci[0], result.decimals), style, result.decimals
                            ),
                            Cell.na()
                            if ci is None
                            else Cell.number(
                                round_up(ci[1], result.decimals), style, result.decimals
                            ),
                        ),
                        kind="total" if is_total and len(entries) > 1 else "data",
                        indicator=result.id,
                    )
                )
                if sampling.note:
                    notes.append(self.t("note_sampling", name=result.name, note=sampling.note))
            spec = definition.sampling
            if spec is not None and spec.note:
                notes.append(self.t("note_sampling", name=result.name, note=spec.note))
        return Table(
            key="sampling",
            kind="sampling",
            title=self.t("sampling_title"),
            short=self.t("sampling_short"),
            columns=columns,
            rows=tuple(rows),
            notes=tuple(dict.fromkeys(notes)),
        )

    def year_over_year(self) -> tuple[Table, tuple[YearSeries, ...]]:
        with_goal = [r for r in self.ordered if r.goal is not None]
        chosen = with_goal or [
            r for r in self.ordered if r.target is not None or self._next_target(r.id) is not None
        ]
        following = self.year + 1
        columns = [
            Column("no", self.t("no"), numeric=True),
            Column("indicator", self.t("indicator")),
            Column("unit", self.t("unit")),
        ]
        columns += [Column(f"year:{y}", str(y), numeric=True) for y in self.years]
        columns += [
            Column(f"target:{following}", self.t("target_next", year=following), numeric=True),
            Column("notes", self.t("notes")),
        ]
        rows: list[Row] = []
        series: list[YearSeries] = []
        for result in chosen:
            style = style_of(result.unit)
            cells = [
                Cell.number(Decimal(self.number[result.id])),
                Cell.text(result.name),
                self.unit_cell(result),
            ]
            values: list[Decimal | None] = []
            targets: list[Target | None] = []
            notes: list[str] = []
            for y in self.years:
                year_results = self.results[y]
                if result.id not in year_results:  # no definition in force that year
                    cells.append(Cell.text(self.t("not_in_force")))
                    values.append(None)
                    targets.append(None)
                    continue
                found = year_results[result.id]
                values.append(found.value)
                targets.append(found.target)
                cells.append(
                    Cell.na()
                    if found.value is None
                    else Cell.number(found.value, style_of(found.unit), found.decimals)
                )
                if found.origin == "carried_forward":
                    notes.append(self.t("yoy_carried", year=y, origin=found.origin_year))
            next_target = self._next_target(result.id)
            targets.append(next_target)
            cells.append(Cell.target(next_target, style))
            changed = self._changes(result.id, [*self.years, following])
            notes = [self.t("yoy_changed", year=y) for y in changed] + notes
            cells.append(Cell.text("; ".join(notes)) if notes else Cell.empty())
            rows.append(Row(tuple(cells), indicator=result.id, status=result.status))
            series.append(
                YearSeries(
                    indicator=result.id,
                    name=result.name,
                    style=style,
                    decimals=result.decimals,
                    years=(*self.years, following),
                    values=(*values, None),
                    targets=tuple(targets),
                    changed=tuple(changed),
                )
            )
        table = Table(
            key="yoy",
            kind="yoy",
            title=self.t("yoy_title"),
            short=self.t("yoy_short"),
            columns=tuple(columns),
            rows=tuple(rows),
        )
        return table, tuple(series)

    def _next_target(self, indicator_id: str) -> Target | None:
        following = self.year + 1
        definition = self.catalog.indicator(indicator_id, following)
        if definition is None:
            definition = self.catalog.indicator(indicator_id, self.year)
        return None if definition is None else definition.targets.get(following)

    def _changes(self, indicator_id: str, years: Sequence[int]) -> list[int]:
        """Years whose definition version is another than the year before's."""
        changed = []
        for before, after in itertools.pairwise(years):
            old = self.catalog.compiled(indicator_id, before)
            new = self.catalog.compiled(indicator_id, after)
            if old is not None and new is not None and old is not new:
                changed.append(after)
        return changed

    def budget_tables(self) -> list[Table]:
        budget = [r for r in self.ordered if self.budget_tag in self.definition(r).tags]
        grouped: dict[tuple[object, ...], list[IndicatorResult]] = {}
        plain: list[IndicatorResult] = []
        for result in budget:
            if not result.groups:
                plain.append(result)
                continue
            definition = self.definition(result)
            inputs = self.shown_inputs(result, definition)
            raw = self.data.values.get(result.id, {}) if self.data is not None else {}
            signature = (
                _dimension(definition),
                tuple(_group_order(definition, result)),
                tuple(inputs),
                tuple(
                    (g, tuple((n, raw.get(g, {}).get(n)) for n in inputs))
                    for g in _group_order(definition, result)
                ),
            )
            # Indicators over the same groups and the same input data share one table
            # (percentage realised and amount left, as a Laporan Kinerja prints them).
            grouped.setdefault(signature, []).append(result)
        tables: list[Table] = []
        for members in grouped.values():
            definition = self.definition(members[0])
            tables.append(
                self.group_table(
                    members,
                    key=f"budget:{members[0].id}",
                    kind="budget",
                    title=self.t("budget_title", dimension=humanize(_dimension(definition))),
                    short=self.t("budget_short", n=len(tables) + 1),
                )
            )
        if plain:
            tables.append(
                Table(
                    key="budget:other",
                    kind="budget",
                    title=self.t("budget_other_title"),
                    short=self.t("budget_short", n=len(tables) + 1),
                    columns=tuple(self.indicator_columns(goal=False)),
                    rows=tuple(self.indicator_row(r, goal=False) for r in plain),
                    notes=tuple(self.row_notes(plain)),
                )
            )
        return tables

    def counts(self) -> tuple[Table, dict[str, int], tuple[AchievementBar, ...]]:
        key = [r for r in self.ordered if self.key_tag in self.definition(r).tags]
        title = self.t("counts_title")
        if not key:
            key = [r for r in self.ordered if r.target is not None]
            title = self.t("counts_title_all")
        counts = {s.value: sum(1 for r in key if r.status is s) for s in _STATUS_ORDER}
        counts["total"] = len(key)
        words = {
            Status.ABOVE: "count_above",
            Status.MET: "count_met",
            Status.BELOW: "count_below",
            Status.NOT_AVAILABLE: "count_na",
        }
        rows = []
        for status in _STATUS_ORDER:
            members = [str(self.number[r.id]) for r in key if r.status is status]
            rows.append(
                Row(
                    (
                        Cell.text(self.t(words[status])),
                        Cell.number(Decimal(counts[status.value])),
                        Cell.text(", ".join(members)) if members else Cell.empty(),
                    ),
                    status=status,
                )
            )
        rows.append(
            Row(
                (
                    Cell.text(self.t("count_total")),
                    Cell.number(Decimal(len(key))),
                    Cell.empty(),
                ),
                kind="total",
            )
        )
        columns = (
            Column("status", self.t("status")),
            Column("count", self.t("count"), numeric=True),
            Column("no", self.t("no")),
        )
        mean = self.mean_row(key, columns)
        if mean is not None:
            rows.append(mean)
        bars = tuple(AchievementBar(r.id, r.name, r.achievement, r.status) for r in key)
        table = Table(
            key="counts",
            kind="counts",
            title=title,
            short=self.t("counts_short"),
            columns=columns,
            rows=tuple(rows),
        )
        return table, counts, bars


def _dimension(definition: Indicator) -> str:
    return definition.disaggregation.dimension if definition.disaggregation else "group"


def _group_order(definition: Indicator, result: IndicatorResult) -> list[str]:
    """Declared groups in declared order, then any others the data gave, in data order."""
    declared = list(definition.disaggregation.groups or {}) if definition.disaggregation else []
    return declared + [g for g in result.groups if g not in declared]


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _input_cell(
    definition: Indicator, name: str, value: Decimal, places: int | None = None
) -> Cell:
    spec = definition.inputs[name]
    return Cell.number(value, style_of(spec.unit), _places(value) if places is None else places)
