"""Replaying the 2023 Laporan Kinerja of Ditjen Rehabilitasi Sosial."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kinerja
from kinerja._achievement import achievement
from kinerja._backends import Interval
from kinerja._cli import main
from kinerja._model import RangeTarget
from kinerja._replay import (
    Replay,
    achievement_interval,
    gap_interval,
    load_published,
    parse_printed,
    replay,
)

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "indicators" / "rehsos"
EXAMPLE = ROOT / "examples" / "rehsos-2023"

# The contradictions the report's own numbers prove (figure ids of published.toml).
CONTRADICTIONS = {
    "F003": "Ikhtisar average capaian 113,23%: no stated method yields it",
    "F078": "Bab III average capaian 103,09%: no stated method yields it",
    "F113": "text says the 2021 AKIP value is used; the footnote and Tabel 8.2 say 2022",
    "F225": "Tabel 5.1 prints realisasi 2023 97,04%, everywhere else 97,72%",
    "F226": "Tabel 5.1 target 2024 82% against Tabel 1's 84",
    "F241": "Tabel 6.1 target 2024 81% against Tabel 1's 83",
    "F242": "Tabel 7.1 target 2024 73% against Tabel 1's 75",
    "F256": "Tabel 8.2 target 2024 82 against Tabel 1's 81",
    "F257": "AKIP 'selisih 1,91 poin' to the 2024 target; Tabel 1's target gives 0,91",
}


@pytest.fixture(scope="module")
def catalog() -> kinerja.Catalog:
    return kinerja.load(DEFINITIONS)


@pytest.fixture(scope="module")
def report(catalog: kinerja.Catalog) -> Replay:
    return replay(catalog, EXAMPLE)


def mismatches(result: Replay) -> set[str]:
    return {c.id for c in result.checks if c.verdict == "mismatch"}


def test_the_report_contradicts_itself_exactly_here(report: Replay) -> None:
    assert mismatches(report) == set(CONTRADICTIONS)


def test_every_verdict_is_counted(report: Replay) -> None:
    summary = report.summary
    assert sum(summary.values()) == len(report.checks)
    assert summary["match"] > 300
    assert summary["consistent"] == 3  # the three printings of 117,78%


def test_spm_kabkota_capaian_is_consistent_not_equal(report: Replay) -> None:
    check = report["F026"]
    assert check.published == "117.78"
    assert check.computed == "117.77"
    assert check.verdict == "consistent"
    assert check.interval is not None
    low, high = (Decimal(x) for x in check.interval)
    assert low < Decimal("117.775") < high  # 83.615/71 .. 83.625/71


def test_unpublished_inputs_are_said_once(report: Replay) -> None:
    ikm = [c for c in report.checks if c.what == "realisasi rehsos.ikm 2023"]
    assert len(ikm) == 1
    (check,) = ikm
    assert check.verdict == "not_reproducible"
    assert "ikm_satker" in check.note
    assert check.where.count(";") >= 3  # every place it is printed, in one check


def test_carry_forward_is_used_and_flagged(catalog: kinerja.Catalog) -> None:
    years = catalog.evaluate_years(kinerja.load_years(EXAMPLE / "data"))
    akip = years[2023]["rehsos.akip"]
    assert akip.value == Decimal("80.09")
    assert akip.origin == "carried_forward"
    assert akip.origin_year == 2022
    assert akip.achievement == Decimal("98.88")
    assert any("carried forward" in str(n) for n in akip.notes)


def test_year_over_year_notes_a_changed_definition(report: Replay) -> None:
    older = [c for c in report.checks if c.what == "realisasi rehsos.kemampuan 2022"]
    assert older
    assert all("tidak dapat dibandingkan" in c.note for c in older)


def test_average_is_tried_by_every_method(report: Replay) -> None:
    assert report.methods
    names = " ".join(report.methods)
    assert "sasaran" in names and "indicators" in names and "capped" in names
    assert report["F003"].verdict == "mismatch"
    assert "no method reproduces" in report["F003"].note


def test_average_from_the_printed_capaian(report: Replay, catalog: kinerja.Catalog) -> None:
    # The report's own capaian (117,78 for SPM kabupaten/kota, where kinerja computes
    # 117.77) are a method of their own; their mean over the 10 IKU is checked by hand.
    published = load_published(EXAMPLE / "published.toml")
    printed: dict[str, Decimal] = {}
    for figure in published.figures:
        if figure.what == "achievement" and figure.year == 2023 and not figure.group:
            assert figure.indicator is not None and figure.printed.value is not None
            printed.setdefault(figure.indicator, figure.printed.value)
    iku = [i for i in printed if "iku" in catalog.indicator(i, 2023).tags]  # type: ignore[union-attr]
    assert len(iku) == 10
    expected = sum((printed[i] for i in iku), Decimal(0)) / 10
    assert report.methods["mean over 10 indicators (capaian as printed in the report)"] == expected


def test_json_contract(report: Replay) -> None:
    document = json.loads(report.to_json())
    assert document["year"] == 2023
    assert set(document["summary"]) == {"match", "consistent", "mismatch", "not_reproducible"}
    for check in document["checks"]:
        assert set(check) == {
            "id",
            "what",
            "where",
            "published",
            "computed",
            "verdict",
            "interval",
            "note",
        }
        for key in ("published", "computed"):
            assert check[key] is None or isinstance(check[key], str)
        if check["interval"] is not None:
            assert all(isinstance(x, str) for x in check["interval"])


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def _change_figure(example: Path, figure_id: str, new_printed: str) -> None:
    path = example / "published.toml"
    text = path.read_text(encoding="utf-8")
    number = int(figure_id[1:])
    starts = [m.start() for m in re.finditer(r"^\[\[figure\]\]", text, flags=re.M)]
    start = starts[number - 1]
    end = starts[number] if number < len(starts) else len(text)
    block = text[start:end]
    changed = re.sub(r'printed = "[^"]*"', f'printed = "{new_printed}"', block, count=1)
    assert changed != block
    path.write_text(text[:start] + changed + text[end:], encoding="utf-8")


@pytest.mark.parametrize(
    ("figure_id", "new_printed"),
    [
        ("F019", "97,73%"),  # a realisasi in the Ikhtisar table
        ("F026", "117,80%"),  # a capaian that was only consistent
        ("F027", "82"),  # a target
        ("F286", "99,70"),  # one unit above a value taken from a reference (half-open rounding)
        ("F031", "91,32"),  # NKA: 0.5 SMART + 0.5 IKPA, IKPA taken as published
    ],
)
def test_one_changed_figure_is_flagged_alone(
    catalog: kinerja.Catalog, report: Replay, tmp_path: Path, figure_id: str, new_printed: str
) -> None:
    example = _copy(tmp_path)
    _change_figure(example, figure_id, new_printed)
    changed = replay(catalog, example)
    assert mismatches(changed) == mismatches(report) | {figure_id}
    assert changed[figure_id].verdict == "mismatch"


def test_every_kind_of_figure_can_be_caught(
    catalog: kinerja.Catalog, report: Replay, tmp_path: Path
) -> None:
    """Change one matching figure of each kind; replay flags exactly that one."""
    document = (EXAMPLE / "published.toml").read_text(encoding="utf-8")
    whats = re.findall(r'^what = "([a-z_]+)"', document, flags=re.M)
    seen: set[str] = set()
    for number, what in enumerate(whats, start=1):
        figure_id = f"F{number:03d}"
        if what in seen or what in {"note", "band"} or report[figure_id].verdict != "match":
            continue
        published = report[figure_id].published
        if published is None:
            continue
        seen.add(what)
        value = Decimal(published) + (Decimal(1) if "." not in published else Decimal("0.5"))
        printed = str(value).replace(".", ",")
        example = _copy(tmp_path / what)
        _change_figure(example, figure_id, printed)
        changed = replay(catalog, example)
        assert mismatches(changed) == mismatches(report) | {figure_id}, (what, figure_id)
    assert {"value", "achievement", "target", "group", "input", "contribution"} <= seen


def test_cli_strict_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(DEFINITIONS), str(EXAMPLE), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["mismatch"] == len(CONTRADICTIONS)
    assert main(["replay", str(DEFINITIONS), str(EXAMPLE), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "Tabel 5.1" in out and "Summary:" in out


@pytest.mark.parametrize(
    ("text", "value", "decimals", "dot"),
    [
        ("88,04%", "88.04", 2, False),
        ("110%", "110", 0, False),
        ("Rp2.440.968.652.000,-", "2440968652000", 0, False),
        ("1.887", "1887", 0, False),
        ("90.74", "90.74", 2, True),
        ("80,09**", "80.09", 2, False),
        ("7 (tujuh)", "7", 0, False),
        ("2,4 Triliun", "2.4E+12", -11, False),
    ],
)
def test_printed_numbers(text: str, value: str, decimals: int, dot: bool) -> None:
    printed = parse_printed(text)
    assert printed.value == Decimal(value)
    assert printed.decimals == decimals
    assert printed.dot_decimal is dot


def test_printed_not_available() -> None:
    assert parse_printed("N/A").value is None


# ------------------------------------------------------------ intervals of derived figures

# Every number on the grid of hundredths: the extremes of capaian, which lie at an end of
# the interval or at a bound of a range, are then on the grid, and a scan of the grid
# finds them (the obviously correct, slow reference).
NUMBER = st.integers(-500, 2000).map(lambda k: Decimal(k) / 100)
TARGET = st.one_of(
    NUMBER,
    st.tuples(NUMBER, NUMBER).map(lambda p: RangeTarget(min=min(p), max=max(p))),
    NUMBER.map(lambda x: RangeTarget(min=x, max=x)),
)
POLARITY = st.sampled_from(["higher_is_better", "lower_is_better"])
SHARE = st.integers(0, 1000).map(lambda k: Decimal(k) / 1000)
SPAN = st.integers(0, 800).map(lambda k: Decimal(k) / 100)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(start=NUMBER, span=SPAN, target=TARGET, polarity=POLARITY)
def test_achievement_interval_is_exactly_the_range_of_capaian(
    start: Decimal, span: Decimal, target: Any, polarity: str
) -> None:
    low, high = start, start + span
    found = achievement_interval(Interval(low, high), target, polarity)  # type: ignore[arg-type]
    steps = int(span * 100)
    grid = [achievement(low + Decimal(k) / 100, target, polarity) for k in range(steps + 1)]  # type: ignore[arg-type]
    if grid[0] is None or grid[-1] is None:
        assert found is None
        return
    reached = [v for v in grid if v is not None]
    assert len(reached) == len(grid)  # capaian is defined between two ends where it is
    assert found == Interval(min(reached), max(reached))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(a=NUMBER, b=NUMBER, target=NUMBER, share=SHARE)
def test_gap_interval_is_exactly_the_range_of_the_distance(
    a: Decimal, b: Decimal, target: Decimal, share: Decimal
) -> None:
    low, high = sorted((a, b))
    found = gap_interval(Interval(low, high), target)
    nearest = Decimal(0) if low <= target <= high else min(abs(low - target), abs(high - target))
    assert found == Interval(nearest, max(abs(low - target), abs(high - target)))
    assert found.low <= abs(low + (high - low) * share - target) <= found.high


def test_a_point_range_target_reaches_100_inside_a_rounding_interval() -> None:
    """A realisasi printed as 80,00 against a target range 80-80 is capaian 100,00."""
    found = achievement_interval(
        Interval(Decimal("79.995"), Decimal("80.005")),
        RangeTarget(min=Decimal(80), max=Decimal(80)),
        "higher_is_better",
    )
    assert found is not None
    assert found.high == 100
