"""evaluate_frame: a whole catalog on a dataframe, in the caller's engine."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import numpy as np
import polars as pl

from .._catalog import Catalog
from .._errors import DataError, Problem, did_you_mean
from .._numbers import is_whole_number
from ._local import cached_plan, collect_all_small, collect_small, compiled
from ._native import adapter, by_name
from ._plan import PROBLEM_FLAGS, PROBLEMS, FrameError, Plan, Version
from ._schema import DEFAULT_SCHEMA, RESULT_COLUMNS, LongSchema
from ._settle import Key, Settler, fetch_rows, published_value


def evaluate_frame(
    catalog: Catalog,
    data: Any,
    *,
    by: Sequence[str] | str = (),
    years: Iterable[int] | int | None = None,
    schema: LongSchema | None = None,
    layout: Literal["long", "wide"] = "long",
    columns: Mapping[str, tuple[str, str] | str] | None = None,
    finish: Literal["local", "engine"] = "local",
) -> Any:
    """Evaluate every indicator of ``catalog`` on a dataframe, per year and ``by`` values.

    Args:
        catalog: Loaded definitions (:func:`kinerja.load`).
        data: A Polars DataFrame or LazyFrame, pandas DataFrame, PyArrow Table, DuckDB
            relation, Dask DataFrame or PySpark DataFrame, in the long format of
            :class:`LongSchema` (or the wide one, see ``layout``).
        by: Org-unit columns that make an output row: ``()`` for one national row per
            year, ``["provinsi"]``, ``["provinsi", "kabkota"]``. Inputs are summed over
            every other column (and a ratio over groups is a ratio of sums).
        years: Only these years, one (``2023``) or several (default: every year in the
            data).
        schema: Column names, when they differ from the defaults.
        layout: ``"long"`` (default), or ``"wide"``: one row per (year, org unit, group)
            with one column per input.
        columns: For ``layout="wide"``: column -> ``(indicator id, input)`` or
            ``"indicator id/input"``. By default a column named like an input that
            exactly one indicator of the catalog declares is that input.
        finish: Where stages 2-5 run: the formulas, on stage 1's output. Stage 1, the
            aggregation that reads every input row, always runs in the caller's engine.
            ``"local"`` (default): stage 1's output (one row per year, ``by`` values,
            group, series position and input; as large as the result, not the input) is
            collected and the rest runs on Polars, with a query compiled once per catalog
            and options. ``"engine"``: the rest runs in the caller's engine too, as the
            same narwhals expressions; choose it when stage 1's output is too large for
            one machine (a Spark or Dask cluster with millions of output rows). On small
            aggregates it is slower: each of the query's many small steps is planned (or,
            in pandas and PyArrow, executed) one by one, and is a job on Spark.

    Returns:
        A frame of the caller's type with one row per (year, by values, indicator in
        force): ``year``, the ``by`` columns, then ``indicator``, ``value`` (rounded
        half up to the indicator's decimals), ``target``, ``target_min``,
        ``target_max``, ``achievement`` (rounded to 2 decimals), ``status``
        (``above``/``met``/``below``/``n/a``), ``band``, ``band_name`` and ``settled``
        (true where the row was recomputed exactly). Numbers are float64: each is the
        float nearest the exact decimal the scalar path (:meth:`Catalog.evaluate`)
        gives for the same inputs.

    Raises:
        DataError: the data does not fit the definitions (missing columns, a ``value`` or
            ``year`` column of the wrong type, inputs an indicator does not declare,
            undeclared groups, groups on an indicator without ``[disaggregation]``,
            negative or fractional counts, NaN or infinite values, series rows without a
            position); every problem is listed.
        TypeError: ``years`` holds something other than ints.
        ValueError: an unknown ``layout`` or ``finish``, or ``columns`` without
            ``layout="wide"``.
    """
    chosen = schema or DEFAULT_SCHEMA
    by_columns = [by] if isinstance(by, str) else list(by)
    if layout not in ("long", "wide"):
        raise ValueError(f"layout must be 'long' or 'wide', not {layout!r}")
    if columns is not None and layout != "wide":
        raise ValueError("columns= names the inputs of wide data: pass layout='wide' with it")
    year_list = _year_list(years)
    native = data
    frame = nw.from_native(native)
    lazy = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    types = dict(lazy.collect_schema())
    present = list(types)
    wide = (
        _wide_mapping(catalog, present, chosen, by_columns, columns) if layout == "wide" else None
    )
    _check_columns(present, chosen, by_columns, wide is None)
    _check_types(types, chosen, [chosen.value] if wide is None else list(wide))
    if types[chosen.year] == nw.Categorical:
        # How pandas and PyArrow read a year=2023/ folder name.
        lazy = lazy.with_columns(nw.col(chosen.year).cast(nw.Int64))

    def make_plan() -> Plan:
        return Plan(
            catalog,
            by=by_columns,
            schema=chosen,
            has_group=chosen.group in present,
            years=year_list,
        )

    key = (
        tuple(by_columns),
        (chosen.year, chosen.group, chosen.indicator, chosen.input, chosen.value),
        tuple(sorted(chosen.series.items())),
        chosen.group in present,
        None if year_list is None else tuple(year_list),
    )
    plan = cached_plan(catalog, key, make_plan)
    for column in plan.dim_columns:
        if column not in present:
            # Float64: pandas has no null integers in its default types.
            lazy = lazy.with_columns(nw.lit(None, dtype=nw.Float64).alias(column))
    summed = plan.aggregate_long(lazy) if wide is None else _wide_to_summed(plan, lazy, wide)
    if plan.has_group and not isinstance(types[chosen.group], _LABEL_TYPES):
        # Group codes as numbers (1, 2 or a column of nulls read as floats): the
        # definitions name groups with strings.
        summed = summed.with_columns(nw.col(chosen.group).cast(nw.String))
    collected = None
    if finish == "local":
        try:
            collected = summed.collect(backend="polars").to_native()
        except nw.exceptions.ComputeError as exc:
            # Stage 1 is where the engine first reads every row (a lazy file reader fails
            # here on a cell it cannot parse, such as NA in a CSV number column).
            raise DataError(
                [
                    Problem(
                        "the engine could not read the data: " + str(exc).strip().splitlines()[0],
                        suggestion="a word for no value such as NA needs "
                        "read_long(path, null_values=['NA']), or leave such cells empty",
                    )
                ]
            ) from None
        summed = nw.from_native(collected.lazy())
        query = compiled(catalog, key, lambda: plan, collected.schema)
        plan = query.plan
        result = query.run(collected)
    elif finish == "engine":
        result = plan.query(summed).collect(backend="polars").to_native()
    else:
        raise ValueError(f"finish must be 'local' or 'engine', not {finish!r}")
    _raise_problems(plan, result, summed)
    long = _settle_and_shape(plan, catalog, result, lazy, wide, collected)
    return adapter(frame.implementation).result(long, native)


def read_long(
    source: str | Path,
    *,
    backend: str = "polars",
    **options: Any,
) -> Any:
    """Read long-format data from a Parquet file (or folder of them) or a CSV file.

    Args:
        source: ``*.parquet`` / ``*.pq``, a folder of Parquet files, or ``*.csv``.
        backend: The engine to read into: ``polars`` (a LazyFrame), ``pandas``,
            ``pyarrow``, ``duckdb``, ``dask`` or ``pyspark``.
        options: Passed to the engine's reader (for example ``session=`` for PySpark or
            ``connection=`` for DuckDB).

    Returns:
        The engine's own frame, ready for :func:`evaluate_frame`.
    """
    path = Path(source)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".parquet", ".pq"):
        kind = "parquet"
    elif suffix in (".csv", ".txt"):
        kind = "csv"
    else:
        raise FrameError(f"{path}: expected a .parquet or .csv file, or a folder of Parquet files")
    if not path.exists():
        raise FrameError(f"{path}: no such file or folder")
    return by_name(backend).read(path, kind, **options)


# ---------------------------------------------------------------- checks


def _year_list(years: Iterable[int] | int | None) -> list[int] | None:
    if years is None:
        return None

    chosen: list[Any] = [years] if is_whole_number(years) else list(years)  # type: ignore[arg-type]
    for year in chosen:
        if not is_whole_number(year):
            raise TypeError(f"years: expected whole years (int), got {year!r}")
    return sorted({int(year) for year in chosen})


def _check_columns(
    present: Sequence[str], schema: LongSchema, by: Sequence[str], long: bool
) -> None:
    required = [schema.year, *by]
    if long:
        required += [schema.indicator, schema.input, schema.value]
    missing = [c for c in dict.fromkeys(required) if c not in present]
    problems = [
        Problem(
            f"the data has no column {name!r}",
            suggestion=did_you_mean(name, present) or f"its columns are: {', '.join(present)}",
        )
        for name in missing
    ]
    problems.extend(
        Problem(
            f"by= names {name!r}, which is a column of the result",
            suggestion=f"rename the column {name!r} in the data",
        )
        for name in dict.fromkeys(by)
        if name in RESULT_COLUMNS or name == schema.year
    )
    if problems:
        raise DataError(problems)


# Columns kinerja compares with the definitions' group names as they are.
_LABEL_TYPES = (nw.String, nw.Categorical, nw.Enum)


def _check_types(types: Mapping[str, Any], schema: LongSchema, numbers: Sequence[str]) -> None:
    """Refuse columns that cannot hold what they must: engines fail on them far later,
    each in its own words, or (pandas) add text up by joining it."""
    problems: list[Problem] = []
    year = types[schema.year]
    if not (year.is_integer() or year == nw.Categorical):
        problems.append(
            Problem(
                f"column {schema.year!r} holds {year}, not whole numbers",
                suggestion="cast it to an integer type",
            )
        )
    for name in numbers:
        found = types[name]
        # Object: pandas' type of a column of Decimals (a column of text is String).
        if not (found.is_numeric() or found == nw.Object):
            problems.append(
                Problem(
                    f"column {name!r} holds {found}, not numbers",
                    suggestion=(
                        "cast it to a number type; in a CSV file, a word for no value such "
                        "as NA makes the column text: pass null_values=['NA'] to read_long, "
                        "or leave such cells empty"
                    ),
                )
            )
    if problems:
        raise DataError(problems)


def _wide_mapping(
    catalog: Catalog,
    present: Sequence[str],
    schema: LongSchema,
    by: Sequence[str],
    columns: Mapping[str, tuple[str, str] | str] | None,
) -> dict[str, tuple[str, str]]:
    if columns is not None:
        mapping: dict[str, tuple[str, str]] = {}
        problems: list[Problem] = []
        for column, target in columns.items():
            if isinstance(target, str):
                ident, _, name = target.rpartition("/")
            else:
                ident, name = target[0], target[1]
            if column not in present:
                problems.append(
                    Problem(
                        f"columns= names {column!r}, which the data does not have",
                        key=column,
                        suggestion=did_you_mean(column, present)
                        or f"its columns are: {', '.join(present)}",
                    )
                )
            if ident not in catalog.ids:
                problems.append(
                    Problem(
                        f"columns= maps {column!r} to {ident!r}/{name!r}, and the catalog "
                        f"defines no indicator {ident!r}",
                        indicator=ident or None,
                        key=column,
                        suggestion=did_you_mean(ident, list(catalog.ids))
                        or "write the target as 'indicator.id/input'",
                    )
                )
            mapping[column] = (ident, name)
        if problems:
            raise DataError(problems)
        return mapping
    owners: dict[str, list[str]] = defaultdict(list)
    for ident in catalog.ids:
        names: set[str] = set()
        for definition in catalog.versions(ident):
            names.update(n for n, spec in definition.inputs.items() if spec.indicator is None)
        for name in names:
            owners[name].append(ident)
    reserved = {schema.year, schema.group, *by}
    mapping = {}
    for column in present:
        if column in reserved:
            continue
        found = owners.get(column, [])
        if len(found) == 1:
            mapping[column] = (found[0], column)
    if not mapping:
        raise DataError(
            [
                Problem(
                    "no column of the wide data is named like an input of the catalog",
                    suggestion="pass columns={'column': 'indicator.id/input', ...}",
                )
            ]
        )
    return mapping


def _wide_to_summed(plan: Plan, lazy: Any, mapping: Mapping[str, tuple[str, str]]) -> Any:
    """Wide rows summed per (key, group, positions), then stacked as stage 1's output."""
    s = plan.schema
    if plan.years is not None:
        lazy = lazy.filter(nw.col(s.year).is_in(plan.years))
    group = [s.group] if plan.has_group and s.group not in plan.keys else []
    keys = [*plan.keys, *group, *plan.dim_columns]
    aggregated = lazy.group_by(keys).agg(
        *(nw.col(c).sum().alias(f"__kjw_s{i}") for i, c in enumerate(mapping)),
        *(nw.col(c).count().alias(f"__kjw_n{i}") for i, c in enumerate(mapping)),
    )
    parts = [
        aggregated.select(
            *keys,
            nw.lit(ident).alias(s.indicator),
            nw.lit(name).alias(s.input),
            nw.col(f"__kjw_s{i}").cast(nw.Float64).alias("__kj_s"),
            nw.col(f"__kjw_n{i}").cast(nw.Int64).alias("__kj_n"),
        )
        for i, (ident, name) in enumerate(mapping.values())
    ]
    return nw.concat(parts, how="vertical")


