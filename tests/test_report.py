"""``kinerja report``: the tables of a Laporan Kinerja, checked cell by cell on the rehsos example.

The expected numbers are the ones kinerja computes for the shipped 2023 report (and the
report prints): kemampuan 88,04% with capaian 110,05%, pagu Rp2.440.968.652.000, and among
the ten IKU 8 above, 1 at and 1 below 100% once AKIP carries its 2022 value forward.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import kinerja
from kinerja._cli import main
from kinerja._report import Report, Table, build_report, render
from kinerja._report._format import Formatter

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "indicators" / "rehsos"
DATA = ROOT / "examples" / "rehsos-2023" / "data"
DEMO = ROOT / "examples" / "demo"

IKU_ORDER = [
    "rehsos.kebutuhan_dasar",
    "rehsos.kemampuan",
    "rehsos.pendapatan",
    "rehsos.sdm",
    "rehsos.lembaga",
    "rehsos.spm_provinsi",
    "rehsos.spm_kabkota",
    "rehsos.akip",
    "rehsos.nka",
    "rehsos.ikm",
]


@pytest.fixture(scope="module")
def catalog() -> kinerja.Catalog:
    return kinerja.load(DEFINITIONS)


@pytest.fixture(scope="module")
def years() -> list[kinerja.YearData]:
    return kinerja.load_years(DATA)


@pytest.fixture(scope="module")
def history(catalog: kinerja.Catalog, years: list[kinerja.YearData]) -> dict[int, kinerja.Results]:
    return catalog.evaluate_years(years)


@pytest.fixture(scope="module")
def report_id(
    catalog: kinerja.Catalog, years: list[kinerja.YearData], history: dict[int, kinerja.Results]
) -> Report:
    return build_report(catalog, history, 2023, data=years[-1], locale="id")


@pytest.fixture(scope="module")
def report_en(
    catalog: kinerja.Catalog, years: list[kinerja.YearData], history: dict[int, kinerja.Results]
) -> Report:
    return build_report(catalog, history, 2023, data=years[-1], locale="en")


def cell(report: Report, table_key: str, indicator: str, column: str, row: int = 0) -> str:
    """The text of ``column`` in the ``row``-th row of ``indicator`` in a table."""
    table = report.table(table_key)
    rows = [r for r in table.rows if r.indicator == indicator]
    return Formatter(report.locale).cell(rows[row].cells[table.column(column)])


def row_texts(report: Report, table: Table, first: str) -> list[str]:
    """The texts of the row whose first cell reads ``first``."""
    formatter = Formatter(report.locale)
    for row in table.rows:
        texts = [formatter.cell(c) for c in row.cells]
        if texts[0] == first:
            return texts
    raise AssertionError(f"no row {first!r} in {table.key}")


# ---------------------------------------------------------------------------- the model


def test_summary_key_cells_in_both_locales(report_id: Report, report_en: Report) -> None:
    assert cell(report_id, "summary", "rehsos.kemampuan", "value") == "88,04%"
    assert cell(report_id, "summary", "rehsos.kemampuan", "achievement") == "110,05%"
    assert cell(report_id, "summary", "rehsos.kemampuan", "target") == "80%"
    assert cell(report_id, "summary", "rehsos.kemampuan", "status") == "di atas target"
    assert cell(report_id, "summary", "rehsos.kebutuhan_dasar", "status") == "tercapai"
    assert cell(report_id, "summary", "rehsos.akip", "status") == "di bawah target"
    assert cell(report_id, "summary", "rehsos.pegawai.jumlah", "value") == "1.887"
    assert cell(report_id, "summary", "rehsos.ikm", "band") == "A (Sangat Baik)"
    assert cell(report_id, "summary", "rehsos.ikpa", "status") == "n/a"
    assert cell(report_en, "summary", "rehsos.kemampuan", "value") == "88.04%"
    assert cell(report_en, "summary", "rehsos.kemampuan", "achievement") == "110.05%"
    assert cell(report_en, "summary", "rehsos.kemampuan", "status") == "above target"
    assert cell(report_en, "summary", "rehsos.pegawai.jumlah", "value") == "1,887"
    assert [c.label for c in report_id.table("summary").columns][:8] == [
        "No", "Sasaran", "Indikator", "Satuan", "Target", "Realisasi", "Capaian", "Status",
    ]  # fmt: skip
    assert [c.label for c in report_en.table("summary").columns][:8] == [
        "No", "Goal", "Indicator", "Unit", "Target", "Actual", "Achievement", "Status",
    ]  # fmt: skip


def test_summary_has_every_indicator_by_goal_then_indicator_order(
    report_id: Report, history: dict[int, kinerja.Results]
) -> None:
    rows = report_id.table("summary").rows
    assert len(rows) == len(history[2023])
    assert [r.indicator for r in rows[:10]] == IKU_ORDER
    assert cell(report_id, "summary", "rehsos.kemampuan", "goal").startswith(
        "Meningkatnya kemampuan kelompok"
    )
    numbers = [Formatter("id").cell(r.cells[0]) for r in rows]
    assert numbers == [str(i) for i in range(1, len(rows) + 1)]


def test_counts_of_key_indicators(report_id: Report, history: dict[int, kinerja.Results]) -> None:
    # Computed independently from the results: status of every indicator tagged "iku".
    catalog_tags = {r.id for r in history[2023] if r.id in IKU_ORDER}
    statuses = [history[2023][i].status.value for i in catalog_tags]
    expected = {s: statuses.count(s) for s in ("above", "met", "below", "n/a")}
    assert expected == {"above": 8, "met": 1, "below": 1, "n/a": 0}
    assert report_id.counts == {**expected, "total": 10}
    table = report_id.table("counts")
    assert row_texts(report_id, table, "Di atas target (> 100%)")[1:] == [
        "8",
        "2, 3, 4, 5, 6, 7, 9, 10",
    ]
    assert row_texts(report_id, table, "Tercapai (= 100%)")[1] == "1"
    assert row_texts(report_id, table, "Di bawah target (< 100%)")[1:] == ["1", "8"]
    # The arithmetic mean of the ten published capaian (the replay's "mean over 10
    # indicators"; the report itself prints 113,23%, which no method reproduces).
    mean = row_texts(report_id, table, "Rata-rata capaian (rata-rata hitung, n = 10)")
    assert mean[1] == "108,40%"


def test_counts_from_one_file_have_no_carried_value(catalog: kinerja.Catalog) -> None:
    data = kinerja.load_data(DATA / "2023.toml")
    results = catalog.evaluate(data, year=2023)
    report = build_report(catalog, {2023: results}, 2023, data=data)
    assert report.counts == {"above": 8, "met": 1, "below": 0, "n/a": 1, "total": 10}
    assert report.years == (2023,)


def test_goal_tables(report_id: Report) -> None:
    goals = [t for t in report_id.tables if t.kind == "goal"]
    assert [t.key for t in goals] == [f"goal:rehsos.sp{i}" for i in range(1, 8)]
    assert goals[0].title.startswith("Sasaran 1 (utama): Berkurangnya beban pengeluaran")
    assert goals[3].title.startswith("Sasaran 4 (pendukung):")
    sp6 = report_id.table("goal:rehsos.sp6")
    assert [r.indicator for r in sp6.rows if r.kind == "data"] == ["rehsos.akip", "rehsos.nka"]
    assert cell(report_id, "goal:rehsos.sp6", "rehsos.akip", "value") == "80,09"
    assert any("2022" in note and "No. 8" in note for note in sp6.notes)
    mean = row_texts(report_id, sp6, "")
    assert mean[sp6.column("achievement")] == "100,17%"  # (98,88 + 101,46) / 2


def test_cluster_table_of_kemampuan(report_id: Report) -> None:
    table = report_id.table("clusters:rehsos.kemampuan")
    assert table.columns[0].label == "Kluster"
    anak = row_texts(report_id, table, "Anak")
    assert anak[-1] == "88,16%"
    total = row_texts(report_id, table, "Total")
    assert total[1:] == ["37.869", "10.683", "9.405", "88,04%"]
    # A declared group without data is shown as n/a, and said.
    pendapatan = report_id.table("clusters:rehsos.pendapatan")
    assert row_texts(report_id, pendapatan, "Anak")[1:] == ["n/a"] * 4
    assert "Anak: tidak ada data" in pendapatan.notes
    # Budget indicators have their own tables, not cluster tables.
    assert not any(t.key.startswith("clusters:rehsos.anggaran") for t in report_id.tables)


def test_sampling_table_has_the_95_ci(report_id: Report, report_en: Report) -> None:
    table = report_id.table("sampling")
    rows = [r for r in table.rows if r.indicator == "rehsos.kemampuan"]
    formatter = Formatter("id")
    total = [formatter.cell(c) for c in rows[-1].cells]
    assert total[2:] == ["Total", "10.683", "37.869", "28,21%", "88,04%", "87,50%", "88,55%"]
    assert rows[-1].kind == "total"
    assert len(rows) == 5  # four kluster and the total
    en = [Formatter("en").cell(c) for c in report_en.table("sampling").rows[4].cells]
    assert en[-2:] == ["87.50%", "88.55%"]


def test_year_over_year(report_id: Report) -> None:
    table = report_id.table("yoy")
    assert [c.label for c in table.columns][3:] == [
        "2020", "2021", "2022", "2023", "Target 2024", "Catatan",
    ]  # fmt: skip
    assert [r.indicator for r in table.rows] == IKU_ORDER
    kemampuan = row_texts(report_id, table, "2")
    assert kemampuan[3:8] == ["n/a", "n/a", "91,42%", "88,04%", "80%"]
    assert "tidak dapat dibandingkan: definisi berubah pada 2023" in kemampuan[8]
    akip = row_texts(report_id, table, "8")
    assert akip[3:8] == ["74,00", "76,10", "80,09", "80,09", "81"]
    assert akip[8] == "2023: memakai nilai 2022"
    nka = row_texts(report_id, table, "9")
    assert nka[8] == ""  # one definition for every year: comparable
    series = {s.indicator: s for s in report_id.series}
    assert series["rehsos.kemampuan"].changed == (2023,)
    assert series["rehsos.kemampuan"].years == (2020, 2021, 2022, 2023, 2024)
    assert series["rehsos.nka"].values[:4] == tuple(
        Decimal(v) for v in ("90.74", "91.09", "92.01", "91.31")
    )


def test_budget_tables(report_id: Report, report_en: Report) -> None:
    table = report_id.table("budget:rehsos.anggaran.serapan_jenis")
    assert [c.label for c in table.columns] == [
        "Jenis Belanja",
        "Pagu",
        "Realisasi",
        "Realisasi anggaran per Jenis Belanja (%)",
        "Sisa anggaran per Jenis Belanja",
    ]
    total = row_texts(report_id, table, "Total")
    assert total[1:] == ["Rp2.440.968.652.000", "Rp2.387.590.951.660", "97,81%", "Rp53.377.700.340"]
    assert row_texts(report_id, table, "Modal")[1:] == [
        "Rp6.023.860.000",
        "Rp6.020.592.555",
        "99,95%",
        "Rp3.267.445",
    ]
    kewenangan = report_id.table("budget:rehsos.anggaran.serapan_kewenangan")
    assert row_texts(report_id, kewenangan, "Total")[1] == "Rp2.440.968.652.000"
    en = row_texts(report_en, report_en.table("budget:rehsos.anggaran.serapan_jenis"), "Total")
    assert en[1] == "IDR 2,440,968,652,000"


def test_formatter_keeps_every_digit() -> None:
    assert Formatter("id").number(Decimal("12345678901234567890.123456789"), "number", 9) == (
        "12.345.678.901.234.567.890,123456789"
    )
    assert Formatter("id").number(Decimal("-0.125"), "number", 3) == "-0,125"
    assert Formatter("en").number(Decimal("1000.00"), "percent", 2) == "1,000.00%"


def test_demo_without_goal_files(demo_catalog: kinerja.Catalog) -> None:
    results = demo_catalog.evaluate(DEMO / "data-2023.toml", year=2023)
    report = build_report(demo_catalog, {2023: results}, 2023, locale="en")
    assert report.table("goal:demo.sp2").title == "Goal 1: demo.sp2"
    assert report.counts["total"] == 3  # no "iku" tag: every indicator with a target
    assert report.table("counts").title == "Indicators by achievement"


# ---------------------------------------------------------------------------- formats


def test_markdown(report_id: Report) -> None:
    text = render(report_id, "md")
    assert isinstance(text, str)
    assert text.startswith("# Laporan Kinerja 2023\n")
    assert "## Ringkasan capaian kinerja 2023" in text
    assert "| 80% | 88,04% | 110,05% | di atas target |" in text
    assert "**Rp2.440.968.652.000**" in text
    tables = [line for line in text.splitlines() if line.startswith("| ---")]
    assert len(tables) == len(report_id.tables)


def test_terminal_plain_and_coloured(report_id: Report) -> None:
    plain = render(report_id, "terminal")
    assert isinstance(plain, str)
    assert "\x1b[" not in plain
    assert "88,04%" in plain
    assert "110,05%" in plain
    assert "Rp2.440.968.652.000" in plain
    assert not any(line != line.rstrip() for line in plain.splitlines())
    coloured = render(report_id, "terminal", color=True, width=200)
    assert isinstance(coloured, str)
    assert "\x1b[" in coloured


def test_csv_parses(report_id: Report, report_en: Report) -> None:
    text = render(report_id, "csv")
    assert isinstance(text, str)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["table"] for r in rows} == {t.key for t in report_id.tables}

    def find(table: str, indicator: str, column: str, kind: str = "data") -> dict[str, str]:
        return next(
            r
            for r in rows
            if r["table"] == table
            and r["indicator"] == indicator
            and r["column"] == column
            and r["row_kind"] == kind
        )

    found = find("summary", "rehsos.kemampuan", "achievement")
    assert (found["value"], found["text"], found["label"]) == ("110.05", "110,05%", "Capaian")
    assert find("summary", "rehsos.kemampuan", "status")["value"] == "above"
    pagu = find("budget:rehsos.anggaran.serapan_jenis", "rehsos.anggaran.serapan_jenis",
                "input:pagu", "total")  # fmt: skip
    assert (pagu["value"], pagu["text"]) == ("2440968652000", "Rp2.440.968.652.000")
    en = list(csv.DictReader(io.StringIO(str(render(report_en, "csv")))))
    assert any(r["text"] == "88.04%" and r["column"] == "value" for r in en)


def test_json_is_the_structured_report(report_id: Report) -> None:
    document = json.loads(str(render(report_id, "json")))
    assert document["kind"] == "kinerja.report"
    assert document["year"] == 2023
    assert document["years"] == [2020, 2021, 2022, 2023]
    assert document["counts"] == {"above": 8, "met": 1, "below": 1, "n/a": 0, "total": 10}
    summary = next(t for t in document["tables"] if t["key"] == "summary")
    kemampuan = next(r for r in summary["rows"] if r["indicator"] == "rehsos.kemampuan")
    assert kemampuan["cells"]["value"] == {
        "kind": "number",
        "value": "88.04",
        "style": "percent",
        "decimals": 2,
        "text": "88,04%",
    }
    assert kemampuan["status"] == "above"
    chart = document["charts"]["year_over_year"][1]
    assert chart["indicator"] == "rehsos.kemampuan"
    assert chart["values"] == [None, None, "91.42", "88.04", None]
    assert chart["changed"] == [2023]


def test_xlsx_numbers_are_numbers(report_id: Report, report_en: Report) -> None:
    import openpyxl

    data = render(report_id, "xlsx")
    assert isinstance(data, bytes)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == len(report_id.tables)
    assert book.sheetnames[0] == "Ringkasan"
    sheet = book["Ringkasan"]
    assert sheet["A1"].value == "Ringkasan capaian kinerja 2023"
    header = [c.value for c in sheet[2]]
    row = next(
        r for r in sheet.iter_rows(min_row=3) if r[2].value and "meningkat kemampuan" in r[2].value
    )
    value = row[header.index("Realisasi")]
    assert value.value == 88.04
    assert value.data_type == "n"
    assert value.number_format == '#,##0.00"%"'
    achieved = row[header.index("Capaian")]
    assert (achieved.value, achieved.number_format) == (110.05, '#,##0.00"%"')
    assert row[header.index("Target")].value == 80
    assert row[header.index("Target")].number_format == '#,##0"%"'
    assert row[header.index("Status")].value == "di atas target"
    assert row[0].value == 2 and row[0].number_format == "#,##0"
    budget = book["Anggaran 1"]
    total = next(r for r in budget.iter_rows(min_row=3) if r[0].value == "Total")
    assert total[1].value == 2440968652000
    assert isinstance(total[1].value, int)
    assert total[1].number_format == "[$Rp-421]#,##0"
    assert total[3].value == 97.81
    counts = book["Jumlah IKU"]
    assert [(r[0].value, r[1].value) for r in counts.iter_rows(min_row=3, max_row=5)] == [
        ("Di atas target (> 100%)", 8),
        ("Tercapai (= 100%)", 1),
        ("Di bawah target (< 100%)", 1),
    ]
    english = openpyxl.load_workbook(io.BytesIO(bytes(render(report_en, "xlsx"))))
    total_en = next(r for r in english["Budget 1"].iter_rows(min_row=3) if r[0].value == "Total")
    assert total_en[1].number_format == "[$IDR-409] #,##0"


# ---------------------------------------------------------------------------- the command


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_every_format_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("md", "csv", "json", "html", "xlsx", "terminal"):
        target = tmp_path / f"report.{fmt}"
        code, out, err = run(
            capsys, "report", str(DEFINITIONS), "--data", str(DATA), "--format", fmt,
            "-o", str(target),
        )  # fmt: skip
        assert code == 0, err
        assert out == ""
        assert err == f"written: {target}\n"  # no progress bar: stderr is not a terminal
        assert target.stat().st_size > 1000
    assert "110,05%" in (tmp_path / "report.md").read_text(encoding="utf-8")
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document["counts"]["above"] == 8


def test_cli_stdout_locale_and_year(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "report", str(DEFINITIONS), "--data", str(DATA / "2023.toml"), "--format", "md",
        "--locale", "en", "--year", "2023",
    )  # fmt: skip
    assert code == 0
    assert "| 80% | 88.04% | 110.05% | above target |" in out
    assert "\x1b[" not in out


def test_cli_refuses_bad_requests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", str(DEFINITIONS), "--data", str(DATA), "--year", "2030")
    assert code == 2
    assert "no data file for 2030 in this folder (it has 2020, 2021, 2022, 2023)" in err
    inside = DEFINITIONS / "report.md"
    code, _, err = run(
        capsys, "report", str(DEFINITIONS), "--data", str(DATA), "--format", "md",
        "-o", str(inside),
    )  # fmt: skip
    assert code == 2
    assert "inside the input folder" in err
    assert not inside.exists()
    with pytest.raises(SystemExit) as exit_info:  # argparse: invalid choice
        main(["report", str(DEFINITIONS), "--data", str(DATA), "--format", "pdf"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_import_stays_light() -> None:
    # Loading definitions may import babel (pint does, for its own formatting); the report
    # model and the command's parser add none of the renderers' dependencies.
    code = (
        "import sys, kinerja, kinerja._cli, kinerja._report\n"
        "heavy = ('rich', 'babel', 'openpyxl')\n"
        "kinerja._cli._parser()\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "catalog = kinerja.load('examples/demo/indicators')\n"
        "before = {m for m in heavy if m in sys.modules}\n"
        "results = catalog.evaluate('examples/demo/data-2023.toml', year=2023)\n"
        "kinerja._report.build_report(catalog, {2023: results}, 2023)\n"
        "print(','.join(m for m in heavy if m in sys.modules and m not in before))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.splitlines() == ["", ""]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kinerja._cli", "report", str(DEFINITIONS), "--data",
             str(DATA), "--format", "md", "-o", str(target)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"}, timeout=60, check=False,
        )  # fmt: skip
        os.close(terminal)
        terminal = -1
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    assert done.returncode == 0
    assert target.exists()
    shown = seen.decode("utf-8", "replace")
    assert "written:" in shown
    assert "\x1b[" in shown  # rich drew (and then cleared) a live progress bar


# ---------------------------------------------------------------------------- edge cases


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_new_indicator_changed_definition_and_range_target(tmp_path: Path) -> None:
    defs, data = tmp_path / "defs", tmp_path / "data"
    _write(defs, "g.toml", 'kind = "goal"\nid = "t.g"\nname = "Sasaran uji"\norder = 1\n')
    ratio = (
        'goal = "t.g"\nunit = "percent"\ntags = ["iku"]\n'
        '[formula]\nnumerator = "a"\ndenominator = "b"\nfactor = 100\n'
        '[inputs]\na = { unit = "person" }\nb = { unit = "person" }\n'
    )
    _write(
        defs,
        "new.toml",
        'id = "t.new"\nname = "Baru"\norder = 1\nin_force = { from = 2023 }\n'
        + ratio
        + "[targets]\n2023 = { min = 80, max = 90 }\n2024 = 85\n",
    )
    _write(
        defs,
        "old.toml",
        'id = "t.v"\nname = "Lama"\norder = 2\nin_force = { until = 2022 }\n' + ratio,
    )
    _write(
        defs,
        "v.toml",
        'id = "t.v"\nname = "Versi"\norder = 2\nin_force = { from = 2023 }\n'
        + ratio
        + "[targets]\n2023 = 50\n",
    )
    _write(data, "2022.toml", 'year = 2022\n[values."t.v"]\na = 1\nb = 2\n')
    _write(
        data,
        "2023.toml",
        'year = 2023\n[values."t.new"]\na = 95\nb = 100\n[values."t.v"]\na = 2\nb = 4\n',
    )
    catalog = kinerja.load(defs)
    years = kinerja.load_years(data)
    report = build_report(catalog, catalog.evaluate_years(years), 2023, data=years[-1])
    yoy = report.table("yoy")
    formatter = Formatter("id")
    new = [formatter.cell(c) for c in yoy.rows[0].cells]
    assert new[3:] == ["-", "95,00%", "85%", ""]  # not in force in 2022
    changed = [formatter.cell(c) for c in yoy.rows[1].cells]
    assert changed[3:] == [
        "50,00%",
        "50,00%",
        "",
        "tidak dapat dibandingkan: definisi berubah pada 2023",
    ]
    assert cell(report, "summary", "t.new", "target") == "80%–90%"
    assert cell(report, "summary", "t.new", "achievement") == "94,44%"  # (2 - 95/90) x 100
    assert report.counts == {"above": 0, "met": 1, "below": 1, "n/a": 0, "total": 2}
    # Every format copes with a range target and an empty cell.
    for fmt in ("md", "csv", "json", "html", "xlsx", "terminal"):
        assert render(report, fmt)


def test_docs_name_every_format_and_table() -> None:
    docs = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    for fmt in ("terminal", "md", "html", "csv", "xlsx", "json"):
        assert f"`{fmt}`" in docs, fmt
    for key in (
        "summary",
        "goal:<id>",
        "clusters:<id>",
        "sampling",
        "yoy",
        "budget:<id>",
        "counts",
    ):
        assert f"`{key}`" in docs, key
    for figure in ("88,04%", "110,05%", "Rp2.440.968.652.000", "Rp2.387.590.951.660", "108,40%"):
        assert figure in docs, figure
