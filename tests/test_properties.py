"""Property-based tests (Hypothesis) of the exact arithmetic, units, bands and the checker.

Every property is compared against an obviously-correct reference: ``fractions.Fraction``
with an explicit half-up rule, a slow loop, or a tiny dimension calculator. Known bugs in
``src/`` are pinned by ``xfail(strict=True)`` tests with a minimal example, so that they
fail loudly (XPASS) once fixed.
"""

from __future__ import annotations

import ast
import decimal
import math
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import kinerja
from kinerja._bands import band_problems, classify
from kinerja._functions import FUNCTIONS

# Derandomized: the same examples on every run, so the suite cannot flake.
FAST = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SLOW = settings(FAST, max_examples=40)

YEAR = 2023


# ------------------------------------------------------------------ references


def half_up(value: Fraction, decimals: int) -> Decimal:
    """Round an exact fraction half away from zero; the result as an exact Decimal."""
    scaled = abs(value) * 10**decimals
    whole = math.floor(scaled + Fraction(1, 2))
    if value < 0:
        whole = -whole
    return Decimal(f"{whole}E-{decimals}")


def dec(units: int, decimals: int) -> Decimal:
    """``units * 10**-decimals`` as an exact Decimal (built from text)."""
    return Decimal(f"{units}E-{decimals}")


def assert_published(value: Decimal, reference: Fraction, decimals: int = 2) -> None:
    expected = half_up(reference, decimals)
    assert value == expected, (value, expected, reference)
    assert value.as_tuple().exponent == -decimals, value


def assert_close(value: Decimal, reference: Fraction) -> None:
    """The 60-digit result is within a few units of its last place of the exact value."""
    bound = abs(reference) * Fraction(1, 10**57) + Fraction(1, 10**57)
    assert abs(Fraction(value) - reference) <= bound, (value, reference)


# ------------------------------------------------------------------ catalog on disk

RATIO_TOML = """
id = "p.ratio"
name = "ratio"
unit = "percent"
decimals = 2

[formula]
numerator = "num"
denominator = "den"
factor = 100

[inputs]
num = { unit = "person" }
den = { unit = "person" }
"""

GROUPS_TOML = """
id = "p.groups"
name = "ratio of sums"
unit = "percent"
decimals = 2

[formula]
numerator = "num"
denominator = "den"
factor = 100

[inputs]
num = { unit = "person" }
den = { unit = "person" }

[disaggregation]
dimension = "kluster"
"""

WEIGHTS = {"w_a": 10, "w_b": 10, "w_c": 20, "w_d": 10, "w_e": 5, "w_f": 25}

WEIGHTS_TOML = (
    'id = "p.weights"\nname = "weighted"\nunit = "point"\ndecimals = 2\n\n[formula]\nweights = { '
    + ", ".join(f"{k} = {w}" for k, w in WEIGHTS.items())
    + " }\n\n[inputs]\n"
    + "".join(f'{k} = {{ unit = "point" }}\n' for k in WEIGHTS)
)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> kinerja.Catalog:
    folder = tmp_path_factory.mktemp("property-catalog")
    (folder / "ratio.toml").write_text(RATIO_TOML, encoding="utf-8")
    (folder / "groups.toml").write_text(GROUPS_TOML, encoding="utf-8")
    (folder / "weights.toml").write_text(WEIGHTS_TOML, encoding="utf-8")
    return kinerja.load(folder)


RATIO = kinerja.compile_formula("num / den * 100", ["num", "den"])

# ------------------------------------------------------------------ 1. half-up rounding


