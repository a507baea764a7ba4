"""The dataframe path: one test body over every backend, checked against the scalar path.

Each backend fixture builds that engine's own frame from an Arrow table: Polars, pandas,
PyArrow, DuckDB (a relation on a session connection), Dask (on a small in-process
``distributed`` cluster) and PySpark (``local[1]``). A backend whose import fails is
skipped with the reason; the others always run.

The oracle is :meth:`Catalog.evaluate` on the rows of each output row (its year and
``by`` values), summed exactly: every number a frame result holds must be the float of
the scalar path's Decimal, to the last published digit.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import math
import subprocess
import sys
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kinerja
from kinerja._data import YearData
from kinerja._numbers import to_decimal

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
nw = pytest.importorskip("narwhals")

from kinerja.frames import FrameError, LongSchema, evaluate_frame, read_long  # noqa: E402

# narwhals announces that Dask support moves to a separate package; not our concern here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Dask support is moving:FutureWarning",
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
)

ROOT = Path(__file__).resolve().parent.parent
SPM = ROOT / "examples" / "spm"

# ---------------------------------------------------------------- backends

BACKENDS = ("polars", "pandas", "pyarrow", "duckdb", "dask", "pyspark")
# Hypothesis examples per backend: each example is one evaluate_frame call.
EXAMPLES = {"polars": 40, "pandas": 8, "pyarrow": 8, "duckdb": 5, "dask": 4, "pyspark": 2}


class Backend:
    """Builds a backend's native frame from an Arrow table."""

    def __init__(self, name: str, make: Callable[[Any], Any]) -> None:
        self.name = name
        self.make = make

    def __repr__(self) -> str:
        return f"Backend({self.name})"


def _import(*modules: str) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:  # the extra is not installed: say which
            pytest.skip(f"{module} cannot be imported: {exc}")


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    _import("dask.dataframe", "distributed")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    _import("pyspark.sql")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("kinerja-tests")
        .config("spark.sql.shuffle.partitions", "1")
        # Tiny test data: code generation and adaptive planning cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def duckdb_connection() -> Iterator[Any]:
    _import("duckdb")
    import duckdb

    connection = duckdb.connect()
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    name: str = request.param
    if name == "polars":
        return Backend(name, pl.from_arrow)
    if name == "pandas":
        _import("pandas")
        return Backend(name, lambda t: t.to_pandas())
    if name == "pyarrow":
        return Backend(name, lambda t: t)
    if name == "duckdb":
        connection = request.getfixturevalue("duckdb_connection")
        return Backend(name, connection.from_arrow)
    if name == "dask":
        request.getfixturevalue("dask_client")
        import dask.dataframe as dd

        return Backend(name, lambda t: dd.from_pandas(t.to_pandas(), npartitions=2))
    session = request.getfixturevalue("spark")
    return Backend(name, session.createDataFrame)


def to_polars(native: Any) -> Any:
    frame = nw.from_native(native)
    lazy = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    return lazy.collect(backend="polars").to_native()


# ---------------------------------------------------------------- the oracle


def _exact(value: Any) -> Decimal:
    if isinstance(value, float) and value.is_integer():
        return Decimal(int(value))
    return to_decimal(value)


def scalar_results(
    catalog: kinerja.Catalog,
    rows: Any,
    by: list[str],
    dims: tuple[str, ...] = ("bulan", "triwulan"),
) -> dict[tuple[Any, ...], kinerja.Results]:
    """Catalog.evaluate on each output row's input rows, summed exactly."""
    keys = ["year", *by]
    present = [d for d in dims if d in rows.columns]
    group = ["group"] if "group" in rows.columns else []
    sums: dict[Any, Any] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    )
    columns = [*keys, *group, *present, "indicator", "input", "value"]
    for record in rows.select(columns).iter_rows(named=True):
        if record["value"] is None:
            continue
        key = tuple(record[c] for c in keys)
        position = next((record[d] for d in present if record[d] is not None), None)
        slot = sums[key][record["indicator"]][record.get("group")][record["input"]]
        slot[position] = slot.get(position, Decimal(0)) + _exact(record["value"])
    out = {}
    for key, indicators in sums.items():
        values: dict[str, Any] = {}
        for ident, groups in indicators.items():
            if ident not in catalog:
                continue
            values[ident] = {
                g: {
                    name: found[None]
                    if list(found) == [None]
                    else tuple(found[p] for p in sorted(found))
                    for name, found in inputs.items()
                }
                for g, inputs in groups.items()
            }
        out[key] = catalog.evaluate(YearData(key[0], values), year=key[0])
    return out


def assert_matches_scalar(catalog: kinerja.Catalog, rows: Any, result: Any, by: list[str]) -> None:
    """Every frame result equals the scalar path's, and none is missing or extra."""
    expected = scalar_results(catalog, rows, by)
    keys = ["year", *by]
    seen = set()
    problems = []
    for row in result.iter_rows(named=True):
        key = tuple(row[c] for c in keys)
        found = expected[key][row["indicator"]]
        want = (
            None if found.value is None else float(found.value),
            None if found.achievement is None else float(found.achievement),
            found.status.value,
            None if found.band is None else found.band.label,
            None if found.band is None else found.band.name,
        )
        got = (row["value"], row["achievement"], row["status"], row["band"], row["band_name"])
        if want != got:
            problems.append((key, row["indicator"], want, got, row["settled"]))
        seen.add((key, row["indicator"]))
    wanted = {(k, r.id) for k, results in expected.items() for r in results}
    assert not problems, problems[:5]
    assert seen == wanted, (wanted - seen, seen - wanted)


# ---------------------------------------------------------------- a catalog using everything

