"""``kinerja explain``: every step of a figure's derivation, in text, JSON and Markdown."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

import kinerja
from kinerja._cli import main
from kinerja._explain import Explanation, Step, render_formula

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
DEMO_DATA = DEMO / "data-2023.toml"
REHSOS = ROOT / "indicators" / "rehsos"
REHSOS_DATA = ROOT / "examples" / "rehsos-2023" / "data"

# Nothing of Python's own printing may reach a planner.
PYTHON_REPRS = re.compile(r"Decimal\(|NotAvailable|<kinerja|Interval\(|None\b|\(\)|\[\]|\{\}")


@pytest.fixture(scope="module")
def rehsos() -> kinerja.Catalog:
    return kinerja.load(REHSOS)


@pytest.fixture(scope="module")
def kemampuan(demo_catalog: kinerja.Catalog) -> Explanation:
    return kinerja.explain(demo_catalog, "demo.kemampuan", DEMO_DATA, year=2023)


@pytest.fixture(scope="module")
def nka(demo_catalog: kinerja.Catalog) -> Explanation:
    return kinerja.explain(demo_catalog, "demo.nka", DEMO_DATA, year=2023)


def steps(explanation: Explanation, kind: str, group: str | None = "any") -> list[Step]:
    return [s for s in explanation.steps if s.kind == kind and group in ("any", s.group)]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- demo.kemampuan: ratio of sums


def test_kemampuan_definition_and_formula(kemampuan: Explanation) -> None:
    assert kemampuan.file.endswith("kemampuan.toml")
    assert kemampuan.in_force == kinerja.InForce.model_validate({})
    assert kemampuan.form == "ratio"
    assert kemampuan.written == {
        "numerator": "pm_meningkat",
        "denominator": "pm_dimonev",
        "factor": Decimal(100),
    }
    assert kemampuan.evaluated == "(pm_meningkat) / (pm_dimonev) * 100"
    assert kemampuan.groups_dimension == "kluster"


def test_kemampuan_inputs_with_values_units_labels_and_lines(kemampuan: Explanation) -> None:
    by_key = {(i.group, i.name): i for i in kemampuan.inputs}
    assert len(by_key) == 6  # 3 inputs x 2 groups, the sampling population included
    item = by_key[("anak", "pm_meningkat")]
    assert item.value == Decimal(1794)
    assert item.unit == "person"
    assert item.label == "PM yang meningkat kemampuannya"
    assert item.file is not None and item.file.endswith("data-2023.toml")
    assert item.line == 4
    assert by_key[("lanjut_usia", "pm_layanan")].value == Decimal(9981)
    assert by_key[("lanjut_usia", "pm_layanan")].line == 11


def test_kemampuan_groups_and_ratio_of_sums(kemampuan: Explanation) -> None:
    anak = steps(kemampuan, "ratio", "anak")[0]
    assert (anak.substituted, anak.rounded) == ("1794 / 2035 * 100", Decimal("88.16"))
    assert str(anak.value).startswith("88.157248157")
    lanjut = steps(kemampuan, "ratio", "lanjut_usia")[0]
    assert lanjut.rounded == Decimal("86.99")
    [num] = steps(kemampuan, "numerator_total")
    [den] = steps(kemampuan, "denominator_total")
    assert (num.substituted, num.value) == ("1794 + 1939", Decimal(3733))
    assert (den.substituted, den.value) == ("2035 + 2229", Decimal(4264))
    [total] = steps(kemampuan, "ratio_total")
    assert total.substituted == "3733 / 4264 * 100"
    assert str(total.value).startswith("87.546904315196998123827392120075")
    # Every step at full precision: the 60 significant digits of the exact context.
    assert isinstance(total.value, Decimal) and len(total.value.as_tuple().digits) >= 50


def test_kemampuan_rounding_achievement_sampling(kemampuan: Explanation) -> None:
    rounding = kemampuan.rounding
    assert rounding is not None
    assert str(rounding.exact).startswith("87.5469")
    assert (rounding.decimals, rounding.rounded) == (2, Decimal("87.55"))
    step = kemampuan.achievement
    assert step is not None
    assert step.target == Decimal(80)
    assert step.formula == "capaian = realisasi / target * 100"
    assert step.substituted.startswith("87.5469") and step.substituted.endswith(" / 80 * 100")
    assert step.rounded == Decimal("109.43")
    assert str(step.exact).startswith("109.4336")
    assert step.status is kinerja.Status.ABOVE
    sampling = kemampuan.result.sampling
    assert sampling is not None
    assert (sampling.sample, sampling.population) == (Decimal(4264), Decimal(15910))


def test_kemampuan_text_has_every_step(kemampuan: Explanation) -> None:
    text = kemampuan.to_text()
    for expected in (
        "Penjelasan demo.kemampuan (2023)",
        "examples/demo/indicators/kemampuan.toml",
        "berlaku (in_force): setiap tahun",
        'ditulis: numerator = "pm_meningkat"',
        "dihitung: (pm_meningkat) / (pm_dimonev) * 100",
        "kelompok anak:",
        "pm_meningkat = 1794 person; PM yang meningkat kemampuannya",
        "data-2023.toml:4]",
        "1794 / 2035 * 100 = 88.1572",
        "-> 88.16",
        "jumlah pembilang",
        "1794 + 1939 = 3733",
        "2035 + 2229 = 4264",
        "3733 / 4264 * 100 = 87.5469",
        "-> 87.55 (dibulatkan setengah ke atas / half-up, 2 desimal)",
        "capaian = realisasi / target * 100",
        "/ 80 * 100 = 109.4336",
        "-> 109.43",
        "status: di atas target (above)",
        "sampel n = 4264, populasi N = 15910",
        "selang kepercayaan 95%",
        "Pengumpulan data melalui metode sampling",
    ):
        assert expected in text, expected
    assert not PYTHON_REPRS.search(text), PYTHON_REPRS.search(text)


def test_kemampuan_agrees_with_evaluate(
    kemampuan: Explanation, demo_results: kinerja.Results
) -> None:
    assert kemampuan.result == demo_results["demo.kemampuan"]


# ---------------------------------------------------------------- demo.nka nests demo.ikpa


def test_nka_expression_steps(nka: Explanation) -> None:
    subs = [(s.expression, s.substituted, s.value) for s in nka.steps]
    assert subs == [
        ("0.5 * smart", "0.5 * 93.17", Decimal("46.585")),
        ("0.5 * ikpa", "0.5 * 89.45", Decimal("44.725")),
        ("0.5 * smart + 0.5 * ikpa", "46.585 + 44.725", Decimal("91.310")),
    ]
    assert nka.steps[-1].kind == "value"
    ikpa_input = next(i for i in nka.inputs if i.name == "ikpa")
    assert ikpa_input.indicator == "demo.ikpa"
    assert ikpa_input.value == Decimal("89.45")  # as published, not 89.4495
    assert ikpa_input.file is not None and ikpa_input.file.endswith("ikpa.toml")
    assert nka.achievement is not None and nka.achievement.rounded == Decimal("101.46")


def test_nka_nests_ikpa_with_its_eight_weighted_terms(nka: Explanation) -> None:
    [ikpa] = nka.references
    assert ikpa.id == "demo.ikpa"
    terms = steps(ikpa, "term")
    assert [t.substituted for t in terms] == [
        "10 * 100.00",
        "10 * 73.22",
        "20 * 71.44",
        "10 * 90.18",
        "10 * 98.18",
        "10 * 95.81",
        "5 * 90.00",
        "25 * 99.69",
    ]
    assert sum(t.value for t in terms if isinstance(t.value, Decimal)) == Decimal("8944.95")
    [total] = steps(ikpa, "terms_total")
    assert total.value == Decimal("8944.95")
    [weights] = steps(ikpa, "weights_total")
    assert weights.value == Decimal(100)
    [mean] = steps(ikpa, "weighted_mean")
    assert (mean.substituted, mean.value) == ("8944.95 / 100", Decimal("89.4495"))
    assert ikpa.rounding is not None and ikpa.rounding.rounded == Decimal("89.45")
    text = nka.to_text()
    assert "Indikator rujukan: demo.ikpa" in text
    assert "    Penjelasan demo.ikpa (2023)" in text  # nested, indented
    assert "= 8944.95 / 100 = 89.4495" in text
    assert "89.4495 -> 89.45" in text


def test_depth_limits_nesting(demo_catalog: kinerja.Catalog) -> None:
    flat = kinerja.explain(demo_catalog, "demo.nka", DEMO_DATA, depth=0)
    assert flat.references == ()
    with pytest.raises(ValueError, match="depth"):
        kinerja.explain(demo_catalog, "demo.nka", DEMO_DATA, depth=-1)


def test_series_steps(demo_catalog: kinerja.Catalog) -> None:
    sdm = kinerja.explain(demo_catalog, "demo.sdm", DEMO_DATA)
    first, mean, last = sdm.steps
    assert first.expression == "melapor / ditugaskan"
    assert isinstance(first.value, tuple) and len(first.value) == 12
    assert mean.expression == "mean(melapor / ditugaskan)"
    assert last.kind == "value"
    assert sdm.rounding is not None and sdm.rounding.rounded == Decimal("97.79")
    text = sdm.to_text()
    assert "(12 nilai)" in text
    assert not PYTHON_REPRS.search(text)


# ---------------------------------------------------------------- Rehsos: carry-forward, bands


def test_akip_carried_forward_from_2022(rehsos: kinerja.Catalog) -> None:
    akip = kinerja.explain(rehsos, "rehsos.akip", REHSOS_DATA, year=2023)
    assert akip.result.origin == "carried_forward"
    assert akip.result.origin_year == 2022
    assert akip.steps == ()
    assert akip.rounding is not None and akip.rounding.rounded == Decimal("80.09")
    assert akip.achievement is not None and akip.achievement.rounded == Decimal("98.88")
    assert all(i.missing == "tidak ada data 2023" for i in akip.inputs)
    carried = akip.carried_from
    assert carried is not None and carried.year == 2022
    assert carried.result.origin == "reported"
    assert carried.reported is not None
    assert carried.reported.value == Decimal("80.09")
    assert carried.reported.source == "Tabel 8.2, 2022"
    assert carried.reported.file is not None and carried.reported.file.endswith("2022.toml")
    text = akip.to_text()
    assert "carry_forward): dari tahun 2022" in text
    assert "no 2023 value: the 2022 value is carried forward (carry_forward = 1)" in text
    assert "Nilai 2022 yang dibawa (carry-forward)" in text
    assert "dilaporkan: 80.09; sumber: Tabel 8.2, 2022" in text


def test_akip_from_one_file_has_no_value(rehsos: kinerja.Catalog) -> None:
    akip = kinerja.explain(rehsos, "rehsos.akip", REHSOS_DATA / "2023.toml")
    assert akip.result.value is None
    assert akip.rounding is None
    assert "tidak ada nilai" in akip.to_text()


def test_ikm_reported_value_in_band_a(rehsos: kinerja.Catalog) -> None:
    ikm = kinerja.explain(rehsos, "rehsos.ikm", REHSOS_DATA, year=2023)
    assert ikm.result.origin == "reported"
    assert ikm.reported is not None and ikm.reported.value == Decimal("89.15")
    band = ikm.band
    assert band is not None
    assert (band.band_set, band.label, band.name) == ("ikm", "A", "Sangat Baik")
    assert (band.min, band.max) == (Decimal("88.31"), Decimal("100.00"))
    assert [b[0] for b in band.bands] == ["A", "B", "C", "D"]
    text = ikm.to_text()
    assert "89.15 berada di rentang 88.31 sampai 100.00: kategori A (Sangat Baik)" in text
    assert ikm.achievement is not None and ikm.achievement.rounded == Decimal("100.17")


def test_rehsos_kemampuan_group_labels_and_versions(rehsos: kinerja.Catalog) -> None:
    explanation = kinerja.explain(rehsos, "rehsos.kemampuan", REHSOS_DATA / "2023.toml")
    assert explanation.rounding is not None and explanation.rounding.rounded == Decimal("88.04")
    [num] = steps(explanation, "numerator_total")
    assert num.substituted == "1794 + 1939 + 3666 + 2006"
    text = explanation.to_text()
    assert "kelompok korban_bencana (Korban Bencana dan Kedaruratan):" in text
    assert "berlaku (in_force): mulai 2023" in text
    assert "versi lain: sampai 2022" in text
    old = kinerja.explain(rehsos, "rehsos.kemampuan", REHSOS_DATA, year=2022)
    assert old.file.endswith("kemampuan-2022.toml")
    assert old.evaluated == "(pm_meningkat) / (pm_layanan) * 100"


def test_disaggregated_expression_sums_inputs(rehsos: kinerja.Catalog) -> None:
    sisa = kinerja.explain(rehsos, "rehsos.anggaran.sisa_jenis", REHSOS_DATA / "2023.toml")
    totals = steps(sisa, "input_total")
    assert [t.expression for t in totals] == ["sum(pagu)", "sum(realisasi)"]
    last = sisa.steps[-1]
    assert (last.group, last.value) == (None, Decimal(53377700340))
    assert last.substituted == "2440968652000 - 2387590951660"


def test_every_rehsos_indicator_explains_in_every_format(rehsos: kinerja.Catalog) -> None:
    years = kinerja.load_years(REHSOS_DATA)
    history = rehsos.evaluate_years(years)
    for year, results in history.items():
        for result in results:
            explanation = kinerja.explain(rehsos, result.id, years, year=year, depth=1)
            assert explanation.result == result
            if result.exact is not None and explanation.steps:
                assert explanation.steps[-1].value == result.exact, (result.id, year)
            text = explanation.to_text()
            assert not PYTHON_REPRS.search(text), (result.id, PYTHON_REPRS.search(text))
            json.loads(explanation.to_json())
            assert not PYTHON_REPRS.search(explanation.to_markdown().replace("[]", ""))


# ---------------------------------------------------------------- JSON and Markdown


def test_json_is_structured(kemampuan: Explanation, nka: Explanation) -> None:
    data = json.loads(kemampuan.to_json())
    assert data["id"] == "demo.kemampuan"
    assert data["definition"]["file"].endswith("kemampuan.toml")
    assert data["formula"]["form"] == "ratio"
    assert data["formula"]["written"]["factor"] == "100"
    assert data["formula"]["total"] == "ratio of sums"
    assert data["rounding"] == {
        "exact": data["exact"],
        "decimals": 2,
        "rounded": "87.55",
        "rule": "half-up",
    }
    assert data["exact"].startswith("87.5469")
    assert data["achievement"]["rounded"] == "109.43"
    kinds = [s["kind"] for s in data["steps"]]
    assert kinds.count("ratio") == 2 and "ratio_total" in kinds
    inputs = {(i["group"], i["name"]): i for i in data["inputs"]}
    assert inputs[("anak", "pm_meningkat")]["value"] == "1794"
    assert inputs[("anak", "pm_meningkat")]["line"] == 4
    assert data["sampling"]["sample"] == "4264"
    nested = json.loads(nka.to_json())
    assert nested["references"][0]["id"] == "demo.ikpa"
    assert len([s for s in nested["references"][0]["steps"] if s["kind"] == "term"]) == 8


def test_markdown(kemampuan: Explanation, nka: Explanation) -> None:
    md = kemampuan.to_markdown()
    assert md.startswith("# demo.kemampuan (2023)")
    assert "| anak | `pm_meningkat` | 1794 | person |" in md
    assert "| total | jumlah pembilang | `sum(pm_meningkat)` | `1794 + 1939` | 3733 |" in md
    assert "→ **87.55**" in md
    assert "### demo.ikpa (2023)" in nka.to_markdown()


# ---------------------------------------------------------------- the command


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "explain",
        str(DEMO / "indicators"),
        "demo.kemampuan",
        "--data",
        str(DEMO_DATA),
        "--year",
        "2023",
    )
    assert code == 0
    assert "3733 / 4264 * 100 = 87.5469" in out
    assert "-> 109.43" in out


def test_cli_json_and_folder_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "explain",
        str(REHSOS),
        "rehsos.akip",
        "--data",
        str(REHSOS_DATA),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert (data["year"], data["origin"], data["origin_year"]) == (2023, "carried_forward", 2022)
    assert data["carried_from"]["reported"]["value"] == "80.09"


def test_cli_markdown_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nka.md"
    code, _, err = cli(
        capsys,
        "explain",
        str(DEMO / "indicators"),
        "demo.nka",
        "--data",
        str(DEMO_DATA),
        "--format",
        "md",
        "-o",
        str(target),
    )
    assert code == 0
    assert f"written: {target}" in err
    assert target.read_text(encoding="utf-8").startswith("# demo.nka (2023)")


def test_cli_refuses_to_overwrite_an_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        capsys,
        "explain",
        str(DEMO / "indicators"),
        "demo.nka",
        "--data",
        str(DEMO_DATA),
        "-o",
        str(DEMO_DATA),
    )
    assert code == 2
    assert "refusing to write" in err


@pytest.mark.parametrize(
    ("indicator", "extra", "message"),
    [
        ("demo.kemampuann", (), "no indicator 'demo.kemampuann' is defined (did you mean"),
        ("demo.nka", ("--year", "2022"), "the data is for 2023, but 2022 was asked for"),
    ],
)
def test_cli_problems(
    capsys: pytest.CaptureFixture[str], indicator: str, extra: tuple[str, ...], message: str
) -> None:
    code, out, err = cli(
        capsys, "explain", str(DEMO / "indicators"), indicator, "--data", str(DEMO_DATA), *extra
    )
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


def test_cli_not_in_force_and_year_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        capsys, "explain", str(REHSOS), "rehsos.pmprb", "--data", str(REHSOS_DATA / "2023.toml")
    )
    assert code == 2
    assert "no definition of 'rehsos.pmprb' is in force in 2023 (it is in force until 2022)" in err
    code, _, err = cli(
        capsys,
        "explain",
        str(REHSOS),
        "rehsos.lembaga",
        "--data",
        str(REHSOS_DATA),
        "--year",
        "2019",
    )
    assert code == 2
    assert "no data for 2019 (the data has 2020, 2021, 2022, 2023)" in err


def test_api_accepts_a_mapping(demo_catalog: kinerja.Catalog) -> None:
    explanation = kinerja.explain(
        demo_catalog,
        "demo.kemampuan",
        {"demo.kemampuan": {"pm_meningkat": 1794, "pm_dimonev": 2035, "pm_layanan": 5929}},
        year=2023,
    )
    assert explanation.rounding is not None and explanation.rounding.rounded == Decimal("88.16")
    assert all(i.file is None for i in explanation.inputs)
    assert explanation.steps[-1].substituted == "1794 / 2035 * 100"


# ---------------------------------------------------------------- writing formulas back


@pytest.mark.parametrize(
    "text",
    [
        "a - (b - c) + (a + b) * c / (a / b)",
        "-(a - b) ** 2 + (-a) ** 2 - -a",
        "a / b / c",
        "a / (b / c)",
        "a ** -2 + a ** +2",
        "(a ** 2) ** 2",
        "where(a > 0 and not b < 1, a, b) + round(a / 3, 2)",
        "a if a > b else b * 2",
        "(a if a > b else b) * 2",
        "0.5 * a + 1e3 * b - 1_000 * c",
        "abs(a - b) + max(a, b, c) - min(a, 1)",
        "where(a < b <= c, 1, 0)",
    ],
)
def test_render_formula_means_the_same(text: str) -> None:
    names = ["a", "b", "c"]
    formula = kinerja.compile_formula(text, names)
    shown = render_formula(formula.tree)
    assert "Decimal" not in shown
    again = kinerja.compile_formula(shown, names)
    values = {"a": Decimal(7), "b": Decimal(3), "c": Decimal(2)}
    assert again.evaluate(values) == formula.evaluate(values)
    assert render_formula(again.tree) == shown


def test_catalog_explain_is_the_same_as_the_function() -> None:
    catalog = kinerja.load(ROOT / "indicators" / "rehsos")
    data = ROOT / "examples" / "rehsos-2023" / "data"
    by_method = catalog.explain("rehsos.nka", data, year=2023)
    by_function = kinerja.explain(catalog, "rehsos.nka", data, year=2023)
    assert by_method.to_json() == by_function.to_json()
    assert by_method.rounding is not None
    assert by_method.rounding.rounded == Decimal("91.31")