@st.composite
def fractions_of_whole(draw: st.DrawFn, top: int = 10**40) -> tuple[int, int]:
    """0 <= num <= den, den >= 1: small, medium and large denominators."""
    den = draw(
        st.one_of(
            st.integers(1, 1000),
            st.integers(1, 10**9),
            st.integers(1, top),
            # denominators with ties (x.xx5) at 2 decimals: 100/32 = 3.125, 100/20000 = 0.005
            st.sampled_from([32, 160, 800, 4000, 20000, 2 * 10**34]),
        )
    )
    num = draw(
        st.one_of(st.integers(0, den), st.sampled_from([0, den, den // 2, den // 10**4 or 1]))
    )
    return num, den


@FAST
@given(pair=fractions_of_whole())
@example(pair=(1, 32)).via("tie: 3.125 -> 3.13")
@example(pair=(1, 20000)).via("tie: 0.005 -> 0.01")
@example(pair=(10**30, 2 * 10**34)).via("tie with large values: 0.005 -> 0.01")
@example(pair=(1, 40000)).via("0.0025 -> 0.00")
@example(pair=(1794, 2035)).via("demo: 88.16")
def test_ratio_rounds_half_up_exactly(pair: tuple[int, int]) -> None:
    num, den = pair
    value = RATIO.evaluate({"num": num, "den": den}, decimals=2)
    assert isinstance(value, Decimal)
    assert_published(value, Fraction(num, den) * 100)


def test_ratio_rounds_half_up_for_every_small_pair() -> None:
    # The slow loop: every pair 0 <= num <= den <= 200, against exact integer arithmetic.
    for den in range(1, 201):
        for num in range(den + 1):
            value = RATIO.evaluate({"num": num, "den": den}, decimals=2)
            whole = (2 * num * 10_000 + den) // (2 * den)  # floor(num/den*10^4 + 1/2)
            assert value == dec(whole, 2), (num, den, value)


@FAST
@given(pair=fractions_of_whole())
@example(pair=(1, 32))
@example(pair=(10**30, 2 * 10**34))
def test_catalog_ratio_rounds_half_up_exactly(
    catalog: kinerja.Catalog, pair: tuple[int, int]
) -> None:
    num, den = pair
    result = catalog.evaluate_indicator("p.ratio", {"num": num, "den": den}, year=YEAR)
    assert result.value is not None and result.exact is not None
    assert_published(result.value, Fraction(num, den) * 100)
    assert_close(result.exact, Fraction(num, den) * 100)
    # the same through catalog.evaluate on a mapping
    whole = catalog.evaluate({"p.ratio": {"num": num, "den": den}}, year=YEAR)["p.ratio"]
    assert whole.value == result.value and whole.exact == result.exact


def test_inputs_longer_than_exact_rounding_allows_are_refused() -> None:
    # With inputs of at most 45 digits, 60 significant digits settle every rounding to up
    # to 10 decimals exactly; longer inputs could round a value just below a tie up to it.
    num, den = 10**66 - 1, 2 * 10**70  # num/den*100 = 0.005 - 5e-69, half-up -> 0.00
    assert half_up(Fraction(num, den) * 100, 2) == Decimal("0.00")
    with pytest.raises(kinerja.EvaluationError, match="45 digits"):
        RATIO.evaluate({"num": num, "den": den}, decimals=2)


# ------------------------------------------------------------------ 2. ratio of sums


@st.composite
def group_parts(draw: st.DrawFn) -> list[tuple[int, int]]:
    count = draw(st.integers(1, 6))
    top = draw(st.sampled_from([100, 10**6, 10**12, 10**40]))
    parts = []
    for _ in range(count):
        den = draw(st.integers(1, top))
        num = draw(st.integers(0, 2 * den))
        parts.append((num, den))
    return parts


@FAST
@given(parts=group_parts())
@example(parts=[(1794, 2035), (1939, 2229)]).via("the demo: 87.55")
def test_group_total_is_ratio_of_sums_between_the_groups(
    catalog: kinerja.Catalog, parts: list[tuple[int, int]]
) -> None:
    data = {"p.groups": {f"g{i}": {"num": n, "den": d} for i, (n, d) in enumerate(parts)}}
    result = catalog.evaluate(data, year=YEAR)["p.groups"]
    assert result.exact is not None and result.value is not None
    groups = [result.groups[f"g{i}"] for i in range(len(parts))]
    exacts = [g.exact for g in groups]
    assert all(e is not None for e in exacts)
    low = min(e for e in exacts if e is not None)
    high = max(e for e in exacts if e is not None)
    assert low <= result.exact <= high
    total = Fraction(sum(n for n, _ in parts), sum(d for _, d in parts)) * 100
    assert_published(result.value, total)
    assert_close(result.exact, total)
    for group, (n, d) in zip(groups, parts, strict=True):
        assert group.value is not None
        assert_published(group.value, Fraction(n, d) * 100)


def test_group_total_does_not_depend_on_the_callers_decimal_context(
    catalog: kinerja.Catalog,
) -> None:
    data = {"p.groups": {"x": {"num": 12345, "den": 23456}, "y": {"num": 11111, "den": 22222}}}
    expected = catalog.evaluate(data, year=YEAR)["p.groups"].exact
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        found = catalog.evaluate(data, year=YEAR)["p.groups"].exact
    assert found == expected


# ------------------------------------------------------------------ 3. scaling invariance


@FAST
@given(
    num=st.integers(0, 10**15),
    den=st.integers(1, 10**15),
    scale=st.one_of(st.integers(1, 1000), st.integers(1, 10**20)),
)
def test_ratio_is_invariant_when_both_parts_are_scaled(
    catalog: kinerja.Catalog, num: int, den: int, scale: int
) -> None:
    plain = RATIO.evaluate({"num": num, "den": den})
    scaled = RATIO.evaluate({"num": num * scale, "den": den * scale})
    assert plain == scaled
    assert RATIO.evaluate({"num": num * scale, "den": den * scale}, decimals=2) == half_up(
        Fraction(num, den) * 100, 2
    )
    one = catalog.evaluate_indicator("p.ratio", {"num": num, "den": den}, year=YEAR)
    many = catalog.evaluate_indicator(
        "p.ratio", {"num": num * scale, "den": den * scale}, year=YEAR
    )
    assert one.exact == many.exact == plain
    assert one.value == many.value


# ------------------------------------------------------------------ 4. achievement

# Realisations and targets with up to 4 decimals; targets include "nice" ones (2^a 5^b)
# whose ratios terminate, where the result must equal the reference exactly.
realisations = st.integers(-(10**10), 10**10).map(lambda u: dec(u, 4))
positive = st.one_of(
    st.integers(1, 10**10).map(lambda u: dec(u, 4)),
    st.sampled_from([1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 90, 100, 125, 250]).map(Decimal),
)


def achievement_reference(value: Fraction, target: Any, polarity: str) -> Fraction | None:
    if isinstance(target, kinerja.RangeTarget):
        low, high = Fraction(target.min), Fraction(target.max)
        if low <= value <= high:
            return Fraction(100)
        if value < low:
            return None if low == 0 else value / low * 100
        return None if high == 0 else (2 - value / high) * 100
    goal = Fraction(target)
    if goal == 0:
        return None
    if polarity == "lower_is_better":
        return (2 - value / goal) * 100
    return value / goal * 100


def terminates_shortly(value: Fraction) -> bool:
    return 10**24 % value.denominator == 0 and abs(value) < 10**30


def check_against_reference(value: Decimal, target: Any, polarity: str) -> Decimal | None:
    found = kinerja.achievement(value, target, polarity)  # type: ignore[arg-type]
    reference = achievement_reference(Fraction(value), target, polarity)
    if reference is None:
        assert found is None
        return None
    assert found is not None
    assert_close(found, reference)
    assert kinerja.round_half_up(found, 2) == half_up(reference, 2)
    if terminates_shortly(reference):
        assert Fraction(found) == reference
    return found


@FAST
@given(
    values=st.lists(realisations, min_size=2, max_size=2),
    target=positive,
    polarity=st.sampled_from(["higher_is_better", "lower_is_better"]),
)
@example(
    values=[Decimal("91.31"), Decimal("91.32")], target=Decimal(90), polarity="higher_is_better"
)
@example(values=[Decimal(0), Decimal(3)], target=Decimal(4), polarity="lower_is_better")
def test_achievement_is_monotonic_and_exact(
    values: list[Decimal], target: Decimal, polarity: str
) -> None:
    low, high = sorted(values)
    first = check_against_reference(low, target, polarity)
    second = check_against_reference(high, target, polarity)
    assert first is not None and second is not None
    if polarity == "higher_is_better":
        assert first <= second
    else:
        assert first >= second


@st.composite
def range_targets(draw: st.DrawFn) -> kinerja.RangeTarget:
    low = draw(positive)
    width = draw(st.one_of(st.just(0), st.integers(0, 10**8)))
    return kinerja.RangeTarget(min=low, max=low + dec(width, 4))


@FAST
@given(values=st.lists(realisations, min_size=2, max_size=2), target=range_targets())
@example(
    values=[Decimal("9.99"), Decimal("10")],
    target=kinerja.RangeTarget(min=Decimal(10), max=Decimal(20)),
)
@example(
    values=[Decimal(20), Decimal("20.01")],
    target=kinerja.RangeTarget(min=Decimal(10), max=Decimal(20)),
)
def test_range_achievement_rises_to_100_inside_and_falls_after(
    values: list[Decimal], target: kinerja.RangeTarget
) -> None:
    low, high = sorted(values)
    first = check_against_reference(low, target, "higher_is_better")
    second = check_against_reference(high, target, "higher_is_better")
    assert first is not None and second is not None
    for value, found in ((low, first), (high, second)):
        if target.min <= value <= target.max:
            assert found == 100
        else:
            assert found <= 100
    # rising up to the range, 100 inside it, falling after it
    if high <= target.max:
        assert first <= second
    if low >= target.min:
        assert first >= second


@FAST
@given(value=realisations, polarity=st.sampled_from(["higher_is_better", "lower_is_better"]))
def test_achievement_has_no_value_for_a_zero_target(value: Decimal, polarity: str) -> None:
    assert kinerja.achievement(value, Decimal(0), polarity) is None  # type: ignore[arg-type]
    zero_range = kinerja.RangeTarget(min=Decimal(0), max=Decimal(0))
    found = kinerja.achievement(value, zero_range, polarity)  # type: ignore[arg-type]
    assert found == (100 if value == 0 else None)


# ------------------------------------------------------------------ 5. weighted mean

weights_st = st.one_of(
    st.integers(1, 100).map(Decimal), st.integers(1, 10**6).map(lambda u: dec(u, 2))
)
scores = st.integers(0, 10**6).map(lambda u: dec(u, 4))


def weighted_text(order: Sequence[int], weights: Sequence[Decimal]) -> str:
    """The text the loader builds for the weights form, for components in ``order``."""
    total = sum(weights, Decimal(0))
    return "(" + " + ".join(f"{weights[i]} * x{i}" for i in order) + f") / {total}"


@SLOW
@given(
    data=st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(weights_st, min_size=n, max_size=n),
            st.lists(scores, min_size=n, max_size=n),
            st.permutations(range(n)),
        )
    ),
    scale=st.integers(2, 10**6),
)
def test_weighted_mean_bounds_permutation_and_scaling(
    data: tuple[list[Decimal], list[Decimal], list[int]], scale: int
) -> None:
    weights, values, order = data
    n = len(weights)
    names = [f"x{i}" for i in range(n)]
    inputs = dict(zip(names, values, strict=True))
    reference = sum(
        (Fraction(w) * Fraction(v) for w, v in zip(weights, values, strict=True)), Fraction(0)
    ) / sum((Fraction(w) for w in weights), Fraction(0))

    # the loader's text form
    base = kinerja.compile_formula(weighted_text(range(n), weights), names).evaluate(inputs)
    assert isinstance(base, Decimal)
    assert min(values) <= base <= max(values)
    assert_close(base, reference)
    permuted = kinerja.compile_formula(weighted_text(order, weights), names).evaluate(inputs)
    assert permuted == base
    scaled_weights = [w * scale for w in weights]
    scaled = kinerja.compile_formula(weighted_text(range(n), scaled_weights), names).evaluate(
        inputs
    )
    assert scaled == base

    # sum(w * x) / sum(w) over series
    series = kinerja.compile_formula("sum(w * x) / sum(w)", {"w": "k", "x": "k"})
    value = series.evaluate({"w": weights, "x": values})
    assert value == base
    assert (
        series.evaluate({"w": [weights[i] for i in order], "x": [values[i] for i in order]}) == base
    )
    assert series.evaluate({"w": scaled_weights, "x": values}) == base
    assert series.evaluate({"w": weights, "x": values}, decimals=2) == half_up(reference, 2)


@FAST
@given(values=st.lists(scores, min_size=len(WEIGHTS), max_size=len(WEIGHTS)))
def test_catalog_weighted_mean_lies_between_its_components(
    catalog: kinerja.Catalog, values: list[Decimal]
) -> None:
    inputs = dict(zip(WEIGHTS, values, strict=True))
    result = catalog.evaluate_indicator("p.weights", inputs, year=YEAR)
    assert result.exact is not None and result.value is not None
    assert min(values) <= result.exact <= max(values)
    reference = sum(
        (Fraction(WEIGHTS[k]) * Fraction(v) for k, v in inputs.items()), Fraction(0)
    ) / sum(WEIGHTS.values())
    assert_close(result.exact, reference)
    assert_published(result.value, reference)


def test_weights_form_accepts_many_components(tmp_path: Path) -> None:
    count = 40
    text = (
        'id = "p.many"\nname = "many"\nunit = "point"\n\n[formula]\nweights = { '
        + ", ".join(f"x{i} = 1" for i in range(count))
        + " }\n\n[inputs]\n"
        + "".join(f'x{i} = {{ unit = "point" }}\n' for i in range(count))
    )
    (tmp_path / "many.toml").write_text(text, encoding="utf-8")
    catalog = kinerja.load(tmp_path)
    result = catalog.evaluate_indicator("p.many", {f"x{i}": i for i in range(count)}, year=YEAR)
    assert result.exact == Decimal("19.5")


# ------------------------------------------------------------------ 6. bands


def band_set(decimals: int, bands: Sequence[tuple[str, int, int]]) -> kinerja.BandSet:
    return kinerja.BandSet.model_validate(
        {
            "kind": "bands",
            "id": "p.bands",
            "name": "generated",
            "decimals": decimals,
            "bands": [
                {
                    "label": label,
                    "name": f"name {label}",
                    "min": dec(lo, decimals),
                    "max": dec(hi, decimals),
                }
                for label, lo, hi in bands
            ],
        }
    )


@st.composite
def contiguous_bands(draw: st.DrawFn, min_bands: int = 1) -> tuple[int, list[tuple[str, int, int]]]:
    """Bands as (label, min, max) in resolution units; band i+1 starts one unit after band i."""
    decimals = draw(st.integers(0, 2))
    start = draw(st.integers(-10_000, 10_000))
    widths = draw(st.lists(st.integers(1, 5_000), min_size=min_bands, max_size=6))
    bands = []
    low = start
    for index, width in enumerate(widths):
        bands.append((f"L{index}", low, low + width - 1))
        low += width
    return decimals, bands


@FAST
@given(data=st.data(), generated=contiguous_bands())
def test_every_value_in_range_falls_in_exactly_one_band(
    data: st.DataObject, generated: tuple[int, list[tuple[str, int, int]]]
) -> None:
    decimals, bands = generated
    shuffled = data.draw(st.permutations(bands))
    bs = band_set(decimals, shuffled)
    assert band_problems(bs) == []
    first, last = bands[0][1], bands[-1][2]
    edges = [u for _, lo, hi in bands for u in (lo, hi)]
    units = data.draw(
        st.lists(
            st.one_of(st.integers(first, last), st.sampled_from(edges)), min_size=1, max_size=20
        )
    )
    for unit in units:
        value = dec(unit, decimals)
        holding = [b for b in bs.bands if b.min <= value <= b.max]
        assert len(holding) == 1, (value, holding)
        assert classify(bs, value) == holding[0]
        expected = next(label for label, lo, hi in bands if lo <= unit <= hi)
        assert holding[0].label == expected
    assert classify(bs, dec(first - 1, decimals)) is None
    assert classify(bs, dec(last + 1, decimals)) is None


@FAST
@given(data=st.data(), generated=contiguous_bands(min_bands=2), gap=st.booleans())
def test_a_gap_or_overlap_is_reported_naming_both_bands(
    data: st.DataObject, generated: tuple[int, list[tuple[str, int, int]]], gap: bool
) -> None:
    decimals, bands = generated
    index = data.draw(st.integers(0, len(bands) - 2))
    label, lo, hi = bands[index]
    next_label, next_lo, next_hi = bands[index + 1]
    if gap:
        # lower this band's max: the values between it and the next band fall in no band
        assume(hi > lo)
        shift = data.draw(st.integers(1, hi - lo))
        bands[index] = (label, lo, hi - shift)
    else:
        # lower the next band's min into this band (touching bounds overlap: inclusive)
        shift = data.draw(st.integers(1, hi - lo + 1))
        bands[index + 1] = (next_label, next_lo - shift, next_hi)
    problems = band_problems(band_set(decimals, data.draw(st.permutations(bands))))
    word = "gap" if gap else "overlap"
    named = [m for _, m in problems if f"'{label}'" in m and f"'{next_label}'" in m and word in m]
    assert named, problems


random_bands = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted), min_size=1, max_size=5
)


