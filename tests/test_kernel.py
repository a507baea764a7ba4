"""Kernels (the generated one-call path) give exactly what the general path gives.

``Catalog.evaluate_indicator`` tries an indicator's kernel first and takes the general
path when the kernel gives up. These tests feed both paths the same random inputs (clean
ones, and every kind of bad one) and require equal results, with equal Decimal
representations, or the same error; and they check that the kernel really answers for
clean inputs, so that agreement is not just the general path agreeing with itself.
"""

from __future__ import annotations

import ast
import pickle
import re
import shutil
import textwrap
from dataclasses import FrozenInstanceError, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kinerja
from kinerja import _kernel
from kinerja._numbers import MAX_INPUT_DIGITS, exact_series, written_out_digits
from kinerja._results import RESULT_DRAFT, SAMPLING_DRAFT, IndicatorResult, SamplingResult

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Definitions that reach every branch of a kernel: polarity, range and zero targets, bands,
# decimals 0 and 4, conditions, every function, a chained comparison (left to the general
# path), a same-unit ratio that can pass 100%, and a reference.
EXTRA = {
    "lower.toml": """
        id = "t.lower"
        name = "Lower is better, four decimals"
        unit = "point"
        polarity = "lower_is_better"
        bands = "ikm"

        [formula]
        expr = "where(a > b, a - b, b - a) + min(a, b) / 3 + round(abs(a), 1)"

        [inputs]
        a = { unit = "point" }
        b = { unit = "point" }

        [targets]
        2023 = 45
        2024 = 0
        2025 = { min = 40, max = 60 }
        """,
    "choose.toml": """
        id = "t.choose"
        name = "Conditions and functions, four decimals"
        unit = "point"
        decimals = 4

        [formula]
        expr = "(a if a >= b and not b < 0 else coalesce(b, a)) + (a / b) ** 2 * b + sum(a, b) - mean(a, b, a) + max(a, b) * 2"

        [inputs]
        a = { unit = "point" }
        b = { unit = "point" }

        [targets]
        2023 = 50
        """,
    "chain.toml": """
        id = "t.chain"
        name = "A chained comparison"
        unit = "point"

        [formula]
        expr = "a if 0 < a < 100 else -b"

        [inputs]
        a = { unit = "point" }
        b = { unit = "point" }
        """,
    "share.toml": """
        id = "t.share"
        name = "A same-unit percentage"
        unit = "percent"
        goal = "demo.sp2"

        [formula]
        numerator = "done"
        denominator = "planned"
        factor = 100

        [inputs]
        done = { unit = "person" }
        planned = { unit = "person" }

        [targets]
        2023 = 90
        2024 = { min = 80, max = 95 }
        """,
    "refer.toml": """
        id = "t.refer"
        name = "A reference and a subtraction"
        unit = "percent"

        [formula]
        expr = "kemampuan * 0.5 - bonus"

        [inputs]
        bonus = { unit = "percent" }
        kemampuan = { indicator = "demo.kemampuan" }

        [targets]
        2023 = 40
        """,
    "series.toml": """
        id = "t.series"
        name = "Series, element-wise and reduced"
        unit = "point"
        decimals = 0

        [formula]
        expr = "max(where(s > t, s - t, t - s)) + min(s * 2) - sum(-t) / 10"

        [inputs]
        s = { unit = "point", over = "bulan" }
        t = { unit = "point", over = "bulan" }

        [targets]
        2023 = 10
        """,
    "fold.toml": """
        id = "t.fold"
        name = "Sums and means of several values"
        unit = "point"

        [formula]
        expr = "mean(a, b, c) + sum(a, b) / 10 - mean(a, sum(b, c, a))"

        [inputs]
        a = { unit = "point" }
        b = { unit = "point" }
        c = { unit = "point" }

        [targets]
        2023 = 50
        """,
    "mixed.toml": """
        id = "t.mixed"
        name = "One series read only by the context's methods, one by a table function too"
        unit = "person"

        [formula]
        expr = "sum(b / a * a) + max(a) - mean(b - a) + sum(a)"

        [inputs]
        a = { unit = "person", over = "bulan" }
        b = { unit = "person", over = "bulan" }

        [targets]
        2023 = 10
        """,
    "points.toml": """
        id = "t.points"
        name = "Series that are not counts, read only by the context's methods"
        unit = "point"

        [formula]
        expr = "mean(p) + sum(p - q) / 4 + sum(q * 2)"

        [inputs]
        p = { unit = "point", over = "bulan" }
        q = { unit = "point", over = "bulan" }

        [targets]
        2023 = 10
        """,
    "pick.toml": """
        id = "t.pick"
        name = "A finite answer from a series that may hold an infinity"
        unit = "point"

        [formula]
        expr = "sum(where(s > t, t, s))"

        [inputs]
        s = { unit = "point", over = "bulan" }
        t = { unit = "point", over = "bulan" }

        [targets]
        2023 = 10
        """,
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> kinerja.Catalog:
    folder = tmp_path_factory.mktemp("kernel")
    shutil.copytree(ROOT / "examples" / "demo" / "indicators", folder / "demo")
    for name, text in EXTRA.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return kinerja.load(folder)


CLEAN = {
    "demo.kemampuan": {"pm_meningkat": 1794, "pm_dimonev": 2035, "pm_layanan": 5929},
    "demo.ikpa": {
        "revisi_dipa": Decimal("100.00"),
        "deviasi": Decimal("73.22"),
        "penyerapan": Decimal("71.44"),
        "kontraktual": Decimal("90.18"),
        "tagihan": Decimal("98.18"),
        "up_tup": Decimal("95.81"),
        "dispensasi": Decimal("90.00"),
        "capaian_output": Decimal("99.69"),
    },
    "demo.nka": {"smart": Decimal("93.17"), "ikpa": Decimal("89.45")},
    "demo.sdm": {"melapor": [2050, 2060, 2071], "ditugaskan": [2099, 2099, 2099]},
    "t.lower": {"a": Decimal("47.5"), "b": 3},
    "t.choose": {"a": 40, "b": Decimal("2.5")},
    "t.share": {"done": 45, "planned": 50},
    "t.refer": {"bonus": Decimal("2.5"), "kemampuan": Decimal("88.16")},
    "t.series": {"s": [1, 5, 2], "t": [Decimal("0.5"), 7, 2]},
    "t.pick": {"s": [1, 5], "t": [2, Decimal("3.5")]},
    "t.fold": {"a": Decimal("91.31"), "b": 7, "c": Decimal("1E+2")},
    "t.mixed": {"a": [3, 4, 8], "b": [1, Decimal(2), 7]},
    "t.points": {"p": [-3, 4, 8], "q": [Decimal("0.5"), 2, 7]},
}


def outcome(call: Any) -> tuple[Any, ...]:
    """A result as comparable text (repr shows each Decimal's exact form), or the error."""
    try:
        result = call()
    except Exception as exc:  # the general path's errors must be the kernel path's too
        return ("error", type(exc).__name__, str(exc))
    return ("ok", repr(result), result.to_dict())


class _NoKernels(dict):  # type: ignore[type-arg]
    """A kernel cache that has no kernel for any version."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: Any) -> None:
        return None


def general_path(catalog: kinerja.Catalog, ident: str, inputs: Any, year: int) -> Any:
    """The general path alone. ``_evaluate_inputs`` ends in ``_evaluate_entry``, which
    tries the kernel too (for ``Catalog.evaluate``); with no kernel cached there, it can't."""
    entry = catalog.compiled(ident, year)
    assert entry is not None
    saved = catalog._kernels
    catalog._kernels = _NoKernels()
    try:
        return catalog._evaluate_inputs(entry, inputs, year)
    finally:
        catalog._kernels = saved


def both_paths(catalog: kinerja.Catalog, ident: str, inputs: Any, year: int) -> None:
    fast = outcome(lambda: catalog.evaluate_indicator(ident, inputs, year=year))
    general = outcome(lambda: general_path(catalog, ident, inputs, year))
    assert fast == general, (ident, inputs, year)


def test_the_kernel_answers_clean_inputs_itself(catalog: kinerja.Catalog) -> None:
    for ident, inputs in CLEAN.items():
        for year in (2023, 2024, 2025):
            kernel = _kernel.kernel_for(catalog.compiled(ident, year), catalog.band_sets)  # type: ignore[arg-type]
            assert kernel is not None, ident
            answered = kernel(inputs, year)
            # Only a zero target, an out-of-band value or a warning leaves it to the
            # general path; none of these clean inputs has one in 2023.
            if year == 2023:
                assert answered is not None, (ident, year)
            expected = general_path(catalog, ident, inputs, year)
            if answered is not None:
                assert repr(answered) == repr(expected)
                assert answered == expected
                assert answered.to_dict() == expected.to_dict()


def test_the_demo_figures_come_from_the_kernel(catalog: kinerja.Catalog) -> None:
    results = {i: catalog.evaluate_indicator(i, CLEAN[i], year=2023) for i in CLEAN}
    assert str(results["demo.kemampuan"].value) == "88.16"
    assert str(results["demo.kemampuan"].achievement) == "110.20"
    assert results["demo.kemampuan"].sampling is not None
    assert results["demo.kemampuan"].sampling.ci95 is not None
    assert str(results["demo.ikpa"].value) == "89.45"
    assert str(results["demo.nka"].value) == "91.31"
    assert str(results["demo.nka"].achievement) == "101.46"
    assert results["demo.nka"].status == kinerja.Status.ABOVE


def test_a_chained_comparison_keeps_the_general_path(catalog: kinerja.Catalog) -> None:
    assert _kernel.kernel_for(catalog.compiled("t.chain", 2023), catalog.band_sets) is None  # type: ignore[arg-type]
    result = catalog.evaluate_indicator("t.chain", {"a": 5, "b": 1}, year=2023)
    assert str(result.value) == "5.00"


NUMBER = st.one_of(
    st.integers(-3, 3000),
    st.integers(-3, 3000),
    st.decimals(min_value=-5, max_value=5000, places=2, allow_nan=False),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            0,
            Decimal(0),
            Decimal("-0"),
            Decimal("2E+3"),
            Decimal("1.50"),
            Decimal("0.000"),
            10**MAX_INPUT_DIGITS - 1,
            10**MAX_INPUT_DIGITS,
            -(10**MAX_INPUT_DIGITS),
            0.1,
            float("nan"),
            "12.5",
            "1_000",
            "abc",
            True,
            None,
        ]
    ),
    st.floats(min_value=-10, max_value=1e4),
)
VALUE = st.one_of(NUMBER, NUMBER, st.lists(NUMBER, max_size=4), st.tuples(NUMBER, NUMBER))