DEFINITIONS = {
    "bands.toml": """
        kind = "bands"
        id = "t.bands"
        name = "Bands"
        decimals = 1
        bands = [
          { label = "D", name = "Kurang", min = 0.0, max = 49.9 },
          { label = "C", name = "Cukup", min = 50.0, max = 79.9 },
          { label = "B", name = "Baik", min = 80.0, max = 1000.0 },
        ]
    """,
    "ratio.toml": """
        id = "t.ratio"
        name = "Ratio over groups"
        unit = "percent"
        decimals = 1
        bands = "t.bands"
        [formula]
        numerator = "a"
        denominator = "b"
        factor = 100
        [inputs]
        a = { unit = "person" }
        b = { unit = "person" }
        [disaggregation]
        dimension = "kluster"
        groups = { g1 = "Satu", g2 = "Dua", g3 = "Tiga" }
        [targets]
        2022 = 60
        2023 = { min = 40, max = 70 }
    """,
    "cond.toml": """
        id = "t.cond"
        name = "Conditions"
        unit = "percent"
        polarity = "lower_is_better"
        decimals = 0
        [formula]
        expr = "where(x > y, x - y, abs(y - x) / 2) if x + y >= 3 and not (x == 7) or y < -2 else coalesce(z, round(x / 3, 1)) ** 2"
        [inputs]
        x = { unit = "percent" }
        y = { unit = "percent" }
        z = { unit = "percent" }
        [targets]
        2022 = 2
        2023 = 0
    """,
    "series.toml": """
        id = "t.series"
        name = "Series"
        unit = "percent"
        decimals = 2
        [formula]
        expr = "mean(m / n) * 100 - min(m) / max(n) + sum(where(m >= n, 1, 0))"
        [inputs]
        m = { unit = "person", over = "bulan" }
        n = { unit = "person", over = "bulan" }
        [targets]
        2023 = 50
    """,
    "weights-old.toml": """
        id = "t.weights"
        name = "Weights, old version"
        unit = "percent"
        decimals = 2
        in_force = { until = 2022 }
        [formula]
        weights = { p = 1, q = 3 }
        [inputs]
        p = { unit = "percent" }
        q = { unit = "percent" }
        [targets]
        2022 = 5
    """,
    "weights-new.toml": """
        id = "t.weights"
        name = "Weights, new version"
        unit = "percent"
        decimals = 3
        in_force = { from = 2023 }
        [formula]
        expr = "0.4 * p + 0.6 * q - min(p, q, 1.5) / 7"
        [inputs]
        p = { unit = "percent" }
        q = { unit = "percent" }
        [targets]
        2023 = { min = 2, max = 4 }
    """,
    "gexpr.toml": """
        id = "t.gexpr"
        name = "Expression over groups"
        unit = "percent"
        decimals = 1
        [formula]
        expr = "where(v > 0, u / v * 100, -1)"
        [inputs]
        u = { unit = "person" }
        v = { unit = "person" }
        [disaggregation]
        dimension = "kluster"
        groups = { g1 = "Satu", g2 = "Dua" }
        [targets]
        2022 = 50
        2023 = 55
    """,
    "composite.toml": """
        id = "t.composite"
        name = "Composite"
        unit = "percent"
        decimals = 1
        bands = "t.bands"
        [formula]
        expr = "min(r, 100) * 0.5 + s * 0.5 + k"
        [inputs]
        r = { indicator = "t.ratio" }
        s = { indicator = "t.weights" }
        k = { unit = "percent" }
        [targets]
        2022 = 40
        2023 = 45
    """,
    # References only (no input rows of its own), lower is better, with ties of its own:
    # t.ratio's published tenths over 4 end in 5 at 2 decimals whenever its tenth is odd.
    "quarter.toml": """
        id = "t.quarter"
        name = "A quarter of the ratio's shortfall"
        unit = "percent"
        polarity = "lower_is_better"
        decimals = 2
        [formula]
        expr = "(100 - r) / 4"
        [inputs]
        r = { indicator = "t.ratio" }
        [targets]
        2023 = 5
    """,
}


def write_catalog(folder: Path, files: dict[str, str]) -> kinerja.Catalog:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return kinerja.load(folder)


def ratio_definition(
    ident: str, *, unit: str = "person", decimals: int = 2, bands: str | None = None
) -> str:
    """A percent ratio ``a / b * 100`` of two inputs in ``unit``, for one test's catalog."""
    band_line = f'bands = "{bands}"' if bands else ""
    return f"""
        id = "{ident}"
        name = "Ratio"
        unit = "percent"
        decimals = {decimals}
        {band_line}
        [formula]
        numerator = "a"
        denominator = "b"
        factor = 100
        [inputs]
        a = {{ unit = "{unit}" }}
        b = {{ unit = "{unit}" }}
    """


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> kinerja.Catalog:
    return write_catalog(tmp_path_factory.mktemp("frames") / "t", DEFINITIONS)


LEAVES = (("P1", "K11"), ("P1", "K12"), ("P2", "K21"), ("P2", None))
YEARS = (2022, 2023)
COLUMNS = ("year", "prov", "kab", "group", "indicator", "input", "bulan", "value")