@FAST
@given(decimals=st.integers(0, 2), raw=random_bands)
@example(decimals=2, raw=[[0, 10], [11, 20]])
@example(decimals=1, raw=[[0, 10], [12, 20]])
@example(decimals=0, raw=[[0, 10], [10, 20]])
def test_a_band_set_without_problems_partitions_its_range(
    decimals: int, raw: list[list[int]]
) -> None:
    # Any band set, valid or not: when band_problems finds nothing, every value at the
    # resolution between the lowest min and the highest max is in exactly one band.
    bands = [(f"L{i}", lo, hi) for i, (lo, hi) in enumerate(raw)]
    bs = band_set(decimals, bands)
    covered = [
        sum(1 for _, lo, hi in bands if lo <= unit <= hi)
        for unit in range(min(lo for _, lo, _ in bands), max(hi for _, _, hi in bands) + 1)
    ]
    partition = all(count == 1 for count in covered)
    assert (band_problems(bs) == []) == partition, (bands, band_problems(bs))


@settings(FAST, max_examples=200)
@given(
    decimals=st.integers(0, 2),
    raw=random_bands,
)
@example(decimals=0, raw=[[0, 100], [10, 20], [50, 60]])
def test_band_problems_names_every_overlapping_pair(decimals: int, raw: list[list[int]]) -> None:
    bands = [(f"L{i}", lo, hi) for i, (lo, hi) in enumerate(raw)]
    problems = [m for _, m in band_problems(band_set(decimals, bands))]
    for i, (label, lo, hi) in enumerate(bands):
        for other, olo, ohi in bands[i + 1 :]:
            if lo <= ohi and olo <= hi:
                assert any(
                    "overlap" in m and f"'{label}'" in m and f"'{other}'" in m for m in problems
                ), (label, other, problems)