@st.composite
def inputs_for(draw: st.DrawFn, catalog: kinerja.Catalog, ident: str) -> dict[str, Any]:
    """Mostly well-formed inputs with random values; now and then a key short or extra."""
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    inputs: dict[str, Any] = {}
    for name, spec in entry.definition.inputs.items():
        if spec.over is not None and draw(st.integers(0, 3)):
            inputs[name] = draw(st.lists(NUMBER, max_size=4))
        else:
            inputs[name] = draw(VALUE if draw(st.integers(0, 4)) == 0 else NUMBER)
    if inputs and draw(st.integers(0, 9)) == 0:
        inputs.pop(draw(st.sampled_from(sorted(inputs))))
    if draw(st.integers(0, 9)) == 0:
        inputs[draw(st.sampled_from(["extra", "pm_meningkat", "a"]))] = 1
    return inputs


@SETTINGS
@given(data=st.data())
def test_both_paths_agree_on_random_inputs(catalog: kinerja.Catalog, data: st.DataObject) -> None:
    ident = data.draw(st.sampled_from(sorted(CLEAN)))
    inputs = data.draw(inputs_for(catalog, ident))
    year = data.draw(st.sampled_from([2022, 2023, 2024, 2025]))
    both_paths(catalog, ident, inputs, year)