def _raise_problems(plan: Plan, result: pl.DataFrame, summed: Any) -> None:
    flags = PROBLEM_FLAGS
    # An eager sum of a few hundred rows: a lazy query's set-up would cost more.
    if not result.get_column(PROBLEMS).sum():
        return
    s = plan.schema
    group = [s.group] if plan.has_group and s.group not in plan.keys else []
    if plan.has_group and s.group in plan.keys:
        group = [s.group]
    details = (
        plan.keyed(summed)
        .with_columns(**plan.problem_flags())
        .filter(nw.any_horizontal(*(nw.col(f) > 0 for f in flags), ignore_nulls=True))
        .select(s.indicator, s.input, *group, *flags)
        .unique()
        .collect(backend="polars")
        .to_native()
        .sort(pl.all())
    )
    problems: list[Problem] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for row in details.iter_rows(named=True):
        ident, name = row[s.indicator], row[s.input]
        grp = row.get(s.group) if group else None
        messages: list[tuple[str, str | None]] = []
        if row["__kj_bad_input"]:
            messages.append(_input_message(plan, ident, name))
        if row["__kj_bad_group"]:
            messages.append(_group_message(plan, ident, grp))
        if row["__kj_bad_count"]:
            messages.append(
                (
                    f"input {name!r} is a count and must sum to a whole number of at least 0",
                    "check for negative or fractional values",
                )
            )
        if row["__kj_bad_number"]:
            messages.append(
                (
                    f"input {name!r} has a value that is not a finite number (NaN or infinity)",
                    "leave the value empty (null) where there is no number",
                )
            )
        if row["__kj_bad_position"]:
            messages.append(
                (
                    f"input {name!r} is a series; its rows need a position in the "
                    f"{_dimension_of(plan, ident, name)!r} column",
                    None,
                )
            )
        for message, hint in messages:
            if (ident, name, message) in seen:
                continue
            seen.add((ident, name, message))
            problems.append(Problem(message, indicator=ident, key=name, suggestion=hint))
    raise DataError(problems or [Problem("the data does not fit the definitions")])