def test_band_problems_reports_no_gap_that_a_band_covers() -> None:
    bs = band_set(0, [("A", 0, 100), ("B", 10, 20), ("C", 50, 60)])
    problems = [m for _, m in band_problems(bs)]
    assert any("overlap" in m for m in problems)
    assert not [m for m in problems if "gap" in m], problems


# ------------------------------------------------------------------ 7. units

# unit -> its dimension as {base: exponent}; percent is a dimensionless label
UNITS: dict[str, dict[str, int]] = {
    "person": {"person": 1},
    "institution": {"institution": 1},
    "point": {"score": 1},
    "IDR": {"currency_IDR": 1},
    "document": {"document": 1},
    "month": {"month": 1},
    "percent": {},
}


def unit_case_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return None if value is None else str(value)


@pytest.mark.parametrize(
    ("text", "units", "declared"),
    [
        ("a + b", {"a": "person", "b": "institution"}, None),
        ("a - b", {"a": "person", "b": "institution"}, None),
        ("a + b", {"a": "IDR", "b": "point"}, None),
        ("a + 1", {"a": "person"}, None),
        ("a / b + 1", {"a": "person", "b": "institution"}, None),
        ("a * b + a", {"a": "person", "b": "institution"}, None),
        ("where(a < b, 1, 0)", {"a": "person", "b": "point"}, None),
        ("where(a >= b, 1, 0)", {"a": "person", "b": "point"}, None),
        ("where(a < c < b, 1, 0)", {"a": "person", "b": "point", "c": "person"}, None),
        ("where(c > 0, a, b)", {"a": "person", "b": "institution", "c": "point"}, None),
        ("a if c > 0 else b", {"a": "person", "b": "institution", "c": "point"}, None),
        ("coalesce(a, b)", {"a": "person", "b": "point"}, None),
        ("max(a, b)", {"a": "person", "b": "point"}, None),
        ("min(a, b)", {"a": "person", "b": "point"}, None),
        ("mean(a, b)", {"a": "person", "b": "point"}, None),
        ("sum(a, b)", {"a": "person", "b": "point"}, None),
        ("abs(a) + b", {"a": "person", "b": "institution"}, None),
        ("round(a, 2) - b", {"a": "person", "b": "institution"}, None),
        ("a ** 2 + a", {"a": "person"}, None),
        ("a / b * 100", {"a": "person", "b": "person"}, "person"),
        ("a / b * 100", {"a": "person", "b": "institution"}, "percent"),
        ("a", {"a": "IDR"}, "point"),
        pytest.param(
            "where(a == b, 1, 0)",
            {"a": "person", "b": "point"},
            None,
        ),
        pytest.param(
            "where(a != b, 1, 0)",
            {"a": "person", "b": "point"},
            None,
        ),
    ],
    ids=unit_case_id,
)
def test_incompatible_units_are_refused_at_compile(
    text: str, units: dict[str, str], declared: str | None
) -> None:
    with pytest.raises(kinerja.UnitError):
        kinerja.compile_formula(text, list(units), units=units, unit=declared)