@SETTINGS
@given(data=st.data())
def test_both_paths_agree_near_the_edges(catalog: kinerja.Catalog, data: st.DataObject) -> None:
    """Small whole numbers: zero denominators, ties, over 100%, values outside the bands."""
    ident = data.draw(st.sampled_from(sorted(CLEAN)))
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    small = st.integers(-1, 6)
    inputs = {
        name: data.draw(st.lists(small, min_size=1, max_size=3) if spec.over else small)
        for name, spec in entry.definition.inputs.items()
    }
    both_paths(catalog, ident, inputs, data.draw(st.sampled_from([2023, 2024, 2025])))


def test_the_rehsos_set_agrees_on_its_own_figures() -> None:
    """Every shipped Rehsos indicator, fed small whole inputs, on both paths."""
    catalog = kinerja.load(ROOT / "indicators")
    used = 0
    for ident in catalog.ids:
        entry = catalog.compiled(ident, 2023)
        if entry is None:
            continue
        for base in (1, 7, 93):
            inputs = {
                name: [base, base + 1] if spec.over else base + index
                for index, (name, spec) in enumerate(entry.definition.inputs.items())
            }
            both_paths(catalog, ident, inputs, 2023)
            used += 1
    assert used > 30


# ------------------------------------------------------------------ the generated source


