"""HTML: one self-contained page (inline CSS and SVG; no scripts, fonts or links out)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from ._format import Formatter
from ._i18n import text
from ._model import Column, Report, Table
from ._svg import STATUS_COLOURS, achievement_chart, year_chart

_CSS = """
:root { color-scheme: light; --ink: #24292f; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Liberation Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
header, main, nav { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; }
.subtitle { color: var(--muted); margin: 0 0 8px; }
nav ol { columns: 2; padding-left: 20px; margin: 4px 0 0; }
nav a { color: #0969da; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top;
  text-align: left; }
thead th { background: var(--head); border-bottom: 2px solid var(--line); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
th.num { min-width: 6em; max-width: 16em; }
th.wide, td.wide { min-width: 16em; }
tr.total td { font-weight: 600; background: #fbfbfc; }
td.na { color: var(--muted); }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff;
  font-size: 12px; white-space: nowrap; }
.status-above { background: #1a7f37; } .status-met { background: #0969da; }
.status-below { background: #cf222e; } .status-na { background: #6e7781; }
ul.notes { color: var(--muted); margin: 4px 0 0; padding-left: 20px; font-size: 13px; }
figure { margin: 8px 0 16px; }
figcaption { color: var(--muted); font-size: 13px; }
.grid figcaption { color: var(--ink); font-weight: 600; font-size: 12.5px; min-height: 3em; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 12px; fill: var(--ink); }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .strong { font-weight: 600; fill: var(--ink); }
.chart .label { font-size: 11.5px; }
.chart .note { fill: #8250df; font-size: 10px; }
.chart .na { fill: var(--muted); font-size: 11px; }
.chart .point { font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.grid figure { border: 1px solid var(--line); border-radius: 6px; padding: 6px; margin: 0; }
.legend { display: flex; gap: 18px; color: var(--muted); font-size: 13px; margin: 4px 0 10px;
  flex-wrap: wrap; }
.swatch { display: inline-block; width: 22px; height: 0; vertical-align: middle; margin-right: 6px; }
.swatch.value { border-top: 3px solid #24292f; }
.swatch.target { border-top: 3px dashed #bf8700; }
.swatch.change { border-top: 2px dotted #8250df; }
.swatch.box { height: 12px; width: 12px; border-radius: 2px; }
footer { max-width: 1200px; margin: 32px auto; padding: 0 24px; color: var(--muted); font-size: 12px; }
@media print { nav { display: none; } .scroll { overflow: visible; } }
"""


def anchor(key: str) -> str:
    """An element id for a table key (``goal:rehsos.sp1`` is ``t-goal-rehsos-sp1``)."""
    return "t-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


_WIDE = frozenset({"goal", "indicator", "notes"})


def _classes(column: Column, *, na: bool = False) -> str:
    names = [
        name
        for name, wanted in (("num", column.numeric), ("wide", column.key in _WIDE), ("na", na))
        if wanted
    ]
    return f' class="{" ".join(names)}"' if names else ""


def _table_html(table: Table, formatter: Formatter) -> list[str]:
    ident = anchor(table.key)
    out = [
        f'<section id="{ident}" aria-labelledby="{ident}-h">',
        f'<h2 id="{ident}-h">{escape(table.title)}</h2>',
        '<div class="scroll">',
        f'<table aria-labelledby="{ident}-h">',
        "<thead><tr>",
    ]
    out += [
        f'<th scope="col"{_classes(column)}>{escape(column.label)}</th>' for column in table.columns
    ]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row in table.rows:
        attrs = ' class="total"' if row.kind == "total" else ""
        if row.indicator:
            attrs += f' data-indicator="{escape(row.indicator, quote=True)}"'
        out.append(f"<tr{attrs}>")
        for column, cell in zip(table.columns, row.cells, strict=True):
            shown = escape(formatter.cell(cell))
            cls = _classes(column, na=cell.kind == "na")
            if cell.kind == "status" and isinstance(cell.value, str):
                badge = "na" if cell.value == "n/a" else cell.value
                shown = f'<span class="status status-{badge}">{shown}</span>'
            out.append(f"<td{cls}>{shown}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if table.notes:
        out.append('<ul class="notes">')
        out += [f"<li>{escape(note)}</li>" for note in table.notes]
        out.append("</ul>")
    out.append("</section>")
    return out


def render(report: Report, **_options: Any) -> str:
    """The report as one HTML document."""
    from .. import __version__

    formatter = Formatter(report.locale)
    locale = report.locale
    numbers: dict[str, int] = {}
    summary = next((t for t in report.tables if t.key == "summary"), None)
    if summary is not None:
        for index, row in enumerate(summary.rows, start=1):
            if row.indicator:
                numbers[row.indicator] = index
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(locale, quote=True)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="kinerja">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(report.title)}</h1>",
    ]
    if report.subtitle:
        out.append(f'<p class="subtitle">{escape(report.subtitle)}</p>')
    out.append("</header>")
    contents = text(locale, "contents")
    out.append(f'<nav aria-label="{escape(contents, quote=True)}"><h2>{escape(contents)}</h2><ol>')
    out.append(f'<li><a href="#charts">{escape(text(locale, "charts"))}</a></li>')
    out += [f'<li><a href="#{anchor(t.key)}">{escape(t.title)}</a></li>' for t in report.tables]
    out.append("</ol></nav>")
    out.append("<main>")
    out.append('<section id="charts" aria-labelledby="charts-h">')
    out.append(f'<h2 id="charts-h">{escape(text(locale, "charts"))}</h2>')
    if report.bars:
        out.append('<figure aria-labelledby="chart-capaian-caption">')
        out.append('<div class="legend">')
        for status in ("above", "met", "below", "n/a"):
            out.append(
                f'<span><span class="swatch box" style="background:{STATUS_COLOURS[status]}">'
                f"</span>{escape(formatter.status(status))}</span>"
            )
        out.append("</div>")
        out.append(achievement_chart(report.bars, numbers, formatter, report.year, "chart-capaian"))
        out.append(
            f'<figcaption id="chart-capaian-caption">'
            f"{escape(text(locale, 'chart_capaian_title', year=report.year))}</figcaption>"
        )
        out.append("</figure>")
    if report.series:
        out.append('<div class="legend">')
        out.append(
            f'<span><span class="swatch value"></span>{escape(text(locale, "legend_value"))}</span>'
        )
        out.append(
            f'<span><span class="swatch target"></span>{escape(text(locale, "legend_target"))}</span>'
        )
        out.append(
            f'<span><span class="swatch change"></span>{escape(text(locale, "legend_change"))}</span>'
        )
        out.append("</div>")
        out.append('<div class="grid">')
        for index, series in enumerate(report.series, start=1):
            chart_id = f"chart-yoy-{index}"
            number = numbers.get(series.indicator)
            heading = (f"{number}. " if number else "") + series.name
            out.append(f'<figure aria-labelledby="{chart_id}-caption">')
            out.append(f'<figcaption id="{chart_id}-caption">{escape(heading)}</figcaption>')
            out.append(year_chart(series, formatter, chart_id))
            out.append("</figure>")
        out.append("</div>")
    out.append("</section>")
    for table in report.tables:
        out.extend(_table_html(table, formatter))
    out.append("</main>")
    out.append(f"<footer>kinerja {escape(__version__)}</footer>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"