@pytest.mark.parametrize(
    ("text", "units", "declared"),
    [
        ("a / b * 100", {"a": "person", "b": "person"}, "percent"),
        ("where(a > b, a, b)", {"a": "person", "b": "person"}, "person"),
        ("coalesce(a, b)", {"a": "IDR", "b": "IDR"}, "IDR"),
        ("where(a > 0, a, 0)", {"a": "person"}, "person"),
        ("a / b", {"a": "IDR", "b": "person"}, None),
        ("a ** 2 / a", {"a": "person"}, "person"),
    ],
    ids=unit_case_id,
)
def test_compatible_units_are_accepted(
    text: str, units: dict[str, str], declared: str | None
) -> None:
    kinerja.compile_formula(text, list(units), units=units, unit=declared)


Tree = Any  # a name (str) or (op, left, right) / ("**", base, exponent)


def tree_strategy(names: Sequence[str]) -> st.SearchStrategy[Tree]:
    return st.recursive(
        st.sampled_from(list(names)),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner),
            st.tuples(st.just("**"), inner, st.sampled_from([-1, 2, 3])),
        ),
        max_leaves=10,
    )


def render(tree: Tree) -> str:
    if isinstance(tree, str):
        return tree
    op, left, right = tree
    if op == "**":
        return f"({render(left)}) ** {right}"
    return f"({render(left)} {op} {render(right)})"


Dims = dict[str, int]


def dimension(tree: Tree, units: dict[str, str]) -> Dims | None:
    """The reference dimension calculator: None when the expression is inconsistent."""
    if isinstance(tree, str):
        return dict(UNITS[units[tree]])
    op, left, right = tree
    a = dimension(left, units)
    if a is None:
        return None
    if op == "**":
        return {k: v * right for k, v in a.items()}
    b = dimension(right, units)
    if b is None:
        return None
    if op in "+-":
        return a if a == b else None
    sign = 1 if op == "*" else -1
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + sign * v
    return {k: v for k, v in out.items() if v}


def exact_value(tree: Tree, values: dict[str, Fraction]) -> Fraction:
    """Exact evaluation; ZeroDivisionError when a divisor is zero."""
    if isinstance(tree, str):
        return values[tree]
    op, left, right = tree
    a = exact_value(left, values)
    if op == "**":
        return a**right
    b = exact_value(right, values)
    ops: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
        "/": lambda x, y: x / y,
    }
    return ops[op](a, b)