def _input_message(plan: Plan, ident: str, name: str) -> tuple[str, str | None]:
    declared: dict[str, Any] = {}
    for version in plan.versions:
        if version.id == ident:
            declared.update(version.entry.definition.inputs)
    spec = declared.get(name)
    if spec is not None and spec.indicator is not None:
        return (
            f"input {name!r} is the value of indicator {spec.indicator!r}; it is not given in data",
            "remove those rows: kinerja computes it",
        )
    return (
        f"{ident!r} has no input {name!r}",
        did_you_mean(name, list(declared)) or "declared inputs: " + ", ".join(declared),
    )


def _group_message(plan: Plan, ident: str, group: Any) -> tuple[str, str | None]:
    allowed: list[str] = []
    for version in plan.versions:
        disaggregation = version.entry.definition.disaggregation
        if version.id == ident and disaggregation is not None and disaggregation.groups:
            allowed.extend(g for g in disaggregation.groups if g not in allowed)
    if not allowed:
        return (
            f"{ident!r} has no [disaggregation], so its values cannot be split into groups "
            f"(a row has group {group!r})",
            "leave the group column empty on its rows",
        )
    if group is None:
        return (f"{ident!r} declares groups, but some rows have none", ", ".join(allowed))
    return (
        f"unknown group {group!r}",
        did_you_mean(str(group), allowed) or "known groups: " + ", ".join(allowed),
    )


