"""Exact settlement: the rows float64 could get wrong, recomputed on the Decimal path.

The query flags an (output row, indicator) when a float64 value is within the tolerance of
a rounding tie, a comparison boundary or a zero denominator (see
:mod:`kinerja.frames._compile`). For those, this module reads the row's own input rows
back from the caller's frame, sums them exactly (whole numbers as integers, other values
as the Decimal of their shortest ``repr``, as :func:`kinerja._numbers.to_decimal` reads a
float) and evaluates the indicator with the catalog's own exact code, in reference order
so that a composite sees the settled value of what it references.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import narwhals as nw
import polars as pl

from .._backends import NotAvailable
from .._catalog import Catalog
from .._numbers import to_decimal
from .._results import IndicatorResult
from .._units import is_count
from ._local import collect_small
from ._plan import Plan, Version

Key = tuple[Any, ...]


def _exact(value: Any) -> Decimal:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return Decimal(int(value))
    return to_decimal(value)


def _label_key(label: Any) -> tuple[str, Any]:
    return (type(label).__name__, label)


def counts_only(plan: Plan, ident: str) -> bool:
    """Every measured input of ``ident`` is a count (its sums are checked whole numbers)."""
    units = [
        spec.unit
        for version in plan.versions
        if version.id == ident
        for spec in version.entry.definition.inputs.values()
        if spec.indicator is None
    ]
    return bool(units) and all(u is not None and is_count(u) for u in units)


def fetch_rows(
    plan: Plan,
    raw: Any,
    flagged: Sequence[tuple[Key, str]],
    *,
    wide_columns: Mapping[str, tuple[str, str]] | None,
    summed: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The input rows of the flagged (output row, indicator) pairs, as polars.

    Counts come from ``summed`` (stage 1's output, when it was collected): their sums
    are whole numbers, which float64 holds exactly, and the data check has refused any
    that is not. Every other input is read back from the caller's frame, row by row.
    """
    s = plan.schema
    keys = plan.keys
    ids = sorted({ident for _, ident in flagged})
    measured = {ident for ident in ids if any(v.pairs for v in plan.versions if v.id == ident)}
    exact = {i for i in measured if summed is not None and counts_only(plan, i)}
    from_raw = sorted(measured - exact)
    condition: Any = nw.lit(True)
    for position, column in enumerate(keys):
        wanted = {key[position] for key, _ in flagged}
        values = sorted((v for v in wanted if v is not None), key=_label_key)
        test = nw.col(column).is_in(values) if values else nw.lit(False)
        if None in wanted:
            test = test | nw.col(column).is_null()
        condition = condition & test
    group = [s.group] if plan.has_group and s.group not in keys else []
    dims = [c for c in plan.dim_columns if c not in keys]
    columns = [*keys, *group, *dims, s.indicator, s.input, s.value]
    # Every part stays lazy, and the whole is collected once: on a few hundred rows each
    # eager step would cost a query's set-up.
    parts: list[pl.LazyFrame] = []
    if exact and summed is not None:
        # Stage 1's output is a Polars frame already: a semi-join on the flagged keys
        # picks their rows in one pass.
        flagged_keys = pl.DataFrame(
            sorted({key for key, _ in flagged}, key=lambda k: [_label_key(v) for v in k]),
            schema={k: summed.schema[k] for k in keys},
            orient="row",
        )
        parts.append(
            summed.lazy()
            .filter(pl.col(s.indicator).is_in(sorted(exact)) & (pl.col("__kj_n") > 0))
            .join(flagged_keys.lazy(), on=list(keys), how="semi", nulls_equal=True)
            .with_columns(pl.col("__kj_s").cast(pl.Float64).alias(s.value))
            .select(*columns)
        )
    if from_raw and wide_columns is None:
        condition = condition & nw.col(s.indicator).is_in(from_raw)
        fetched = raw.filter(condition).select(*columns).collect(backend="polars").to_native()
        parts.append(fetched.lazy().with_columns(pl.col(s.value).cast(pl.Float64)))
    elif from_raw and wide_columns is not None:
        mapped = {c: pair for c, pair in wide_columns.items() if pair[0] in from_raw}
        wide = (
            raw.filter(condition)
            .select(*keys, *group, *dims, *mapped)
            .collect(backend="polars")
            .to_native()
            .lazy()
        )
        parts.extend(
            wide.select(
                *[*keys, *group, *dims],
                pl.lit(ident).alias(s.indicator),
                pl.lit(name).alias(s.input),
                pl.col(column).cast(pl.Float64).alias(s.value),
            )
            for column, (ident, name) in mapped.items()
        )
    if not parts:  # only composites of references are flagged: no input rows to read
        return pl.DataFrame({c: [] for c in settler_columns(plan)})
    found = pl.concat(parts, how="vertical_relaxed")
    # As stage 1 reads it (see evaluate_frame): group codes given as numbers become text.
    group_column = pl.col(s.group).cast(pl.String) if group else pl.lit(None, dtype=pl.String)
    return collect_small(
        found.filter(pl.col(s.value).is_not_null()).select(
            group_column.alias(c) if c == "__kj_group" else pl.col(c) for c in settler_columns(plan)
        )
    )


def settler_columns(plan: Plan) -> list[str]:
    """The columns of :func:`fetch_rows`' frame, in the order the Settler reads them."""
    s = plan.schema
    dims = [c for c in plan.dim_columns if c not in plan.keys]
    return [*plan.keys, *dims, "__kj_group", s.indicator, s.input, s.value]


