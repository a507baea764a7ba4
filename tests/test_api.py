"""The public front: names, the error tree, import weight, and evaluation semantics."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import kinerja


def test_all_is_sorted_and_complete() -> None:
    assert kinerja.__all__ == sorted(kinerja.__all__)
    for name in kinerja.__all__:
        assert hasattr(kinerja, name), name
    # Subpackages such as ``kinerja.frames`` appear as attributes once imported; they are
    # reached by ``import kinerja.frames``, not through ``__all__``.
    public = {
        n
        for n in dir(kinerja)
        if not n.startswith("_") and not isinstance(getattr(kinerja, n), types.ModuleType)
    }
    assert public <= set(kinerja.__all__), public - set(kinerja.__all__)


def test_every_error_is_a_kinerja_error() -> None:
    for error in (
        kinerja.FormulaError,
        kinerja.UnitError,
        kinerja.DefinitionError,
        kinerja.DataError,
        kinerja.EvaluationError,
    ):
        assert issubclass(error, kinerja.KinerjaError)
    assert issubclass(kinerja.UnitError, kinerja.FormulaError)


def test_import_is_light() -> None:
    code = (
        "import sys, kinerja\n"
        "heavy = [m for m in ('pandas', 'polars', 'numpy', 'matplotlib', 'pint') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


RATIO = """
    id = "t.ratio"
    name = "Ratio"
    unit = "percent"
    polarity = "{polarity}"
    [formula]
    numerator = "a"
    denominator = "b"
    factor = 100
    [inputs]
    a = {{ unit = "person" }}
    b = {{ unit = "person" }}
    [targets]
    2023 = {target}