def kernel_sources(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The generated source of every indicator in ``folder``, by id."""
    texts: list[str] = []
    real_compile = compile

    def spy(source: Any, *args: Any, **kwargs: Any) -> Any:
        if args and args[0] == "<kinerja kernel>":
            texts.append(source)
        return real_compile(source, *args, **kwargs)

    monkeypatch.setattr(_kernel, "compile", spy, raising=False)
    catalog = kinerja.load(folder)
    sources = {}
    for ident in catalog.ids:
        entry = catalog.compiled(ident, 2023)
        if entry is not None and _kernel.kernel_for(entry, catalog.band_sets) is not None:
            sources[ident] = texts[-1]
    return sources


def test_generated_source_does_not_depend_on_definition_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming every id, name, label and input leaves the generated source unchanged."""
    plain, renamed = tmp_path / "plain", tmp_path / "renamed"
    for folder, words in (
        (plain, ("a", "b", "t.choose")),
        (renamed, ("os_system", "eval_me", "x.y_z")),
    ):
        folder.mkdir()
        text = textwrap.dedent(EXTRA["choose.toml"])
        text = re.sub(r"\ba\b", words[0], text)
        text = re.sub(r"\bb\b", words[1], text).replace("t.choose", words[2])
        text = text.replace("Conditions and functions", "'); __import__('os').system('x') #")
        (folder / "choose.toml").write_text(text, encoding="utf-8")
    first = kernel_sources(plain, monkeypatch)["t.choose"]
    second = kernel_sources(renamed, monkeypatch)["x.y_z"]
    assert first == second
    # No string literal at all, and only ASCII names.
    assert re.fullmatch(r"[A-Za-z0-9_ \n(){}\[\],.:*/<>=!+\-]+", first), first
    ast.parse(first)


def test_every_shipped_indicator_gets_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = kernel_sources(ROOT / "indicators", monkeypatch)
    catalog = kinerja.load(ROOT / "indicators")
    in_force = [i for i in catalog.ids if catalog.compiled(i, 2023) is not None]
    assert sorted(sources) == sorted(in_force)


def test_no_builtins_reach_the_generated_code() -> None:
    catalog = kinerja.load(ROOT / "examples" / "demo" / "indicators")
    entry = catalog.compiled("demo.nka", 2023)
    assert entry is not None
    kernel = _kernel.kernel_for(entry, catalog.band_sets)
    assert kernel is not None
    assert kernel.__globals__["__builtins__"] == {}


# ------------------------------------------------------------------ cheap construction


def test_the_twins_build_equal_frozen_objects() -> None:
    values = [f"v{i}" for i in range(len(fields(IndicatorResult)))]
    made = RESULT_DRAFT(*values)
    made.__class__ = IndicatorResult
    plain = IndicatorResult(*values)
    assert made == plain and repr(made) == repr(plain) and type(made) is IndicatorResult
    assert pickle.loads(pickle.dumps(made)) == plain
    with pytest.raises(FrozenInstanceError):
        made.value = None  # type: ignore[misc]
    drawn = SAMPLING_DRAFT(Decimal(5), Decimal(10), Decimal("0.5"), 2, Decimal("0.4"), 100, None)
    drawn.__class__ = SamplingResult
    expected = SamplingResult(Decimal(5), Decimal(10), Decimal("0.5"), 2, Decimal("0.4"), 100)
    assert drawn == expected and drawn.ci95 == expected.ci95
    with pytest.raises(FrozenInstanceError):
        drawn.note = "x"  # type: ignore[misc]


def _digits_reference(value: Decimal) -> int:
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return max(len(digits) + exponent, 1) + max(-exponent, 0)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(value=st.decimals(allow_nan=False, allow_infinity=False))
def test_written_out_digits_counts_the_plain_form(value: Decimal) -> None:
    assert written_out_digits(value) == _digits_reference(value)
    assert written_out_digits(value) == len(format(value, "f").lstrip("-").replace(".", ""))


# ------------------------------------------------------------------ Catalog.evaluate


def every_result(history: dict[int, kinerja.Results]) -> list[tuple[Any, ...]]:
    return [(r.year, repr(r), r.to_dict()) for year in history.values() for r in year]


def test_catalog_evaluate_gives_the_same_years_with_and_without_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shipped examples, every year with history (carry-forward, references)."""
    cases = [
        (ROOT / "examples" / "demo" / "indicators", ROOT / "examples" / "demo" / "data-2023.toml"),
        (ROOT / "indicators", ROOT / "examples" / "rehsos-2023" / "data"),
    ]
    for folder, data in cases:
        years = kinerja.load_years(data) if data.is_dir() else [kinerja.load_data(data)]
        fast = kinerja.load(folder)
        with_kernels = every_result(fast.evaluate_years(years))
        assert any(k is not None for k in fast._kernels.values()), folder
        # Count who answers: the kernels must answer for clean ungrouped indicators,
        # references included, or agreement below would prove nothing.
        answered: dict[str, int] = {}

        def counting(ident: str, kernel: Any, tally: dict[str, int]) -> Any:
            def call(inputs: Any, year: int) -> Any:
                result = kernel(inputs, year)
                tally[ident] = tally.get(ident, 0) + (result is not None)
                return result

            return call

        for entry, kernel in list(fast._kernels.items()):
            if kernel is not None:
                fast._kernels[entry] = counting(entry.id, kernel, answered)
        assert every_result(fast.evaluate_years(years)) == with_kernels
        if folder.name == "indicators" and folder.parent.name == "demo":
            assert answered.get("demo.nka") and answered.get("demo.ikpa"), answered
        assert sum(answered.values()) >= 3, answered
        with monkeypatch.context() as patched:
            patched.setattr("kinerja._catalog.kernel_for", lambda entry, band_sets: None)
            general = kinerja.load(folder)
            without = every_result(general.evaluate_years(years))
            assert all(k is None for k in general._kernels.values())
        assert with_kernels == without


@SETTINGS
@given(data=st.data())
def test_catalog_evaluate_agrees_with_the_general_path_on_random_data(
    catalog: kinerja.Catalog, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {ident: data.draw(clean_inputs_for(catalog, ident)) for ident in sorted(CLEAN)}
    for ident in ("demo.nka", "t.refer"):
        # References come from the referenced indicator's published value.
        values[ident].pop("ikpa" if ident == "demo.nka" else "kemampuan", None)
    year = data.draw(st.sampled_from([2023, 2024, 2025]))
    fast = outcome_of(lambda: catalog.evaluate(values, year=year))
    with monkeypatch.context() as patched:
        patched.setattr(catalog, "_kernels", _NoKernels())
        general = outcome_of(lambda: catalog.evaluate(values, year=year))
    assert fast == general


@st.composite
def clean_inputs_for(draw: st.DrawFn, catalog: kinerja.Catalog, ident: str) -> dict[str, Any]:
    """Inputs that fit the definitions: the data checks pass and the kernel can answer."""
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    number = st.one_of(
        st.integers(0, 5000), st.decimals(min_value=0, max_value=200, places=2), st.just(0)
    )
    return {
        name: draw(st.lists(st.integers(0, 60), min_size=1, max_size=3) if spec.over else number)
        for name, spec in entry.definition.inputs.items()
    }


def outcome_of(call: Any) -> tuple[Any, ...]:
    try:
        results = call()
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("ok", [repr(r) for r in results], results.to_dict())


@pytest.mark.parametrize(
    "bad",
    [
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1E+100"),
        Decimal(10**45),  # 46 digits, exponent 0
        Decimal("1." + "0" * 50),  # 51 digits written out
    ],
)
def test_a_decimal_that_is_not_a_finite_45_digit_number_is_a_data_error(
    catalog: kinerja.Catalog, bad: Decimal
) -> None:
    """Decimals are held to the rule every other number follows, on both paths."""
    for ident, name in (("demo.kemampuan", "pm_meningkat"), ("demo.nka", "smart")):
        inputs = {**CLEAN[ident], name: bad}
        with pytest.raises(kinerja.DataError) as raised:
            catalog.evaluate_indicator(ident, inputs, year=2023)
        assert name in str(raised.value)
        both_paths(catalog, ident, inputs, 2023)
    formula = kinerja.compile_formula("a * 2", names=["a"])
    with pytest.raises(kinerja.EvaluationError):
        formula.evaluate({"a": bad})


@pytest.mark.parametrize("good", [Decimal(2035), Decimal("2035.00"), Decimal("2.035E+3")])
def test_a_whole_decimal_count_in_any_notation_is_read(
    catalog: kinerja.Catalog, good: Decimal
) -> None:
    inputs = {**CLEAN["demo.kemampuan"], "pm_dimonev": good}
    assert str(catalog.evaluate_indicator("demo.kemampuan", inputs, year=2023).value) == "88.16"
    both_paths(catalog, "demo.kemampuan", inputs, 2023)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(value=st.decimals(allow_nan=False, allow_infinity=False))
def test_the_kernels_short_number_test_never_lets_a_long_number_through(value: Decimal) -> None:
    scope = {"DIGITS": MAX_INPUT_DIGITS, "str": str, "len": len, "x": value}
    if eval(_kernel._SHORT.format(arg="x"), scope):  # the template's own text
        assert written_out_digits(value) <= MAX_INPUT_DIGITS


def test_evaluate_indicator_remembers_a_bounded_number_of_years() -> None:
    catalog = kinerja.load(ROOT / "examples" / "demo" / "indicators")
    for year in range(1, 5000):  # demo.nka has no end year: every year is in force
        catalog.evaluate_indicator("demo.nka", CLEAN["demo.nka"], year=year)
    assert 0 < len(catalog._one_call) <= 4096
    assert len(catalog._kernels) == 1


# Series whose elements share one type take the kernels' fast reading (C loops); these
# draw such series, clean and not, whole and not, at and past the size limit.
UNIFORM_SERIES = st.one_of(
    st.lists(st.integers(-2, 10**6), max_size=13),
    st.lists(st.sampled_from([0, 7, 10**MAX_INPUT_DIGITS - 1, 10**MAX_INPUT_DIGITS]), max_size=4),
    st.lists(st.integers(0, 10**6).map(Decimal), max_size=13),
    st.lists(st.decimals(allow_nan=True, allow_infinity=True), max_size=4),
    st.lists(st.decimals(min_value=-5, max_value=5000, places=3, allow_nan=False), max_size=4),
    st.lists(
        st.sampled_from(
            [
                Decimal(3),
                Decimal("-0"),
                Decimal("2E+3"),
                Decimal("1.50"),
                Decimal("-1"),
                Decimal(10**MAX_INPUT_DIGITS - 1),
                Decimal(10**MAX_INPUT_DIGITS),
                Decimal("1E-7"),
                Decimal("0.000001"),
                Decimal("1." + "0" * 50),
                Decimal("sNaN"),
            ]
        ),
        max_size=4,
    ),
)


@SETTINGS
@given(data=st.data())
def test_both_paths_agree_on_series_of_one_type(
    catalog: kinerja.Catalog, data: st.DataObject
) -> None:
    ident = data.draw(st.sampled_from(["demo.sdm", "t.series", "t.pick", "t.mixed", "t.points"]))
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    inputs = {}
    for name in entry.definition.inputs:
        values = data.draw(UNIFORM_SERIES)
        inputs[name] = tuple(values) if data.draw(st.booleans()) else values
    both_paths(catalog, ident, inputs, 2023)


@pytest.mark.parametrize("ident", ["demo.sdm", "t.series", "t.pick", "t.mixed", "t.points"])
@pytest.mark.parametrize("kind", [list, tuple])
@pytest.mark.parametrize("number", [int, Decimal])
def test_clean_series_of_one_type_are_answered_by_the_kernel(
    catalog: kinerja.Catalog, ident: str, kind: type, number: type
) -> None:
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    kernel = _kernel.kernel_for(entry, catalog.band_sets)
    assert kernel is not None
    months = 12
    inputs = {
        name: kind(number(2040 + (index * 7 + month * 3) % 40) for month in range(months))
        for index, name in enumerate(entry.definition.inputs)
    }
    answered = kernel(inputs, 2023)
    assert answered is not None
    assert repr(answered) == repr(general_path(catalog, ident, inputs, 2023))


SERIES_READ_AS_DECIMALS = {
    "demo.sdm": set(),
    "t.series": {"s", "t"},
    "t.pick": {"s", "t"},
    "t.mixed": {"a"},
    "t.points": set(),
}


def test_a_series_of_ints_stays_ints_only_where_the_contexts_methods_read_it(
    catalog: kinerja.Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sum, mean and element-wise + - * / take ints as they are; a table function (max,
    where, a comparison, unary minus) is written for Decimals and gets them."""
    for name in ("series.toml", "pick.toml", "mixed.toml", "points.toml"):
        (tmp_path / name).write_text(textwrap.dedent(EXTRA[name]), encoding="utf-8")
    shutil.copytree(ROOT / "examples" / "demo" / "indicators", tmp_path / "demo")
    sources = kernel_sources(tmp_path, monkeypatch)
    for ident, as_decimals in SERIES_READ_AS_DECIMALS.items():
        entry = catalog.compiled(ident, 2023)
        assert entry is not None
        arguments = {name: f"v{i}" for i, name in enumerate(entry.definition.inputs)}
        source = _kernel._Source(arguments, frozenset(arguments))
        source.emit(entry.formula.tree)
        assert source.decimal_series == as_decimals, ident
        text = sources[ident]
        # A count series converts itself; another asks exact_series to convert or not.
        converted = set(re.findall(r"(v\d+) = tuple\(map\(Decimal, \1\)\)", text))
        converted |= set(re.findall(r"exact_series\((v\d+), keep_ints=False\)", text))
        kept = set(re.findall(r"exact_series\((v\d+), keep_ints=True\)", text))
        assert not converted & kept, ident
        assert converted == {arguments[name] for name in as_decimals}, ident


D = Decimal
LONG = 10**MAX_INPUT_DIGITS  # 46 digits: one too many


SERIES_EDGES = [
    ("demo.sdm", [2050, -1]),
    ("demo.sdm", [D(2050), D(-1)]),
    ("demo.sdm", [D(2050), D("-0")]),
    ("demo.sdm", [D(2050), D(LONG)]),
    ("demo.sdm", [D(2050), D(LONG - 1)]),
    ("demo.sdm", [LONG, 1]),
    ("demo.sdm", [LONG - 1, 1]),
    ("demo.sdm", [D("2E+3"), D(5)]),
    ("demo.sdm", [D("2050.0"), D(1)]),
    ("demo.sdm", [D("2050.5"), D(1)]),
    ("demo.sdm", [D("NaN"), D(1)]),
    ("demo.sdm", [D("sNaN"), D(1)]),
    ("demo.sdm", [D("Infinity"), D(1)]),
    ("demo.sdm", [True, 1]),
    ("demo.sdm", [2050, D(1)]),
    ("demo.sdm", [2050.0, 1.0]),
    ("demo.sdm", []),
    ("demo.sdm", [2050, 2051, 2052]),  # one longer than the other input
    ("t.series", [D("1." + "0" * 50), D(1)]),
    ("t.series", [D("1E-7"), D(1)]),
    ("t.series", [D("1E-6"), D(1)]),
    ("t.series", [D("-" + "9" * 45), D(1)]),
    ("t.series", [D("-" + "9" * 46), D(1)]),
    ("t.series", [D("9" * 44 + ".5"), D(1)]),
    ("t.series", [-LONG, 1]),
    ("t.series", [-LONG + 1, 1]),
    ("t.series", [LONG, 1]),
    ("t.series", [D("NaN"), D(1)]),
    ("t.series", [D("-Infinity"), D(1)]),
    ("t.series", [D("-2.5"), D("0.125")]),
    ("t.series", [1.5, 2.5]),
    ("t.series", ["12", "1"]),
    ("t.series", [3, 4, 5]),
    ("t.series", [D("1." + "1" * 38 + "E-7"), D(1)]),  # 43 characters, 46 digits
    ("t.series", [D("1." + "1" * 37 + "E-6"), D(1)]),  # 45 characters, 44 digits
    ("t.series", [D("1E+50"), D(1)]),  # 5 characters, 51 digits
    ("t.series", [D("1E+44"), D(1)]),  # 45 digits
    ("t.pick", [D("Infinity"), D(1)]),  # where() picks the finite side
    ("t.pick", [D(1), D("-Infinity")]),
    ("t.pick", [D("NaN"), D(1)]),
]


@pytest.mark.parametrize(("ident", "series"), SERIES_EDGES)
def test_both_paths_agree_on_each_edge_of_the_series_reading(
    catalog: kinerja.Catalog, ident: str, series: list[Any]
) -> None:
    entry = catalog.compiled(ident, 2023)
    assert entry is not None
    first, *others = entry.definition.inputs
    clean = [D(2099), D(2098)]
    for shape in (list, tuple):
        inputs = {first: shape(series), **{name: shape(clean) for name in others}}
        both_paths(catalog, ident, inputs, 2023)


@pytest.mark.parametrize("values", [series for _, series in SERIES_EDGES], ids=repr)
def test_formula_evaluate_reads_a_series_in_bulk_as_value_by_value(values: list[Any]) -> None:
    """Formula.evaluate's bulk reading (exact_series) gives what the per-value one gives."""
    for text in ("s", "sum(s)", "max(s)"):  # "s" returns the values as read
        formula = kinerja.compile_formula(text, names={"s": "bulan"})

        def read(bulk: Any, formula: kinerja.Formula = formula) -> tuple[Any, ...]:
            with pytest.MonkeyPatch.context() as patched:
                patched.setattr("kinerja._formula.exact_series", bulk)
                return outcome_value(lambda: formula.evaluate({"s": values}))

        assert read(exact_series) == read(lambda values: None), text


def outcome_value(call: Any) -> tuple[Any, ...]:
    try:
        return ("ok", repr(call()))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


@SETTINGS
@given(
    served=st.lists(st.integers(0, 500), min_size=4, max_size=4),
    extra=st.lists(st.integers(0, 500), min_size=4, max_size=4),
    on_time=st.lists(st.integers(0, 8), min_size=4, max_size=4),
    year=st.sampled_from([2022, 2023, 2024, 2025]),
)
def test_a_composite_of_references_only_is_answered_by_its_kernel(
    served: list[int], extra: list[int], on_time: list[int], year: int
) -> None:
    # spm.indeks and spm.kesenjangan have no input of their own: every input is another
    # indicator's published value (Catalog.evaluate and the frames' settlement pass no
    # group of inputs for them). Their kernels answer, and agree with the general path.
    catalog = kinerja.load(ROOT / "examples" / "spm" / "indicators")
    kinds = ("anak", "disabilitas", "gepeng", "lansia")
    ratio = {
        kind: {"terlayani": s, "sasaran": s + e}
        for kind, s, e in zip(kinds, served, extra, strict=True)
        if s + e
    }
    values = {
        "spm.kabkota": ratio,
        "spm.provinsi": ratio,
        "spm.pelaporan": {"tepat_waktu": on_time, "wajib_lapor": [8, 8, 8, 8]},
    }
    answered: dict[str, int] = {}
    for entry in [catalog.compiled(i, year) for i in ("spm.indeks", "spm.kesenjangan")]:
        assert entry is not None
        kernel = catalog._kernel_of(entry)
        assert kernel is not None

        def counting(inputs: Any, year: int, kernel: Any = kernel, ident: str = entry.id) -> Any:
            result = kernel(inputs, year)
            answered[ident] = answered.get(ident, 0) + (result is not None)
            return result

        catalog._kernels[entry] = counting
    fast = outcome_of(lambda: catalog.evaluate(values, year=year))
    general = kinerja.load(ROOT / "examples" / "spm" / "indicators")
    general._kernels = _NoKernels()
    assert fast == outcome_of(lambda: general.evaluate(values, year=year))
    if ratio:  # with no data at all, there is no value to compose
        assert answered.get("spm.kesenjangan"), answered