class Settler:
    """Recomputes flagged rows exactly and hands back scalar-path results."""

    def __init__(self, plan: Plan, catalog: Catalog, rows: pl.DataFrame) -> None:
        self.plan = plan
        self.catalog = catalog
        self.keys = plan.keys
        dims = [c for c in plan.dim_columns if c not in self.keys]
        # (key, indicator) -> group -> input -> {position or None: exact sum}
        sums: dict[tuple[Key, str], dict[Any, dict[str, dict[Any, Decimal]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(dict))
        )
        wanted = settler_columns(plan)
        # Where each (indicator, year, input) finds its series position in a record
        # (None: a single value), worked out once rather than per record.
        where: dict[tuple[str, Any, str], int | None] = {}
        if rows.columns != wanted:  # (a select would cost a query's set-up)
            rows = rows.select(wanted)
        for record in rows.iter_rows():
            group, ident, name, value = record[-4:]
            key = record[: len(self.keys)]
            found = (ident, key[0], name)
            index = (
                where[found]
                if found in where
                else where.setdefault(found, self._position_index(ident, key, name, dims))
            )
            slot = sums[(key, ident)][group][name]
            position = None if index is None else record[index]
            slot[position] = slot.get(position, Decimal(0)) + _exact(value)
        self.sums = sums

    def _position_index(self, ident: str, key: Key, name: str, dims: list[str]) -> int | None:
        # Index in a record of (keys..., dims..., group, indicator, input, value).
        version = self.version(ident, key)
        if version is None:
            return None
        dim = version.dims.get(name)
        if dim is None:
            return None
        column = self.plan.schema.dimension(dim)
        if column in self.keys:
            return self.keys.index(column)
        return len(self.keys) + dims.index(column) if column in dims else None

    def version(self, ident: str, key: Key) -> Version | None:
        return self.plan.version_for(ident, key[0])

    def groups(self, version: Version, key: Key) -> dict[str | None, dict[str, Any]]:
        """The scalar path's input mapping with the frame path's semantics."""
        found = self.sums.get((key, version.id), {})
        definition = version.entry.definition
        measured = [n for n, spec in definition.inputs.items() if spec.indicator is None]
        if not found:
            return {}
        split = version.form == "ratio" and self.plan.grouped
        if split:
            out: dict[str | None, dict[str, Any]] = {}
            labels = sorted(found, key=lambda g: (g is not None, g or ""))
            for group in labels:
                name = "" if group is None and len(found) > 1 else group
                out[name] = self._values(version, measured, [found[group]])
            return out
        # Merged: one mapping summed over the groups; an input that a group with data for
        # this indicator lacks has no value (as a group's missing input has on the exact path).
        per_group = list(found.values())
        values = self._values(version, measured, per_group)
        for name in measured:
            if any(name not in g for g in per_group):
                values[name] = NotAvailable(f"input {name!r} is missing for a group")
        return {None: values}

    def _values(
        self,
        version: Version,
        measured: Iterable[str],
        groups: list[dict[str, dict[Any, Decimal]]],
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        series_labels: dict[str, set[Any]] = defaultdict(set)
        for name in measured:
            dim = version.dims.get(name)
            if dim is None:
                continue
            for group in groups:
                series_labels[dim].update(p for p in group.get(name, {}) if p is not None)
        for name in measured:
            present = [g[name] for g in groups if name in g]
            if not present:
                continue
            dim = version.dims.get(name)
            if dim is None:
                values[name] = sum((sum(p.values(), Decimal(0)) for p in present), Decimal(0))
                continue
            labels = sorted(series_labels[dim], key=_label_key)
            elements: list[Any] = []
            for label in labels:
                parts = [p[label] for p in present if label in p]
                if parts:
                    elements.append(sum(parts, Decimal(0)))
                else:
                    elements.append(NotAvailable(f"input {name!r} has no value at {label!r}"))
            values[name] = tuple(elements)
        return values

    def settle(
        self, flagged: Mapping[Key, Sequence[str]], published: Mapping[tuple[Key, str], Any]
    ) -> dict[tuple[Key, str], IndicatorResult]:
        """Exact results for every flagged (key, indicator), in reference order."""
        done: dict[tuple[Key, str], IndicatorResult] = {}
        for ident in self.plan.ids:
            for key, idents in flagged.items():
                if ident not in idents:
                    continue
                version = self.version(ident, key)
                if version is None:
                    continue
                refs: dict[str, Decimal | NotAvailable] = {}
                for target in version.refs.values():
                    settled = done.get((key, target))
                    if settled is not None:
                        refs[target] = (
                            settled.value
                            if settled.value is not None
                            else NotAvailable(f"indicator {target!r} has no value")
                        )
                    else:
                        refs[target] = published.get(
                            (key, target), NotAvailable(f"indicator {target!r} has no value")
                        )
                groups = self.groups(version, key)
                done[(key, ident)] = self.catalog._evaluate_entry(
                    version.entry, groups, refs, key[0], None
                )
        return done


def published_value(units: float | None, decimals: int) -> Decimal | NotAvailable:
    """The exact published decimal of a value rounded to ``units`` of ``10**-decimals``."""
    if units is None:
        return NotAvailable("no value")
    return Decimal(int(units)).scaleb(-decimals)