@st.composite
def long_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Random rows every indicator of the catalog accepts (valid scalar data per key)."""
    rows: list[dict[str, Any]] = []
    small = st.integers(0, 12)
    point = st.integers(-500, 1500).map(lambda k: k / 100)

    def add(
        year: int,
        leaf: tuple[str, str | None],
        ident: str,
        name: str,
        value: Any,
        group: str | None = None,
        bulan: int | None = None,
    ) -> None:
        # A value may come in two rows that add up, or as a null next to the real row.
        pieces = [value]
        if isinstance(value, int) and value > 1 and draw(st.booleans()):
            cut = draw(st.integers(0, value))
            pieces = [cut, value - cut]
        for piece in pieces:
            rows.append(
                dict(
                    zip(
                        COLUMNS,
                        (year, leaf[0], leaf[1], group, ident, name, bulan, piece),
                        strict=True,
                    )
                )
            )
        if draw(st.integers(0, 9)) == 0:
            rows.append(
                dict(
                    zip(
                        COLUMNS,
                        (year, leaf[0], leaf[1], group, ident, name, bulan, None),
                        strict=True,
                    )
                )
            )

    for year in YEARS:
        for leaf in LEAVES:
            if not draw(st.integers(0, 4)):
                continue  # this org unit reported nothing this year
            for group in draw(st.sets(st.sampled_from(("g1", "g2", "g3")))):
                for name in ("a", "b"):
                    if draw(st.integers(0, 7)):
                        add(year, leaf, "t.ratio", name, draw(small), group)
            for group in draw(st.sets(st.sampled_from(("g1", "g2")))):
                for name in ("u", "v"):
                    if draw(st.integers(0, 5)):
                        add(year, leaf, "t.gexpr", name, draw(st.integers(0, 9)), group)
            for name in ("x", "y", "z"):
                if draw(st.integers(0, 4)):
                    add(year, leaf, "t.cond", name, draw(point))
            for name in ("p", "q"):
                if draw(st.integers(0, 6)):
                    add(year, leaf, "t.weights", name, draw(point))
            if draw(st.booleans()):
                add(year, leaf, "t.composite", "k", draw(point))
            if draw(st.integers(0, 2)):
                months = draw(st.sets(st.integers(1, 4), min_size=1))
                for month in sorted(months):
                    for name in ("m", "n"):
                        add(year, leaf, "t.series", name, draw(st.integers(0, 9)), bulan=month)
    return rows


BYS = ([], ["prov"], ["prov", "kab"])


def rows_table(rows: list[dict[str, Any]]) -> Any:
    schema = pa.schema(
        [
            ("year", pa.int64()),
            ("prov", pa.string()),
            ("kab", pa.string()),
            ("group", pa.string()),
            ("indicator", pa.string()),
            ("input", pa.string()),
            ("bulan", pa.int64()),
            ("value", pa.float64()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def check(
    catalog: kinerja.Catalog,
    backend: Backend,
    rows: list[dict[str, Any]],
    by: list[str],
    **options: Any,
) -> Any:
    table = rows_table(rows)
    result = to_polars(evaluate_frame(catalog, backend.make(table), by=by, **options))
    assert_matches_scalar(catalog, pl.from_arrow(table), result, by)
    return result


# ---------------------------------------------------------------- the property


def test_frame_path_equals_scalar_path_on_random_data(
    catalog: kinerja.Catalog, backend: Backend
) -> None:
    @settings(
        max_examples=EXAMPLES[backend.name],
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(rows=long_rows(), by=st.sampled_from(BYS))
    def run(rows: list[dict[str, Any]], by: list[str]) -> None:
        if rows:
            check(catalog, backend, rows, by)

    run()


@pytest.mark.parametrize("backend", ["polars", "duckdb"], indirect=True)
def test_every_stage_in_the_engine_equals_scalar_path_on_random_data(
    catalog: kinerja.Catalog, backend: Backend
) -> None:
    # finish="engine": the compiled narwhals expressions run in the caller's engine.
    # Polars and DuckDB plan the whole query; the other engines run the same expressions
    # in test_every_stage_can_run_in_the_engine below.
    @settings(
        max_examples={"polars": 12, "duckdb": 5}[backend.name],
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(rows=long_rows(), by=st.sampled_from(BYS))
    def run(rows: list[dict[str, Any]], by: list[str]) -> None:
        if rows:
            check(catalog, backend, rows, by, finish="engine")

    run()


# Rows chosen so that float64 alone would publish wrong digits: exact ties at the
# published precision, a comparison of values that differ by float error only.
TIES = [
    # 1 / 8 = 12.5 %: a tie at 1 decimal? no, 12.5 is exact; 1/16 = 6.25 % is one.
    *[
        dict(zip(COLUMNS, (2022, "P1", "K11", "g1", "t.ratio", n, None, v), strict=True))
        for n, v in (("a", 1), ("b", 16))
    ],
    *[
        dict(zip(COLUMNS, (2023, "P1", "K11", "g1", "t.ratio", n, None, v), strict=True))
        for n, v in (("a", 7), ("b", 16))
    ],
    # x = 6.9 + 0.1 is 7 exactly, 7.000000000000001 in float64: 'not (x == 7)' decides.
    *[
        dict(zip(COLUMNS, (2022, "P1", "K11", None, "t.cond", "x", None, v), strict=True))
        for v in (6.9, 0.1)
    ],
    dict(zip(COLUMNS, (2022, "P1", "K11", None, "t.cond", "y", None, 1.5), strict=True)),
    dict(zip(COLUMNS, (2022, "P1", "K11", None, "t.cond", "z", None, 3.0), strict=True)),
    # 0.4 * 1.25 + 0.6 * 1.25 - 1.25 / 7 at 3 decimals.
    *[
        dict(zip(COLUMNS, (2023, "P1", "K11", None, "t.weights", n, None, 1.25), strict=True))
        for n in ("p", "q")
    ],
    dict(zip(COLUMNS, (2023, "P1", "K11", None, "t.composite", "k", None, 0.005), strict=True)),
]


def test_ties_and_near_ties_are_settled_exactly(catalog: kinerja.Catalog, backend: Backend) -> None:
    result = check(catalog, backend, TIES, ["prov"])
    settled = result.filter(pl.col("settled"))
    assert settled.height >= 2, result
    ratio = result.filter((pl.col("indicator") == "t.ratio") & (pl.col("year") == 2022))
    assert ratio["value"].to_list() == [6.3]  # 6.25 half up, not 6.2 (ties to even)
    cond = result.filter((pl.col("indicator") == "t.cond") & (pl.col("year") == 2022))
    # x == 7 exactly, so coalesce(z, ...) ** 2 = 9; float64 would take x - y = 5.5 -> 6.
    assert cond["value"].to_list() == [9.0]


# ---------------------------------------------------------------- finishing in the engine


SMALL = {k: DEFINITIONS[k] for k in ("bands.toml", "ratio.toml", "series.toml", "cond.toml")}
# On Dask and Spark each step of the query is a task graph node or a Spark plan node, and
# planning dominates on tiny data: there, a ratio over groups with a band stands for the
# rest (every stage still runs; the series and condition code is the same narwhals
# expressions the other engines run above).
TINY = {k: DEFINITIONS[k] for k in ("bands.toml", "ratio.toml")}


@pytest.fixture(scope="session")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> kinerja.Catalog:
    return write_catalog(tmp_path_factory.mktemp("frames-small") / "t", SMALL)


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory: pytest.TempPathFactory) -> kinerja.Catalog:
    return write_catalog(tmp_path_factory.mktemp("frames-tiny") / "t", TINY)


def test_every_stage_can_run_in_the_engine(
    small_catalog: kinerja.Catalog, tiny_catalog: kinerja.Catalog, backend: Backend
) -> None:
    # finish="engine": the formulas run in every engine, Dask and Spark included (by
    # default the small aggregated frame is finished with Polars; see docs/scale.md).
    rows = [
        *[
            dict(zip(COLUMNS, (2023, "P1", k, g, "t.ratio", n, None, v), strict=True))
            for k, g, n, v in (
                ("K11", "g1", "a", 3),
                ("K11", "g1", "b", 7),
                ("K12", "g2", "a", 5),
                ("K12", "g2", "b", 9),
                ("K12", "g3", "b", 0),
            )
        ],
        *[
            dict(zip(COLUMNS, (2023, "P1", "K11", None, "t.series", n, m, v), strict=True))
            for n, m, v in (
                ("m", 1, 3),
                ("n", 1, 4),
                ("m", 2, 5),
                ("n", 2, 5),
                ("m", 3, 1),
                ("n", 3, 8),
            )
        ],
        *[
            dict(zip(COLUMNS, (2023, "P1", "K12", None, "t.cond", n, None, v), strict=True))
            for n, v in (("x", 6.9), ("x", 0.1), ("y", 1.5))
        ],
    ]
    chosen = tiny_catalog if backend.name in ("dask", "pyspark") else small_catalog
    if chosen is tiny_catalog:
        rows = [r for r in rows if r["indicator"] == "t.ratio"]
    result = check(chosen, backend, rows, ["prov"], finish="engine")
    assert result.height == len(chosen)


# ---------------------------------------------------------------- the SPM example


def spm_module() -> Any:
    spec = importlib.util.spec_from_file_location("spm_generate", SPM / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def spm_table() -> Any:
    return spm_module().generate(12_000, 11, [2022, 2023])


@pytest.fixture(scope="session")
def spm_catalog() -> kinerja.Catalog:
    return kinerja.load(SPM / "indicators")


def test_spm_generator_is_seeded_and_covers_indonesia(spm_table: Any) -> None:
    module = spm_module()
    again = module.generate(12_000, 11, [2022, 2023])
    assert again.equals(spm_table)
    frame = pl.from_arrow(spm_table)
    assert frame["provinsi"].n_unique() == 38
    assert frame["kabkota"].drop_nulls().n_unique() == 514
    assert set(frame["group"].drop_nulls().unique()) == {"disabilitas", "anak", "lansia", "gepeng"}
    # At least one service unit per pemda: about 8,800 rows a year.
    assert 16_000 < frame.height < 18_000
    bigger = module.generate(60_000, 11, [2022, 2023])
    assert 51_000 < bigger.num_rows < 69_000


def test_spm_per_pemda_province_and_nation(
    spm_catalog: kinerja.Catalog, spm_table: Any, backend: Backend
) -> None:
    rows = pl.from_arrow(spm_table)
    slow = backend.name in ("dask", "pyspark")
    for by in (["provinsi"],) if slow else ([], ["provinsi"], ["provinsi", "kabkota"]):
        native = backend.make(spm_table)
        found = evaluate_frame(spm_catalog, native, by=by)
        # The result comes back as the caller's own kind of frame.
        assert type(found) is type(native)
        assert list(nw.from_native(found).columns) == [
            "year",
            *by,
            *kinerja.frames.RESULT_COLUMNS,
        ]
        result = to_polars(found)
        assert_matches_scalar(spm_catalog, rows, result, by)
        if not by:
            national = result.filter(pl.col("year") == 2023)
            assert national.height == 5
            assert national["value"].null_count() == 0


def test_polars_lazy_in_lazy_out(spm_catalog: kinerja.Catalog, spm_table: Any) -> None:
    lazy = pl.from_arrow(spm_table).lazy()
    result = evaluate_frame(spm_catalog, lazy, by="provinsi")
    assert isinstance(result, pl.LazyFrame)
    eager = evaluate_frame(spm_catalog, pl.from_arrow(spm_table), by="provinsi")
    assert result.collect().equals(eager)


# ---------------------------------------------------------------- wide layout, files, schema


def test_wide_layout_gives_the_long_result(spm_catalog: kinerja.Catalog, spm_table: Any) -> None:
    rows = pl.from_arrow(spm_table).filter(pl.col("indicator") != "spm.pelaporan")
    wide = (
        rows.with_columns(pl.concat_str("indicator", pl.lit("/"), "input").alias("column"))
        .group_by("year", "provinsi", "kabkota", "unit", "group")
        .agg(
            *(
                pl.col("value").filter(pl.col("column") == c).sum().alias(c.replace("/", "__"))
                for c in (
                    "spm.provinsi/terlayani",
                    "spm.provinsi/sasaran",
                    "spm.kabkota/terlayani",
                    "spm.kabkota/sasaran",
                )
            )
        )
    )
    columns = {
        c.replace("/", "__"): c
        for c in (
            "spm.provinsi/terlayani",
            "spm.provinsi/sasaran",
            "spm.kabkota/terlayani",
            "spm.kabkota/sasaran",
        )
    }
    # Zero where a pemda has no rows of that indicator would be data; make it null.
    wide = wide.with_columns(
        pl.when(pl.col("kabkota").is_null()).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("spm.provinsi__terlayani", "spm.provinsi__sasaran")
    ).with_columns(
        pl.when(pl.col("kabkota").is_not_null()).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("spm.kabkota__terlayani", "spm.kabkota__sasaran")
    )
    long_result = evaluate_frame(spm_catalog, rows, by=["provinsi"])
    wide_result = evaluate_frame(spm_catalog, wide, by=["provinsi"], layout="wide", columns=columns)
    assert wide_result.equals(long_result)


def test_wide_columns_default_to_unique_input_names(tmp_path: Path) -> None:
    catalog = write_catalog(
        tmp_path / "c", {"ratio.toml": DEFINITIONS["ratio.toml"].replace('bands = "t.bands"', "")}
    )
    wide = pl.DataFrame(
        {"year": [2022, 2022], "group": ["g1", "g2"], "a": [3, 1], "b": [4, 4], "note": ["x", "y"]}
    )
    result = evaluate_frame(catalog, wide, layout="wide")
    assert result["value"].to_list() == [50.0]


def test_a_tie_in_wide_data_of_points_is_settled_from_its_rows(tmp_path: Path) -> None:
    # Points are not counts: settlement reads their rows back from the wide frame itself.
    files = {"points.toml": ratio_definition("t.points", unit="point", decimals=1)}
    catalog = write_catalog(tmp_path / "c", files)
    wide = pl.DataFrame(
        {
            "year": [2023] * 3,
            "prov": ["P1", "P1", "P2"],
            "a": [0.5, 0.5, 1.0],
            "b": [8.0] * 2 + [4.0],
        }
    )
    result = evaluate_frame(catalog, wide, by="prov", layout="wide")
    # 1 / 16 * 100 = 6.25: half up to 6.3 (a float sum could land either side of the tie).
    assert result.select("prov", "value", "settled").rows() == [
        ("P1", 6.3, True),
        ("P2", 25.0, False),
    ]


@pytest.mark.parametrize("reader", ["polars", "pandas", "pyarrow", "duckdb"])
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_read_long_from_parquet_and_csv(
    spm_catalog: kinerja.Catalog, spm_table: Any, tmp_path: Path, reader: str, suffix: str
) -> None:
    frame = pl.from_arrow(spm_table.slice(0, 3000))
    path = tmp_path / f"spm.{suffix}"
    if suffix == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    native = read_long(path, backend=reader)
    result = to_polars(evaluate_frame(spm_catalog, native, by=["provinsi"]))
    expected = evaluate_frame(spm_catalog, frame, by=["provinsi"])
    # CSV readers type codes their own way; compare the numbers.
    assert result["value"].to_list() == expected["value"].to_list()
    assert result["status"].to_list() == expected["status"].to_list()


@pytest.mark.parametrize("reader", ["polars", "pandas", "pyarrow", "duckdb"])
def test_read_long_from_a_partitioned_folder(
    spm_catalog: kinerja.Catalog, spm_table: Any, tmp_path: Path, reader: str
) -> None:
    import pyarrow.parquet as pq

    frame = pl.from_arrow(spm_table.slice(0, 3000))
    pq.write_to_dataset(frame.to_arrow(), tmp_path / "spm", partition_cols=["year"])
    native = read_long(tmp_path / "spm", backend=reader)
    result = to_polars(evaluate_frame(spm_catalog, native, by=["provinsi"]))
    expected = evaluate_frame(spm_catalog, frame, by=["provinsi"])
    # year=2023/ comes back as each reader types a folder name; compare the numbers.
    assert result["value"].to_list() == expected["value"].to_list()
    assert [int(y) for y in result["year"]] == expected["year"].to_list()


def test_read_long_types_a_csv_column_from_every_row(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text(
        "year,indicator,input,value\n" + "2022,t.cond,x,1\n" * 150 + "2022,t.cond,x,80.5\n"
    )
    read = read_long(path).collect()
    assert read["value"].dtype == pl.Float64
    assert read["value"].sum() == 230.5


def test_a_csv_cell_polars_cannot_read_is_a_data_error(
    catalog: kinerja.Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "na.csv"
    path.write_text("year,indicator,input,value\n2022,t.cond,x,1\n2022,t.cond,z,NA\n")
    with pytest.raises(kinerja.DataError, match="could not parse `NA`") as caught:
        evaluate_frame(catalog, read_long(path))
    assert "null_values=['NA']" in str(caught.value)
    result = evaluate_frame(catalog, read_long(path, null_values=["NA"])).collect()
    assert result.filter(pl.col("indicator") == "t.cond")["status"].to_list() == ["n/a"]


def test_read_long_refuses_other_files(tmp_path: Path) -> None:
    with pytest.raises(FrameError, match=r"expected a \.parquet or \.csv"):
        read_long(tmp_path / "data.xlsx")
    with pytest.raises(FrameError, match="no such file"):
        read_long(tmp_path / "missing.parquet")


def test_custom_column_names(catalog: kinerja.Catalog) -> None:
    rows = rows_table(TIES).rename_columns(
        ["tahun", "prov", "kab", "kluster", "id", "masukan", "month", "nilai"]
    )
    schema = LongSchema(
        year="tahun",
        group="kluster",
        indicator="id",
        input="masukan",
        value="nilai",
        series={"bulan": "month"},
    )
    result = evaluate_frame(catalog, pl.from_arrow(rows), by=["prov"], schema=schema)
    expected = evaluate_frame(catalog, pl.from_arrow(rows_table(TIES)), by=["prov"])
    assert result.rename({"tahun": "year"}).equals(expected)


def test_years_filter(catalog: kinerja.Catalog) -> None:
    result = evaluate_frame(catalog, pl.from_arrow(rows_table(TIES)), years=[2023])
    assert set(result["year"]) == {2023}


def test_plans_are_reused_per_catalog_and_options(catalog: kinerja.Catalog) -> None:
    from kinerja.frames import _local

    frame = pl.from_arrow(rows_table(TIES))
    evaluate_frame(catalog, frame, by="prov")
    plans = _local._PLANS[catalog]
    first = dict(plans)
    evaluate_frame(catalog, frame, by="prov")
    assert plans == first  # the same options: the same plan, not another
    assert all(plans[key] is plan for key, plan in first.items())
    only = evaluate_frame(catalog, frame, by="prov", years=[2023])
    national = evaluate_frame(catalog, frame)
    # Keys: (by, column names, series columns, grouped, years); each option its own plan.
    assert {(("prov",), (2023,)), ((), None)} <= {(key[0], key[4]) for key in plans}
    assert set(only["year"]) == {2023} and "prov" not in national.columns


# ---------------------------------------------------------------- data the scalar path refuses


def one(
    ident: str, name: str, value: Any, group: str | None = None, **extra: Any
) -> dict[str, Any]:
    row = dict(zip(COLUMNS, (2022, "P1", "K11", group, ident, name, None, value), strict=True))
    row.update(extra)
    return row


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([one("t.ratio", "c", 1, "g1")], "'t.ratio' has no input 'c'"),
        ([one("t.ratio", "a", 1, "g9")], "unknown group 'g9'"),
        # t.ratio allows g3, t.gexpr does not: each indicator is checked against its own.
        ([one("t.ratio", "a", 1, "g3"), one("t.gexpr", "u", 1, "g3")], "unknown group 'g3'"),
        ([one("t.ratio", "a", 1, None)], "declares groups, but some rows have none"),
        ([one("t.ratio", "a", -3, "g1")], "must sum to a whole number"),
        ([one("t.ratio", "a", 1.5, "g1")], "must sum to a whole number"),
        ([one("t.composite", "r", 1.0)], "is the value of indicator 't.ratio'"),
        ([one("t.series", "m", 1)], "rows need a position in the 'bulan' column"),
        # As the scalar path: no groups on an indicator without [disaggregation].
        ([one("t.cond", "x", 1.0, "g1")], "'t.cond' has no [disaggregation]"),
        ([one("t.series", "m", 1, "g1", bulan=1)], "'t.series' has no [disaggregation]"),
        ([one("t.cond", "x", float("inf"))], "input 'x' has a value that is not a finite"),
        ([one("t.cond", "x", float("nan"))], "input 'x' has a value that is not a finite"),
        ([one("t.ratio", "b", float("-inf"), "g1")], "input 'b' has a value that is not"),
    ],
)
def test_bad_data_is_a_data_error(
    catalog: kinerja.Catalog, rows: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(kinerja.DataError) as caught:
        evaluate_frame(catalog, pl.from_arrow(rows_table(rows)))
    assert message in " | ".join(str(p) for p in caught.value.problems), caught.value.problems


def test_indicators_sharing_their_groups_are_each_checked() -> None:
    # spm.kabkota and spm.provinsi allow the same four jenis layanan (one test for both).
    spm = kinerja.load(ROOT / "examples" / "spm" / "indicators")
    rows = [
        {"year": 2023, "provinsi": "11", "group": group, "indicator": ident, "input": name,
         "triwulan": None, "value": 5}
        for ident, group in (("spm.kabkota", "anak"), ("spm.provinsi", "balita"))
        for name in ("terlayani", "sasaran")
    ]  # fmt: skip
    with pytest.raises(kinerja.DataError) as caught:
        evaluate_frame(spm, pl.DataFrame(rows), by="provinsi")
    found = {(p.indicator, p.key, p.message) for p in caught.value.problems}
    assert found == {
        ("spm.provinsi", name, "unknown group 'balita'") for name in ("terlayani", "sasaran")
    }


def test_rows_of_other_catalogs_are_ignored(catalog: kinerja.Catalog) -> None:
    rows = [*TIES, one("other.indicator", "anything", 5)]
    with_other = evaluate_frame(catalog, pl.from_arrow(rows_table(rows)), by=["prov"])
    assert with_other.equals(evaluate_frame(catalog, pl.from_arrow(rows_table(TIES)), by=["prov"]))


def test_missing_columns_are_named(catalog: kinerja.Catalog) -> None:
    rows = pl.from_arrow(rows_table(TIES)).drop("value")
    with pytest.raises(kinerja.DataError, match="no column 'value'"):
        evaluate_frame(catalog, rows)
    with pytest.raises(kinerja.DataError, match="no column 'provinsi'"):
        evaluate_frame(catalog, pl.from_arrow(rows_table(TIES)), by=["provinsi"])


# ---------------------------------------------------------------- columns engines misread


def _with_column(table: Any, name: str, values: Any) -> Any:
    return table.set_column(table.schema.get_field_index(name), name, values)


def test_columns_of_the_wrong_type_are_named(catalog: kinerja.Catalog, backend: Backend) -> None:
    # pandas would add text up by joining it ("3" + "5" = "35"); the others fail late.
    table = rows_table(TIES)
    text = _with_column(table, "value", pa.array([str(v) for v in table["value"].to_pylist()]))
    with pytest.raises(kinerja.DataError, match="column 'value' holds String, not numbers"):
        evaluate_frame(catalog, backend.make(text))
    years = _with_column(table, "year", pa.array([str(v) for v in table["year"].to_pylist()]))
    with pytest.raises(kinerja.DataError, match="column 'year' holds String, not whole numbers"):
        evaluate_frame(catalog, backend.make(years))


def test_a_missing_series_column_is_no_position(catalog: kinerja.Catalog, backend: Backend) -> None:
    rows = [r for r in TIES if r["indicator"] != "t.series"]
    expected = to_polars(evaluate_frame(catalog, backend.make(rows_table(rows)), by=["prov"]))
    without = rows_table(rows).drop_columns(["bulan"])
    result = to_polars(evaluate_frame(catalog, backend.make(without), by=["prov"]))
    assert result.sort("year", "prov", "indicator").equals(
        expected.sort("year", "prov", "indicator")
    )


@pytest.mark.parametrize("kind", ["codes", "nulls"])
def test_groups_given_as_numbers(tmp_path: Path, backend: Backend, kind: str) -> None:
    files = {
        # Points, not counts: settlement reads their rows back from the frame itself.
        "coded.toml": ratio_definition("t.coded", unit="point")
        + '\n[disaggregation]\ndimension = "jenis"\ngroups = { 1 = "Satu", 2 = "Dua" }\n',
        "plain.toml": ratio_definition("t.plain", unit="point"),
    }
    catalog = write_catalog(tmp_path / "c", files)
    if kind == "codes":  # a CSV reader's type for 1 and 2
        groups = [1, 1, 2, 2]
        rows = {"indicator": ["t.coded"] * 4, "input": ["a", "b"] * 2, "value": [1, 4, 2, 4]}
        expected = [(2022, "t.coded", 37.5), (2022, "t.plain", None)]
    else:  # a CSV reader's type for an empty column
        groups = [None] * 4
        rows = {"indicator": ["t.plain"] * 4, "input": ["a", "b"] * 2, "value": [1, 4, 2, 4]}
        expected = [(2022, "t.coded", None), (2022, "t.plain", 37.5)]
    table = pa.table(
        {
            "year": [2022] * 4,
            "group": pa.array(groups, type=pa.int64() if kind == "codes" else pa.float64()),
            **rows,
        }
    )
    result = to_polars(evaluate_frame(catalog, backend.make(table)))
    assert result.sort("indicator").select("year", "indicator", "value").rows() == expected
    # Settlement reads the rows back the same way: 1 / 32 * 100 = 3.125, a tie.
    tie = _with_column(table, "value", pa.array([1, 32, 0, 0]))
    settled = to_polars(evaluate_frame(catalog, backend.make(tie)))
    found = settled.filter(pl.col("value").is_not_null()).select("value", "settled").rows()
    assert found == [(3.13, True)]


def test_negative_targets_and_negative_zero_as_the_scalar_path(
    tmp_path: Path, backend: Backend
) -> None:
    definition = """
        id = "t.{name}"
        name = "Points"
        unit = "point"
        decimals = 2
        [formula]
        expr = "a - b"
        [inputs]
        a = {{ unit = "point" }}
        b = {{ unit = "point" }}
        [targets]
        2022 = {target}
    """
    files = {
        "negative.toml": definition.format(name="negative", target="-10"),
        "range.toml": definition.format(name="range", target="{ min = -10, max = -5 }"),
    }
    catalog = write_catalog(tmp_path / "c", files)
    rows = [
        one(ident, name, value)
        for ident in ("t.negative", "t.range")
        for name, value in (("a", 1.0), ("b", 1.001))
    ]
    table = rows_table(rows)
    result = to_polars(evaluate_frame(catalog, backend.make(table)))
    assert_matches_scalar(catalog, pl.from_arrow(table), result, [])
    assert result.select("indicator", "value", "achievement", "status").rows() == [
        ("t.negative", 0.0, None, "n/a"),  # no capaian against a negative target
        ("t.range", 0.0, None, "n/a"),  # above the range, whose upper bound is negative
    ]
    assert all(math.copysign(1.0, v) == 1.0 for v in result["value"])  # 0.00, not -0.00


def test_years_may_be_one_int_and_must_be_ints(catalog: kinerja.Catalog) -> None:
    rows = pl.from_arrow(rows_table(TIES))
    assert evaluate_frame(catalog, rows, years=2023).equals(
        evaluate_frame(catalog, rows, years=[2023])
    )
    np = pytest.importorskip("numpy")
    assert evaluate_frame(catalog, rows, years=[np.int64(2023)]).equals(
        evaluate_frame(catalog, rows, years=[2023])
    )
    with pytest.raises(TypeError, match="years: expected whole years \\(int\\), got '2023'"):
        evaluate_frame(catalog, rows, years=["2023"])  # type: ignore[list-item]


def test_by_must_not_name_a_result_column(catalog: kinerja.Catalog) -> None:
    rows = pl.from_arrow(rows_table(TIES)).with_columns(pl.lit("x").alias("status"))
    for by in (["status"], ["year"], ["prov", "indicator"]):
        with pytest.raises(kinerja.DataError, match="which is a column of the result"):
            evaluate_frame(catalog, rows, by=by)


def test_layout_and_columns_are_checked(catalog: kinerja.Catalog) -> None:
    rows = pl.from_arrow(rows_table(TIES))
    with pytest.raises(ValueError, match="layout must be 'long' or 'wide', not 'Wide'"):
        evaluate_frame(catalog, rows, layout="Wide")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass layout='wide'"):
        evaluate_frame(catalog, rows, columns={"value": "t.ratio/a"})
    wide = pl.DataFrame({"year": [2022], "group": ["g1"], "a": [1], "b": [2]})
    with pytest.raises(kinerja.DataError) as caught:
        evaluate_frame(catalog, wide, layout="wide", columns={"a": "t.ratoi/a", "bb": "t.ratio/b"})
    found = [str(p) for p in caught.value.problems]
    assert found == [
        "t.ratoi: a: columns= maps 'a' to 't.ratoi'/'a', and the catalog defines no "
        "indicator 't.ratoi' (did you mean 't.ratio'?)",
        "bb: columns= names 'bb', which the data does not have (did you mean 'b'?)",
    ]


def test_ratio_with_a_reference_over_groups_is_refused(tmp_path: Path) -> None:
    files = {
        "base.toml": DEFINITIONS["gexpr.toml"],
        "ref.toml": """
            id = "t.refratio"
            name = "Ratio with a reference"
            unit = "percent"
            [formula]
            numerator = "a"
            denominator = "base"
            [inputs]
            a = { unit = "percent" }
            base = { indicator = "t.gexpr" }
        """,
    }
    catalog = write_catalog(tmp_path / "c", files)
    rows = pl.from_arrow(rows_table([one("t.gexpr", "u", 1, "g1"), one("t.gexpr", "v", 2, "g1")]))
    with pytest.raises(FrameError, match="cannot be summed over groups"):
        evaluate_frame(catalog, rows)
    # With the group as an output column there is nothing to sum over.
    result = evaluate_frame(catalog, rows, by=["group"])
    assert result.filter(pl.col("indicator") == "t.gexpr")["value"].to_list() == [50.0]


def test_band_names_follow_each_indicators_band_set(tmp_path: Path) -> None:
    # Two band sets name the label "A" differently: each row is named by its own set.
    files = {
        "one.toml": """
            kind = "bands"
            id = "b.one"
            name = "One"
            bands = [
              { label = "A", name = "Satu", min = 0, max = 50 },
              { label = "B", name = "Dua", min = 50.01, max = 100 },
            ]
        """,
        "two.toml": """
            kind = "bands"
            id = "b.two"
            name = "Two"
            bands = [{ label = "A", name = "Lain", min = 0, max = 100 }]
        """,
        "x.toml": ratio_definition("t.x", bands="b.one"),
        "y.toml": ratio_definition("t.y", bands="b.two"),
    }
    catalog = write_catalog(tmp_path / "c", files)
    rows = [
        one("t.x", "a", 1), one("t.x", "b", 4), one("t.y", "a", 3), one("t.y", "b", 4),
        one("t.x", "a", 3, prov="P2"), one("t.x", "b", 4, prov="P2"),
        # On the bounds: 50.00 is A's top, 50.01 B's bottom, 0 A's bottom.
        one("t.x", "a", 1, prov="P3"), one("t.x", "b", 2, prov="P3"),
        one("t.x", "a", 5001, prov="P4"), one("t.x", "b", 10000, prov="P4"),
        one("t.x", "a", 0, prov="P5"), one("t.x", "b", 4, prov="P5"),
    ]  # fmt: skip
    frame = pl.from_arrow(rows_table(rows))
    result = evaluate_frame(catalog, frame, by="prov")
    named = {(r["prov"], r["indicator"]): (r["band"], r["band_name"]) for r in result.to_dicts()}
    assert named == {
        ("P1", "t.x"): ("A", "Satu"),
        ("P1", "t.y"): ("A", "Lain"),
        ("P2", "t.x"): ("B", "Dua"),
        ("P2", "t.y"): (None, None),  # no data there: n/a
        ("P3", "t.x"): ("A", "Satu"),
        ("P4", "t.x"): ("B", "Dua"),
        ("P5", "t.x"): ("A", "Satu"),
        **{(p, "t.y"): (None, None) for p in ("P3", "P4", "P5")},
    }
    assert_matches_scalar(catalog, frame, result, ["prov"])


def test_a_tie_in_a_composite_of_references_alone_is_settled(tmp_path: Path) -> None:
    # Only the composite is flagged (10.0 / 400 = 0.025, a tie at 2 decimals); its
    # reference is not, so settlement has no input rows to fetch.
    files = {
        "base.toml": ratio_definition("t.base", decimals=1),
        "quarter.toml": """
            id = "t.quarter"
            name = "A quarter of a percent of the base"
            unit = "percent"
            decimals = 2
            [formula]
            expr = "r / 400"
            [inputs]
            r = { indicator = "t.base" }
        """,
    }
    catalog = write_catalog(tmp_path / "c", files)
    frame = pl.from_arrow(rows_table([one("t.base", "a", 1), one("t.base", "b", 10)]))
    result = evaluate_frame(catalog, frame, by="prov")
    quarter = result.filter(pl.col("indicator") == "t.quarter")
    assert quarter["value"].to_list() == [0.03] and quarter["settled"].to_list() == [True]
    assert_matches_scalar(catalog, frame, result, ["prov"])


# ---------------------------------------------------------------- the language and the package


def test_the_frame_compiler_covers_the_function_table() -> None:
    from kinerja._functions import FUNCTIONS
    from kinerja.frames._compile import Compiler

    compiler = Compiler(lambda name: None, lambda node: None, {})  # type: ignore[arg-type,return-value]
    assert set(compiler.functions) == set(FUNCTIONS)


def test_importing_kinerja_or_the_frames_package_imports_no_dataframe_library() -> None:
    code = (
        "import sys, kinerja, kinerja.frames\n"
        "heavy = [m for m in ('polars', 'pandas', 'pyarrow', 'narwhals', 'duckdb', 'dask',"
        " 'pyspark') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_evaluate_frame(
    spm_table: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinerja._cli import main

    data = tmp_path / "spm.parquet"
    pl.from_arrow(spm_table).write_parquet(data)
    out = tmp_path / "out.parquet"
    code = main(
        [
            "evaluate-frame",
            str(SPM / "indicators"),
            "--input",
            str(data),
            "--by",
            "provinsi",
            "--year",
            "2023",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    written = pl.read_parquet(out)
    assert written.height == 38 * 5
    assert "written:" in capsys.readouterr().err
    code = main(["evaluate-frame", str(SPM / "indicators"), "--input", str(data), "--year", "2023"])
    printed = capsys.readouterr().out
    assert code == 0
    national = pl.read_csv(io.StringIO(printed))
    assert national.height == 5
    # A bad file is a problem report, not a traceback.
    code = main(["evaluate-frame", str(SPM / "indicators"), "--input", str(tmp_path / "x.xlsx")])
    assert code == 2
    assert "expected a .parquet or .csv" in capsys.readouterr().err
    # An output whose format its name does not tell is refused before anything is written.
    xlsx = tmp_path / "out.xlsx"
    code = main(["evaluate-frame", str(SPM / "indicators"), "--input", str(data), "-o", str(xlsx)])
    assert code == 2
    assert "cannot tell the format of" in capsys.readouterr().err
    assert not xlsx.exists()


def test_cli_evaluate_frame_wide_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinerja._cli import main

    write_catalog(tmp_path / "c", {"ratio.toml": ratio_definition("t.r")})
    data = tmp_path / "wide.csv"
    data.write_text("year,jumlah,total\n2022,1,4\n2022,2,4\n")
    args = ["evaluate-frame", str(tmp_path / "c"), "--input", str(data), "--layout", "wide"]
    code = main([*args, "--column", "jumlah=t.r/a", "--column", "total=t.r/b"])
    assert code == 0
    printed = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert printed.select("indicator", "value").rows() == [("t.r", 37.5)]
    code = main([*args, "--column", "jumlah"])
    assert code == 2
    assert "expected COLUMN=INDICATOR/INPUT" in capsys.readouterr().err