"""


def ratio_catalog(
    tmp_path: Path, polarity: str = "higher_is_better", target: str = "80"
) -> kinerja.Catalog:
    write(tmp_path, "ratio.toml", RATIO.format(polarity=polarity, target=target))
    return kinerja.load(tmp_path)


def test_missing_input_is_na_and_others_still_evaluate(
    tmp_path: Path, demo_catalog: kinerja.Catalog
) -> None:
    results = demo_catalog.evaluate({"demo.nka": {"smart": "93.17"}}, year=2023)
    nka = results["demo.nka"]
    assert nka.value is None
    assert nka.status is kinerja.Status.NOT_AVAILABLE
    assert any("demo.ikpa" in str(n) for n in nka.notes)
    ikpa = results["demo.ikpa"]
    assert ikpa.value is None
    assert any("revisi_dipa" in str(n) for n in ikpa.notes)
    sdm = results["demo.sdm"]
    assert sdm.value is None


def test_zero_denominator_is_na_with_note(tmp_path: Path) -> None:
    catalog = ratio_catalog(tmp_path)
    result = catalog.evaluate({"t.ratio": {"a": 0, "b": 0}}, year=2023)["t.ratio"]
    assert result.value is None
    assert any("denominator is 0" in str(n) for n in result.notes)


def test_lower_is_better_and_range_targets(tmp_path: Path) -> None:
    catalog = ratio_catalog(tmp_path, "lower_is_better", "50")
    result = catalog.evaluate({"t.ratio": {"a": 40, "b": 100}}, year=2023)["t.ratio"]
    assert result.achievement == Decimal("120.00")  # (2 - 40/50) * 100
    ranged = tmp_path / "ranged"
    catalog = ratio_catalog(ranged, target="{ min = 80, max = 90 }")
    for a, expected in ((85, "100.00"), (70, "87.50"), (95, "94.44")):
        result = catalog.evaluate({"t.ratio": {"a": a, "b": 100}}, year=2023)["t.ratio"]
        assert result.achievement == Decimal(expected), a


def test_achievement_uses_the_unrounded_value(tmp_path: Path) -> None:
    catalog = ratio_catalog(tmp_path, target="82")
    result = catalog.evaluate({"t.ratio": {"a": 6527, "b": 6679}}, year=2023)["t.ratio"]
    assert result.value == Decimal("97.72")
    assert result.achievement == Decimal("119.18")  # from 97.72 it would be 119.17


def test_numerator_above_denominator_warns(tmp_path: Path) -> None:
    catalog = ratio_catalog(tmp_path)
    result = catalog.evaluate({"t.ratio": {"a": 11, "b": 10}}, year=2023)["t.ratio"]
    assert result.value == Decimal("110.00")
    assert any(n.level == "warning" and "larger than" in n.text for n in result.notes)


def test_negative_count_is_a_data_error(tmp_path: Path) -> None:
    catalog = ratio_catalog(tmp_path)
    with pytest.raises(kinerja.DataError) as caught:
        catalog.evaluate({"t.ratio": {"a": -1, "b": 10}}, year=2023)
    (problem,) = caught.value.problems
    assert problem.indicator == "t.ratio"
    assert "'a'" in problem.message and "negative" in problem.message


def test_band_is_decided_on_the_rounded_value(tmp_path: Path) -> None:
    write(
        tmp_path,
        "bands/ikm.toml",
        (Path(__file__).parent.parent / "examples/demo/indicators/bands/ikm.toml").read_text(),
    )
    write(
        tmp_path,
        "kepuasan.toml",
        """
        id = "t.ikm"
        name = "Nilai kepuasan"
        unit = "point"
        bands = "ikm"
        [formula]
        expr = "mean(nilai)"
        [inputs]
        nilai = { unit = "point", over = "satker" }
        [targets]
        2023 = 89
        """,
    )
    catalog = kinerja.load(tmp_path)
    result = catalog.evaluate({"t.ikm": {"nilai": ["88.305", "88.305"]}}, year=2023)["t.ikm"]
    assert result.value == Decimal("88.31")
    assert result.band is not None and result.band.label == "A"
    result = catalog.evaluate({"t.ikm": {"nilai": ["88.3049"]}}, year=2023)["t.ikm"]
    assert result.band is not None and result.band.label == "B"
    assert result.to_dict()["band"] == {"label": "B", "name": "Baik"}


def test_versions_are_chosen_by_year(tmp_path: Path) -> None:
    old = RATIO.format(polarity="higher_is_better", target="70").replace("2023 = 70", "2022 = 70")
    write(
        tmp_path,
        "old.toml",
        old.replace('name = "Ratio"', 'name = "Old"\nin_force = { until = 2022 }'),
    )
    new = RATIO.format(polarity="higher_is_better", target="80")
    write(
        tmp_path,
        "new.toml",
        new.replace('name = "Ratio"', 'name = "New"\nin_force = { from = 2023 }'),
    )
    catalog = kinerja.load(tmp_path)
    assert catalog.indicator("t.ratio", 2022).name == "Old"  # type: ignore[union-attr]
    assert catalog.indicator("t.ratio", 2023).name == "New"  # type: ignore[union-attr]
    assert catalog.evaluate({"t.ratio": {"a": 7, "b": 10}}, year=2022)[
        "t.ratio"
    ].achievement == Decimal("100.00")


def test_results_json_is_strings_and_nulls(demo_results: kinerja.Results) -> None:
    document = json.loads(demo_results.to_json())
    for result in document["results"]:
        assert result["value"] is None or isinstance(result["value"], str)
        assert result["achievement"] is None or isinstance(result["achievement"], str)


def test_evaluate_indicator_fast_path(demo_catalog: kinerja.Catalog) -> None:
    result = demo_catalog.evaluate_indicator(
        "demo.kemampuan", {"pm_meningkat": 1794, "pm_dimonev": 2035, "pm_layanan": 5929}, year=2023
    )
    assert result.value == Decimal("88.16")
    assert result.achievement == Decimal("110.20")


def test_goals_are_versioned_and_referenced(tmp_path: Path) -> None:
    catalog = kinerja.load(Path(__file__).parent.parent / "indicators" / "rehsos")
    goals = catalog.goals(2023)
    assert [g.id for g in goals][:3] == ["rehsos.sp1", "rehsos.sp2", "rehsos.sp3"]
    assert goals[0].group == "utama"
    old, new = catalog.goal("rehsos.sp1", 2022), catalog.goal("rehsos.sp1", 2023)
    assert old is not None and new is not None and old.name != new.name
    write(tmp_path, "goal.toml", 'kind = "goal"\nid = "t.sp1"\nname = "Sasaran"\n')
    write(tmp_path, "ratio.toml", RATIO.format(polarity="higher_is_better", target="80"))
    (tmp_path / "ratio.toml").write_text(
        (tmp_path / "ratio.toml")
        .read_text()
        .replace('name = "Ratio"', 'name = "Ratio"\ngoal = "t.sp2"')
    )
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.key == "goal" and "t.sp2" in problem.message
    assert problem.suggestion == "did you mean 't.sp1'?"


POINTS = """
    id = "t.points"
    name = "Points"
    unit = "point"
    decimals = 2
    polarity = "{polarity}"
    {carry}
    [formula]
    expr = "a - b"
    [inputs]
    a = {{ unit = "point" }}
    b = {{ unit = "point" }}
    [targets]
    2023 = {target}
