"""The HTML report: one self-contained page with tables and inline SVG charts.

The last test renders it in headless Chromium (Debian's ``chromium``; ``./dev test``
installs it when it can) and keeps a screenshot in ``artifacts/report.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import kinerja
from kinerja._report import Report, build_report, render
from kinerja._report._svg import STATUS_COLOURS

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "indicators" / "rehsos"
DATA = ROOT / "examples" / "rehsos-2023" / "data"
ARTIFACTS = ROOT / "artifacts"

_VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "source", "wbr"}


@pytest.fixture(scope="module")
def report() -> Report:
    catalog = kinerja.load(DEFINITIONS)
    years = kinerja.load_years(DATA)
    return build_report(catalog, catalog.evaluate_years(years), 2023, data=years[-1])


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    html = render(report, "html")
    assert isinstance(html, str)
    return html


class _Checker(HTMLParser):
    """Balanced tags, unique ids, and every id an aria-labelledby names."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.labelled_by: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("aria-labelledby"):
            self.labelled_by.extend(str(found["aria-labelledby"]).split())
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def test_self_contained(page: str) -> None:
    assert "http" not in page  # no external CSS, JS, fonts, images or links
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page
    assert page.startswith("<!DOCTYPE html>\n")
    assert '<html lang="id">' in page


def test_well_formed_and_labelled(page: str, report: Report) -> None:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert set(checker.labelled_by) <= set(checker.ids)
    assert checker.counts["table"] == len(report.tables)
    assert checker.counts["svg"] == 1 + len(report.series)
    assert checker.counts["title"] >= checker.counts["svg"] + 1


def test_tables_and_cells(page: str) -> None:
    assert '<h2 id="t-summary-h">Ringkasan capaian kinerja 2023</h2>' in page
    assert '<th scope="col" class="num">Capaian</th>' in page
    assert '<td class="num">88,04%</td>' in page
    assert '<td class="num">110,05%</td>' in page
    assert '<span class="status status-above">di atas target</span>' in page
    assert "Rp2.440.968.652.000" in page
    assert "tidak dapat dibandingkan: definisi berubah pada 2023" in page


def test_charts(page: str) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    for svg in svgs:
        assert 'role="img"' in svg
        assert "<title id=" in svg and "<desc id=" in svg
    bars = svgs[0]
    assert 'class="hundred"' in bars  # the 100% line
    # Bars are coloured by status: AKIP (98,88%) is the one below target.
    akip = re.search(r'<g class="bar status-below">.*?</g>', bars, flags=re.S)
    assert akip is not None
    assert "98,88%" in akip.group(0)
    assert f'fill="{STATUS_COLOURS["below"]}"' in akip.group(0)
    assert bars.count('class="bar status-above"') == 8
    # Year-over-year: a line with its dashed target, and the definition change marked.
    kemampuan = svgs[2]
    assert 'class="value"' in kemampuan and 'class="target"' in kemampuan
    assert 'class="change"' in kemampuan
    assert "91,42%" in kemampuan and "88,04%" in kemampuan


def test_english_page(report: Report) -> None:
    catalog = kinerja.load(DEFINITIONS)
    years = kinerja.load_years(DATA)
    english = build_report(
        catalog, catalog.evaluate_years(years), 2023, data=years[-1], locale="en"
    )
    page = str(render(english, "html"))
    assert '<html lang="en">' in page
    assert '<td class="num">88.04%</td>' in page
    assert "above target" in page
    assert "http" not in page


# ---------------------------------------------------------------------------- Chromium


def _chromium() -> str:
    """The Chromium binary; installed with apt-get when we are root on Debian, else skip."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium",
            shell=True,
            env=environment,
            capture_output=True,
            timeout=900,
            check=False,
        )
        found = shutil.which("chromium")
        if found:
            return found
        pytest.skip("Chromium is not installed and `apt-get install chromium` failed")
    pytest.skip("Chromium is not installed, and we cannot install it (not root, or no apt-get)")


def _browser(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_renders_in_headless_chromium(page: str, report: Report, tmp_path: Path) -> None:
    chromium = _chromium()
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    url = html.as_uri()
    loaded = _browser(
        chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", url
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    dom = loaded.stdout
    assert dom.count("<table") == len(report.tables)
    assert dom.count("<svg") == 1 + len(report.series)
    assert "88,04%" in dom
    console = [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "console messages:\n" + "\n".join(console)
    assert "net::ERR_" not in loaded.stderr

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    shot = _browser(
        chromium,
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,2000",
        "--hide-scrollbars",
        url,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 50_000  # a rendered page, not a blank one