def _dimension_of(plan: Plan, ident: str, name: str) -> str:
    for version in plan.versions:
        if version.id == ident and version.dims.get(name):
            return plan.schema.dimension(version.dims[name] or "")
    return "?"


# ---------------------------------------------------------------- settlement and shape


@dataclass(frozen=True)
class _Shape:
    """The Polars expressions that turn one plan's wide result into the long one."""

    parts: tuple[tuple[pl.Expr, tuple[pl.Expr, ...]], ...]  # (years in force, columns)
    risky: pl.Expr  # rows with a value too close to a rounding tie or a decision
    flagged: tuple[pl.Expr, ...]  # what settlement reads of those rows
    band_name: pl.Expr
    order: pl.Expr


# Building these costs more than Polars needs to run them (a few ms per call), and they
# are the same on every call with one plan; plans are cached with their compiled query.
_SHAPES: weakref.WeakKeyDictionary[Plan, _Shape] = weakref.WeakKeyDictionary()


def _shape_of(plan: Plan) -> _Shape:
    found = _SHAPES.get(plan)
    if found is None:
        found = _SHAPES[plan] = _make_shape(plan)  # a race builds it twice: harmless
    return found


def _make_shape(plan: Plan) -> _Shape:
    keys = plan.keys
    names = {ident: plan.result_names(ident) for ident in plan.ids}
    parts = []
    for ident in plan.ids:
        out = names[ident]
        in_force = pl.lit(False)
        for version in plan.versions:
            if version.id == ident:
                in_force = in_force | _years_in_force(version, plan.schema.year)
        columns = (
            *(pl.col(k) for k in keys),
            pl.lit(ident).alias("indicator"),
            pl.col(out["value"]).alias("value"),
            pl.col(out["decimals"]).alias("__kj_decimals"),
            pl.col(out["target"]).alias("target"),
            pl.col(out["target_min"]).alias("target_min"),
            pl.col(out["target_max"]).alias("target_max"),
            pl.col(out["achievement"]).alias("achievement"),
            pl.col(out["status"]).cast(pl.String).alias("status"),
            pl.col(out["band"]).cast(pl.String).alias("band"),
            pl.lit(False).alias("settled"),
        )
        parts.append((in_force, columns))
    hazards = [pl.col(names[i]["hazard"]) for i in plan.ids]
    order = {ident: position for position, ident in enumerate(plan.catalog.ids)}
    return _Shape(
        parts=tuple(parts),
        risky=pl.any_horizontal(h > 0 for h in hazards) if hazards else pl.lit(False),
        flagged=(
            *(pl.col(k) for k in keys),
            *hazards,
            *(pl.col(names[i]["value"]) for i in plan.ids),
        ),
        band_name=_band_names(plan),
        order=pl.col("indicator").replace_strict(order, return_dtype=pl.Int64).alias("__kj_order"),
    )