"""


def points_catalog(
    tmp_path: Path, *, polarity: str = "higher_is_better", target: str = "10", carry: str = ""
) -> kinerja.Catalog:
    write(tmp_path, "points.toml", POINTS.format(polarity=polarity, target=target, carry=carry))
    return kinerja.load(tmp_path)


@pytest.mark.parametrize(
    ("polarity", "target", "a", "note"),
    [
        ("higher_is_better", "-10", "-5", "the target for 2023 is -10, so there is no"),
        ("lower_is_better", "-10", "-20", "the target for 2023 is -10, so there is no"),
        ("higher_is_better", "0", "5", "the target for 2023 is 0, so there is no achievement"),
        ("higher_is_better", "{ min = -10, max = -5 }", "-20", "below the 2023 target range"),
        ("higher_is_better", "{ min = -10, max = -5 }", "-1", "its upper bound is -5"),
        ("higher_is_better", "{ min = 0, max = 10 }", "-1", "its lower bound is 0"),
    ],
)
def test_no_achievement_against_a_target_that_is_not_positive(
    tmp_path: Path, polarity: str, target: str, a: str, note: str
) -> None:
    # With a negative target R / T x 100 would score a better value lower.
    catalog = points_catalog(tmp_path, polarity=polarity, target=target)
    inputs = {"a": a, "b": "0"}
    result = catalog.evaluate({"t.points": inputs}, year=2023)["t.points"]
    assert result.achievement is None
    assert result.status is kinerja.Status.NOT_AVAILABLE
    assert any(note in str(n) for n in result.notes), result.notes
    assert catalog.evaluate_indicator("t.points", inputs, year=2023) == result


def test_inside_a_negative_range_is_met(tmp_path: Path) -> None:
    catalog = points_catalog(tmp_path, target="{ min = -10, max = -5 }")
    result = catalog.evaluate({"t.points": {"a": "-7", "b": "0"}}, year=2023)["t.points"]
    assert result.achievement == Decimal("100.00")


def test_no_negative_zero_is_published(tmp_path: Path) -> None:
    catalog = points_catalog(tmp_path, polarity="lower_is_better", target="7")
    results = catalog.evaluate({"t.points": {"a": "1.000", "b": "1.001"}}, year=2023)
    result = results["t.points"]
    assert str(result.value) == "0.00"
    assert json.loads(results.to_json())["results"][0]["value"] == "0.00"
    # (2 - 14.0001 / 7) * 100 = -0.0014...: achievement 0.00, not -0.00.
    result = catalog.evaluate({"t.points": {"a": "14.0001", "b": "0"}}, year=2023)["t.points"]
    assert str(result.achievement) == "0.00"


def test_a_carried_value_is_not_carried_past_its_window(tmp_path: Path) -> None:
    from kinerja._data import from_mapping

    catalog = points_catalog(tmp_path / "c", carry="carry_forward = 2")
    years = [from_mapping({"t.points": {"a": 1, "b": Decimal("-2.005")}}, year=2021)]
    years += [from_mapping({}, year=y) for y in (2022, 2023, 2024, 2025)]
    found = catalog.evaluate_years(years)
    seen = {y: (r["t.points"].value, r["t.points"].origin_year) for y, r in found.items()}
    assert seen == {
        2021: (Decimal("3.01"), 2021),
        2022: (Decimal("3.01"), 2021),
        2023: (Decimal("3.01"), 2021),  # from 2021, two years back, not from 2022
        2024: (None, 2024),  # 2021 is three years back
        2025: (None, 2025),
    }
    notes = [str(n) for n in found[2023]["t.points"].notes]
    assert "no 2023 value: the 2021 value is carried forward (carry_forward = 2)" in notes


def test_arguments_of_the_wrong_type_are_named(demo_catalog: kinerja.Catalog) -> None:
    # A year as text or a float would miss its targets ("no target for 2023").
    for year in ("2023", 2023.0, True):
        with pytest.raises(TypeError, match="year: expected a whole year as an int"):
            demo_catalog.evaluate({}, year=year)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="year: expected a whole year as an int"):
            demo_catalog.evaluate_indicator("demo.nka", {}, year=year)  # type: ignore[arg-type]
    for data in (None, 5, [1]):
        with pytest.raises(TypeError, match="data: expected YearData, a mapping"):
            demo_catalog.evaluate(data, year=2023)  # type: ignore[arg-type]
    for inputs in (None, [1]):
        with pytest.raises(TypeError, match="inputs: expected a mapping of input names"):
            demo_catalog.evaluate_indicator("demo.nka", inputs, year=2023)  # type: ignore[arg-type]
    with pytest.raises(kinerja.DataError, match="key 1 is not text"):
        demo_catalog.evaluate({"demo.nka": {1: 2}}, year=2023)  # type: ignore[dict-item]
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(5000):  # beyond Python's recursion limit
        inner["k"] = inner = {}
    with pytest.raises(kinerja.DataError, match="nested more than 64 levels deep"):
        demo_catalog.evaluate({"demo.nka": deep}, year=2023)
    earlier = demo_catalog.evaluate({}, year=2022)
    with pytest.raises(TypeError, match="history: expected a mapping of years to Results"):
        demo_catalog.evaluate({}, year=2023, history=[earlier])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"history\[2022\]: expected Results, not str"):
        demo_catalog.evaluate({}, year=2023, history={2022: "x"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"history\[2021\] holds the results of 2022"):
        demo_catalog.evaluate({}, year=2023, history={2021: earlier})


def test_results_by_id_and_by_position(demo_results: kinerja.Results) -> None:
    ordered = list(demo_results)
    assert demo_results[0] is ordered[0] is demo_results[ordered[0].id]
    assert demo_results[-1] is ordered[-1]
    with pytest.raises(KeyError, match=r"no result for 'demo\.nkaa'; did you mean 'demo\.nka'"):
        demo_results["demo.nkaa"]


def test_a_value_beyond_sixty_digits_is_not_published(tmp_path: Path) -> None:
    # 1/3 * 1e120 would print 60 real digits of 3 and then zeros kinerja never computed.
    text = POINTS.format(polarity="higher_is_better", target="10", carry="").replace(
        '"a - b"', '"(a - b) / 3 * 1e40 * 1e40 * 1e40"'
    )
    write(tmp_path, "points.toml", text)
    catalog = kinerja.load(tmp_path)
    inputs = {"a": "1", "b": "0"}
    result = catalog.evaluate({"t.points": inputs}, year=2023)["t.points"]
    assert result.value is None
    assert any("more than 60 significant digits" in str(n) for n in result.notes), result.notes
    assert catalog.evaluate_indicator("t.points", inputs, year=2023) == result
    formula = kinerja.compile_formula("n / d * 1e40 * 1e40 * 1e40", names=["n", "d"])
    with pytest.raises(kinerja.EvaluationError, match="more than 60 significant digits"):
        formula.evaluate({"n": 1, "d": 3}, decimals=2)
    assert formula.evaluate({"n": 1, "d": 3}).adjusted() == 119  # unrounded: as computed


def test_a_missing_sampling_population_is_noted(demo_catalog: kinerja.Catalog) -> None:
    inputs = {"pm_meningkat": 1794, "pm_dimonev": 2035}  # pm_layanan (population) left out
    result = demo_catalog.evaluate({"demo.kemampuan": inputs}, year=2023)["demo.kemampuan"]
    assert result.value == Decimal("88.16")
    assert result.sampling is None
    notes = [str(n) for n in result.notes]
    assert "no confidence interval: no value for input 'pm_layanan' (the population)" in notes
    assert demo_catalog.evaluate_indicator("demo.kemampuan", inputs, year=2023) == result


def test_a_compound_unit_is_checked_like_any_other(tmp_path: Path) -> None:
    cost = """
        id = "t.cost"
        name = "Biaya per PM"
        unit = "{unit}"
        decimals = 0
        [formula]
        expr = "anggaran / pm"
        [inputs]
        anggaran = {{ unit = "IDR" }}
        pm = {{ unit = "person" }}
    """
    write(tmp_path / "ok", "cost.toml", cost.format(unit="IDR / person"))
    catalog = kinerja.load(tmp_path / "ok")
    result = catalog.evaluate({"t.cost": {"anggaran": 1000, "pm": 3}}, year=2023)["t.cost"]
    assert result.value == Decimal(333)
    write(tmp_path / "bad", "cost.toml", cost.format(unit="IDR"))
    with pytest.raises(
        kinerja.DefinitionError, match=r"IDR / person|\[currency_IDR\] / \[person\]"
    ):
        kinerja.load(tmp_path / "bad")


def test_a_folder_or_a_definition_given_as_data_is_named(tmp_path: Path) -> None:
    with pytest.raises(kinerja.DataError, match="this is a folder, not a data file"):
        kinerja.load_data(tmp_path)
    write(tmp_path, "ratio.toml", RATIO.format(polarity="higher_is_better", target="80"))
    with pytest.raises(kinerja.DataError) as caught:
        kinerja.load_data(tmp_path / "ratio.toml")
    assert [p.message for p in caught.value.problems] == [
        "this looks like a definition file, not data (it has no [values] table)"
    ]


def test_a_numpy_year_is_a_year(demo_catalog: kinerja.Catalog) -> None:
    np = pytest.importorskip("numpy")
    data = Path(__file__).resolve().parent.parent / "examples" / "demo" / "data-2023.toml"
    results = demo_catalog.evaluate(data, year=np.int64(2023))
    assert type(results.year) is int
    assert results["demo.nka"].value == Decimal("91.31")