def degenerate(tree: Tree, names: Sequence[str]) -> bool:
    """True when the expression divides by something that is zero at generic inputs."""
    for seed in (1009, 7919):
        values = {n: Fraction(seed * (i + 3) + i * i) for i, n in enumerate(names)}
        try:
            exact_value(tree, values)
        except ZeroDivisionError:
            continue
        return False
    return True


@SLOW
@given(
    tree=tree_strategy(["x0", "x1", "x2", "x3"]),
    chosen=st.lists(st.sampled_from(sorted(UNITS)), min_size=4, max_size=4),
    declared=st.one_of(st.none(), st.sampled_from(sorted(UNITS))),
)
@example(tree=("+", "x0", "x1"), chosen=["person", "institution", "point", "IDR"], declared=None)
@example(tree=("/", "x0", ("-", "x1", "x2")), chosen=["IDR", "person"] * 2, declared=None)
def test_unit_check_accepts_exactly_the_consistent_expressions(
    tree: Tree, chosen: list[str], declared: str | None
) -> None:
    names = ["x0", "x1", "x2", "x3"]
    units = dict(zip(names, chosen, strict=True))
    text = render(tree)
    used = {n for n in names if n in text}
    reference = dimension(tree, units)
    consistent = reference is not None and (declared is None or reference == UNITS[declared])
    try:
        kinerja.compile_formula(text, names, units={n: units[n] for n in used}, unit=declared)
        accepted = True
    except kinerja.UnitError:
        accepted = False
    if degenerate(tree, names):
        # always divides by zero: refusing it (cannot check units) is as right as accepting
        return
    assert accepted == consistent, (text, units, declared, reference)


# ------------------------------------------------------------------ 8. the checker

SCALARS = ("a", "b")
SERIES = "s"
DECLARED: dict[str, str | None] = {"a": None, "b": None, "s": "m"}

allowed_numbers = st.one_of(
    st.integers(0, 10**6).map(str),
    st.integers(0, 10**6).map(lambda u: str(dec(u, 3))),
    st.sampled_from(["1e3", "2.5E-2", "1_000", "0.1", ".5", "5.", "00", "1e40"]),
)
odd_numbers = st.sampled_from(
    ["0x1F", "0o17", "0b101", "1j", "1e999999", "1e-999999", "9" * 50, "1e41", "1__0", "1_"]
)
forbidden_leaves = st.sampled_from(
    [
        "'x'",
        '"x"',
        "b'x'",
        "None",
        "...",
        "True",
        "False",
        "__import__",
        "__builtins__",
        "__class__",
        "_a",
        "d",
        "os",
        "é",
        "f'{a}'",
        "f'x'",
        "[]",
        "()",
        "{}",
        "where",
    ]
)
ALLOWED_BINOPS = ["+", "-", "*", "/"]
FORBIDDEN_BINOPS = ["//", "%", "@", "<<", ">>", "&", "|", "^"]
ALLOWED_CMP = ["<", "<=", ">", ">=", "==", "!="]
FORBIDDEN_CMP = ["in", "not in", "is", "is not", "<>"]
EXPONENTS = ["0", "1", "2", "3", "4", "(2)", "-1", "-4", "-(3)", "(-2)"]
FORBIDDEN_EXPONENTS = ["5", "99999", "0.5", "a", "True", "4.0", "2 ** 2", "--2", "-5"]
UNKNOWN_FUNCS = ["eval", "exec", "open", "getattr", "type", "len", "avg", "maxx", "__import__"]
ATTRIBUTES = ["real", "__class__", "__dict__", "gi_frame", "format", "x"]
LIMIT_WORDS = ("nests", "more than", "characters long", "longer than")


def call(name: str, args: Sequence[str], keyword: bool = False) -> str:
    parts = list(args) + (["k=1"] if keyword else [])
    return f"{name}({', '.join(parts)})"