def _settle_and_shape(
    plan: Plan,
    catalog: Catalog,
    result: pl.DataFrame,
    raw: Any,
    wide: Mapping[str, tuple[str, str]] | None,
    summed: pl.DataFrame | None,
) -> pl.DataFrame:
    keys = plan.keys
    shape = _shape_of(plan)
    if not shape.parts:
        return pl.DataFrame()
    names = {ident: plan.result_names(ident) for ident in plan.ids}
    rows = result.lazy().filter(pl.col("__kj_rows") > 0)
    # The long result and the rows to settle, in one call (Polars runs them side by side).
    long, risky = collect_all_small(
        [
            pl.concat(
                [rows.filter(in_force).select(*columns) for in_force, columns in shape.parts],
                how="vertical_relaxed",
            ),
            rows.filter(shape.risky).select(*shape.flagged),
        ]
    )
    settled: dict[tuple[Key, str], Any] = {}
    if risky.height:
        flagged: dict[Key, list[str]] = {}
        pairs: list[tuple[Key, str]] = []
        published: dict[tuple[Key, str], Any] = {}
        for row in risky.iter_rows(named=True):
            key = tuple(row[k] for k in keys)
            idents = [i for i in plan.ids if (row[names[i]["hazard"]] or 0) > 0]
            flagged[key] = idents
            pairs.extend((key, i) for i in idents)
            for ident in plan.ids:
                version = plan.version_for(ident, key[0])
                if version is None:
                    continue
                published[(key, ident)] = published_value(
                    row[names[ident]["value"]], version.entry.definition.decimals
                )
        fetched = fetch_rows(plan, raw, pairs, wide_columns=wide, summed=summed)
        settled = Settler(plan, catalog, fetched).settle(flagged, published)
    # The published floats, the patch of settled rows and the final shape: one query.
    shaped = _published_floats(long)
    if settled:
        shaped = _apply_settled(shaped, {k: long.schema[k] for k in keys}, settled)
    return collect_small(
        shaped.with_columns(shape.band_name, shape.order)
        .sort([*keys, "__kj_order"], nulls_last=True)
        .select(*keys, *RESULT_COLUMNS)
    )


def _published_floats(long: pl.DataFrame) -> pl.LazyFrame:
    """Whole units to the floats nearest the published decimals, by a true division.

    (Polars may divide by a constant as a multiplication by its reciprocal, one ulp off;
    NumPy divides exactly as IEEE 754 says.)
    """
    units = long["value"].to_numpy()
    scale = 10.0 ** long["__kj_decimals"].to_numpy()
    achieved = long["achievement"].to_numpy()
    with np.errstate(invalid="ignore"):
        # + 0.0 turns a negative zero into zero, as the scalar path publishes it.
        value = units / scale + 0.0
        achievement = achieved / 100.0 + 0.0
    return (
        long.lazy()
        .with_columns(
            pl.lit(pl.Series("value", value, dtype=pl.Float64, nan_to_null=True)),
            pl.lit(pl.Series("achievement", achievement, dtype=pl.Float64, nan_to_null=True)),
        )
        .drop("__kj_decimals")
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _apply_settled(
    long: pl.LazyFrame,
    key_types: Mapping[str, pl.DataType],
    settled: Mapping[tuple[Key, str], Any],
) -> pl.LazyFrame:
    """``long`` with the settled rows' exact results in place (a query, not collected)."""
    keys = list(key_types)
    records = []
    for (key, ident), found in settled.items():
        records.append(
            {
                **dict(zip(keys, key, strict=True)),
                "indicator": ident,
                "__s_value": _float(found.value),
                "__s_achievement": _float(found.achievement),
                "__s_status": found.status.value,
                "__s_band": None if found.band is None else found.band.label,
                "__s_hit": True,
            }
        )
    patch = pl.DataFrame(
        records,
        schema={
            **key_types,
            "indicator": pl.String,
            "__s_value": pl.Float64,
            "__s_achievement": pl.Float64,
            "__s_status": pl.String,
            "__s_band": pl.String,
            "__s_hit": pl.Boolean,
        },
    )
    joined = long.join(patch.lazy(), on=[*keys, "indicator"], how="left", nulls_equal=True)
    hit = pl.col("__s_hit").fill_null(False)
    patched = joined.with_columns(
        pl.when(hit).then(pl.col("__s_value")).otherwise(pl.col("value")).alias("value"),
        pl.when(hit)
        .then(pl.col("__s_achievement"))
        .otherwise(pl.col("achievement"))
        .alias("achievement"),
        pl.when(hit).then(pl.col("__s_status")).otherwise(pl.col("status")).alias("status"),
        pl.when(hit).then(pl.col("__s_band")).otherwise(pl.col("band")).alias("band"),
        hit.alias("settled"),
    ).drop("__s_value", "__s_achievement", "__s_status", "__s_band", "__s_hit")
    return patched


def _band_names(plan: Plan) -> pl.Expr:
    """The ``band_name`` column: each version's band labels mapped to their names."""
    names: dict[str, str] = {}
    one_name_per_label = True
    for version in plan.versions:
        if version.entry.definition.bands is not None:
            for band in plan.catalog.band_sets[version.entry.definition.bands].bands:
                if names.setdefault(band.label, band.name) != band.name:
                    one_name_per_label = False
    if one_name_per_label:
        # One lookup for all rows (a lookup per version costs about as much each).
        mapped = pl.col("band").replace_strict(names, default=None, return_dtype=pl.String)
        return (mapped if names else pl.lit(None, dtype=pl.String)).alias("band_name")
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for version in plan.versions:
        band_set_id = version.entry.definition.bands
        if band_set_id is None:
            continue
        labels = {b.label: b.name for b in plan.catalog.band_sets[band_set_id].bands}
        condition = (pl.col("indicator") == version.id) & _years_in_force(version, plan.schema.year)
        mapped = pl.col("band").replace_strict(labels, default=None, return_dtype=pl.String)
        expr = pl.when(condition).then(mapped).otherwise(expr)
    return expr.alias("band_name")


def _years_in_force(version: Version, year_column: str) -> pl.Expr:
    """True on the rows of the years ``version`` is in force (Polars; Plan.in_span is the
    narwhals twin for the compiled query)."""
    first, last = version.span
    year = pl.col(year_column)
    condition = pl.lit(True)
    if first is not None:
        condition = condition & (year >= first)
    if last is not None:
        condition = condition & (year <= last)
    return condition