def typed_numbers(scalars: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Well-typed number expressions of the formula language (every construct allowed).

    Conditions appear only where conditions belong. Without ``scalars`` only the scalar
    inputs appear; with it the series input ``s`` may appear too, except in the condition
    of 'if ... else', which is built from ``scalars``.
    """
    names = [*SCALARS, SERIES] if scalars is not None else list(SCALARS)
    leaf = st.one_of(st.sampled_from(names), st.sampled_from(names), allowed_numbers)

    def extend(num: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        compare = st.builds(
            lambda x, o, y: f"({x} {o} {y})", num, st.sampled_from(ALLOWED_CMP), num
        )
        chained = st.builds(lambda x, y, z: f"({x} < {y} <= {z})", num, num, num)
        condition = st.one_of(
            compare,
            chained,
            st.builds(lambda c: f"(not {c})", compare),
            st.builds(
                lambda x, o, y: f"({x} {o} {y})", compare, st.sampled_from(["and", "or"]), compare
            ),
        )
        scalar = scalars if scalars is not None else num
        scalar_condition = st.builds(
            lambda x, o, y: f"({x} {o} {y})", scalar, st.sampled_from(ALLOWED_CMP), scalar
        )
        args = st.lists(num, min_size=1, max_size=3)
        return st.one_of(
            st.builds(lambda x, o, y: f"({x} {o} {y})", num, st.sampled_from(ALLOWED_BINOPS), num),
            st.builds(lambda o, x: f"({o}{x})", st.sampled_from(["-", "+"]), num),
            st.builds(lambda x, e: f"({x} ** {e})", num, st.sampled_from(EXPONENTS)),
            st.builds(lambda x: f"abs({x})", num),
            st.builds(call, st.sampled_from(["max", "mean", "min", "sum"]), args),
            st.builds(lambda x, y: f"coalesce({x}, {y})", num, num),
            st.builds(lambda x: f"round({x})", num),
            st.builds(lambda x, k: f"round({x}, {k})", num, st.integers(0, 10)),
            st.builds(lambda c, x, y: f"where({c}, {x}, {y})", condition, num, num),
            st.builds(lambda x, c, y: f"({x} if {c} else {y})", num, scalar_condition, num),
        )

    return st.recursive(leaf, extend, max_leaves=8)


SCALAR_FORMULAS = typed_numbers()
SERIES_FORMULAS = typed_numbers(SCALAR_FORMULAS)


def grammar(*, forbidden: bool, risky: bool) -> st.SearchStrategy[str]:
    """Formula text from a grammar that mixes allowed and refused constructs (with
    ``forbidden``); ``risky`` adds calls of something that is not a function name, the
    construct of a known bug pinned below."""
    leaves = [st.sampled_from([*SCALARS, SERIES]), allowed_numbers]
    if forbidden:
        leaves += [odd_numbers, forbidden_leaves]
    binops = ALLOWED_BINOPS + (FORBIDDEN_BINOPS if forbidden else [])
    cmps = ALLOWED_CMP + (FORBIDDEN_CMP if forbidden else [])
    exponents = EXPONENTS + (FORBIDDEN_EXPONENTS if forbidden else [])
    funcs = sorted(FUNCTIONS) + (UNKNOWN_FUNCS if forbidden else [])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        keyword = st.booleans() if forbidden else st.just(False)
        options = [
            st.builds(lambda x, o, y: f"({x} {o} {y})", inner, st.sampled_from(binops), inner),
            st.builds(lambda o, x: f"({o}{x})", st.sampled_from(["-", "+", "not ", "~"]), inner),
            st.builds(lambda x, o, y: f"({x} {o} {y})", inner, st.sampled_from(cmps), inner),
            st.builds(
                lambda x, o, y: f"({x} {o} {y})", inner, st.sampled_from(["and", "or"]), inner
            ),
            st.builds(lambda x, c, y: f"({x} if {c} else {y})", inner, inner, inner),
            st.builds(call, st.sampled_from(funcs), st.lists(inner, max_size=4), keyword),
            st.builds(lambda x, e: f"({x} ** {e})", inner, st.sampled_from(exponents)),
        ]
        if risky:
            options.append(st.builds(lambda f, x: f"({f})({x})", inner, inner))
        if forbidden:
            options += [
                st.builds(lambda x, a: f"{x}.{a}", inner, st.sampled_from(ATTRIBUTES)),
                st.builds(lambda x, i: f"{x}[{i}]", inner, inner),
                st.builds(lambda x: f"{x}[::-1]", inner),
                st.builds(lambda x: f"(lambda: {x})", inner),
                st.builds(lambda x: f"[{x} for q in s]", inner),
                st.builds(lambda x: f"({x} for q in s)", inner),
                st.builds(lambda x: f"{{q: {x} for q in s}}", inner),
                st.builds(lambda x: f"(q := {x})", inner),
                st.builds(lambda x: f"sum(*{x})", inner),
                st.builds(lambda x, y: f"[{x}, {y}]", inner, inner),
                st.builds(lambda x, y: f"({x}, {y})", inner, inner),
                st.builds(lambda x, g, y: f"{x}{g}{y}", inner, st.text(max_size=4), inner),
            ]
        return st.one_of(options)

    return st.recursive(st.one_of(leaves), extend, max_leaves=12)


ANY_TEXT = st.one_of(
    grammar(forbidden=True, risky=True),
    SERIES_FORMULAS,
    st.text(max_size=60),
    st.text(alphabet="ab()+-*/<=>!.,_[]{}:'\"0123456789 eE*ijnotrdwhesum", max_size=60),
    st.builds(
        lambda depth, core: "(" * depth + core + ")" * depth,
        st.integers(0, 300),
        st.sampled_from(["a", "-a", "a + b"]),
    ),
    st.builds(lambda n: "-" * n + "a", st.integers(0, 3000)),
    st.builds(lambda n: "+".join(["a"] * n), st.integers(1, 3000)),
)

# The allow-list, written independently of the checker: what a compiled tree may hold.
ALLOWED_NODES = (
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.BoolOp,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Eq,
    ast.NotEq,
    ast.Load,
)


def audit(tree: ast.AST) -> Iterator[str]:
    """Everything in a compiled tree that is outside the allow-list."""
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            yield f"node {type(node).__name__}"
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
                yield f"call of {ast.dump(node.func)}"
            if node.keywords:
                yield "keyword arguments"
        elif isinstance(node, ast.Name) and node.id not in DECLARED and id(node) not in callees:
            yield f"name {node.id!r}"
        elif isinstance(node, ast.Constant) and type(node.value) not in (Decimal, bool):
            yield f"constant {node.value!r}"


@settings(FAST, max_examples=600)
@given(text=ANY_TEXT)
@example(text="(1)(__import__('os').system('id'))")
@example(text="a\x00")
@example(text="(" * 500 + "a" + ")" * 500)
def test_random_text_compiles_or_raises_only_formula_error(text: str) -> None:
    for units in (None, {"a": "person", "b": "institution", "s": "person"}):
        try:
            formula = kinerja.compile_formula(text, DECLARED, units=units)
        except kinerja.FormulaError:
            continue
        assert isinstance(formula, kinerja.Formula)


def inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Decimal inputs: zero, negatives, very large and very small ones included."""
    number = st.one_of(
        st.just(Decimal(0)),
        st.sampled_from([Decimal(0), Decimal(1), Decimal(-1), Decimal("0.5")]),
        st.integers(-(10**6), 10**6).map(lambda u: dec(u, 3)),
        st.sampled_from([Decimal("1e30"), Decimal("-1e30"), Decimal("1e-30"), Decimal(10**55)]),
    )
    return st.fixed_dictionaries({"a": number, "b": number, SERIES: st.lists(number, max_size=3)})


def evaluates_to_value_or_evaluation_error(
    formula: kinerja.Formula, values: dict[str, Any], decimals: int | None
) -> None:
    assert list(audit(formula.tree)) == [], formula.text
    try:
        result = formula.evaluate(values, decimals=decimals)
    except kinerja.EvaluationError:
        return
    found = result if isinstance(result, tuple) else (result,)
    for value in found:
        assert type(value) is Decimal and value.is_finite(), (formula.text, result)
        if decimals is not None:
            assert value.as_tuple().exponent == -decimals, (formula.text, value)


@settings(FAST, max_examples=300)
@given(
    text=st.one_of(SCALAR_FORMULAS, SERIES_FORMULAS),
    values=inputs(),
    decimals=st.sampled_from([None, 0, 2]),
)
@example(text="round(a, 10) + max(s / b)", values={"a": 10**55, "b": 0, "s": [1]}, decimals=2)
@example(text="a ** -1 + b ** 0", values={"a": 0, "b": 0, "s": []}, decimals=None)
@example(text="(((a ** 4) ** 4) ** 4) ** 4", values={"a": 10**55, "b": 0, "s": []}, decimals=2)
def test_well_typed_formulas_compile_and_evaluate_to_a_value_or_evaluation_error(
    text: str, values: dict[str, Any], decimals: int | None
) -> None:
    try:
        formula = kinerja.compile_formula(text, DECLARED)
    except kinerja.FormulaError as exc:
        # a well-typed formula is refused only for one of the engine's limits
        assert any(word in exc.reason for word in LIMIT_WORDS), (text, exc.reason)
        return
    evaluates_to_value_or_evaluation_error(formula, values, decimals)


@settings(FAST, max_examples=300)
@given(
    text=grammar(forbidden=True, risky=False),
    values=inputs(),
    decimals=st.sampled_from([None, 0, 2]),
)
def test_compiled_formulas_stay_in_the_allow_list_and_evaluate_cleanly(
    text: str, values: dict[str, Any], decimals: int | None
) -> None:
    # risky=False leaves out the construct of the known bug pinned below; drop this test
    # for the next one once it is fixed.
    try:
        formula = kinerja.compile_formula(text, DECLARED)
    except kinerja.FormulaError:
        return
    evaluates_to_value_or_evaluation_error(formula, values, decimals)


@settings(FAST, max_examples=300)
@given(
    text=grammar(forbidden=True, risky=True),
    values=inputs(),
    decimals=st.sampled_from([None, 0, 2]),
)
@example(text="(1)(a)", values={"a": Decimal(0), "b": Decimal(1), "s": []}, decimals=None)
def test_every_compiled_formula_stays_in_the_allow_list_and_evaluates_cleanly(
    text: str, values: dict[str, Any], decimals: int | None
) -> None:
    try:
        formula = kinerja.compile_formula(text, DECLARED)
    except kinerja.FormulaError:
        return
    evaluates_to_value_or_evaluation_error(formula, values, decimals)


@pytest.mark.parametrize(
    "text",
    ["(1)(a)", "(a + 1)(x.y, k=1)", "(a if a > 0 else b)(open('f'))", "where(a > 0, a, b)(1)"],
)
def test_a_call_of_anything_but_a_function_name_is_refused(text: str) -> None:
    with pytest.raises(kinerja.FormulaError):
        kinerja.compile_formula(text, ["a", "b"])


@pytest.mark.parametrize(
    ("text", "values"),
    [
        pytest.param("a ** 0", {"a": 0}, id="zero-to-the-zero"),
        pytest.param("a ** -1", {"a": 0}, id="zero-to-a-negative-power"),
        pytest.param(
            "((((((((((a ** 4) ** 4) ** 4) ** 4) ** 4) ** 4) ** 4) ** 4) ** 4) ** 4)",
            {"a": 10},
            id="nested-powers-overflow",
        ),
        pytest.param("round(a, 10)", {"a": 10**55}, id="round-of-a-large-value"),
        pytest.param("a * b", {"a": "1e40", "b": "1e40"}, id="decimals-of-a-large-value"),
        pytest.param("max(a / b)", {"a": 1, "b": 0}, id="max-of-no-value"),
    ],
)
def test_evaluation_gives_a_finite_value_or_evaluation_error(
    text: str, values: dict[str, Any]
) -> None:
    formula = kinerja.compile_formula(text, list(values))
    try:
        result = formula.evaluate(values, decimals=2)
    except kinerja.EvaluationError:
        return
    assert isinstance(result, Decimal) and result.is_finite(), result


def test_large_values_round_exactly() -> None:
    assert kinerja.compile_formula("round(a, 10)", ["a"]).evaluate({"a": 10**44 + 1}) == (
        10**44 + 1
    )
    product = kinerja.compile_formula("a * b", ["a", "b"]).evaluate(
        {"a": "1e40", "b": "1.5e40"}, decimals=2
    )
    assert product == Decimal(15 * 10**79) and product.as_tuple().exponent == -2
    assert kinerja.round_half_up(Decimal(f"{10**70}.005"), 2) == Decimal(f"{10**70}.01")


@pytest.mark.parametrize("function", ["max", "min"])
def test_max_and_min_of_a_series_with_no_value_is_an_evaluation_error(function: str) -> None:
    formula = kinerja.compile_formula(f"{function}(a / b)", {"a": "m", "b": "m"})
    with pytest.raises(kinerja.EvaluationError):
        formula.evaluate({"a": [1, 2], "b": [0, 1]})
