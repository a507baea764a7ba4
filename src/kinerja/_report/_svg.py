"""Inline SVG charts for the HTML report: no scripts, no fonts, no external references.

Positions are computed in floats (geometry only); every number printed on a chart comes from
the exact Decimal through the locale formatter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from .._model import RangeTarget, Target
from ._format import Formatter
from ._i18n import text
from ._model import AchievementBar, YearSeries

STATUS_COLOURS = {
    "above": "#1a7f37",
    "met": "#0969da",
    "below": "#cf222e",
    "n/a": "#8c959f",
}
_VALUE = "#24292f"
_TARGET = "#bf8700"
_CHANGE = "#8250df"


def _f(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _ticks(value: float) -> tuple[float, float]:
    """(top of the scale, step between ticks) for values up to ``value`` percent."""
    for step in (25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0):
        if value <= step * 8:
            return math.ceil(value / step) * step, step
    step = 10.0 ** math.ceil(math.log10(value / 8))
    return math.ceil(value / step) * step, step


def achievement_chart(
    bars: Sequence[AchievementBar],
    numbers: dict[str, int],
    formatter: Formatter,
    year: int,
    chart_id: str,
) -> str:
    """Horizontal bars of capaian, coloured by status, with a line at 100%."""
    locale = formatter.locale
    label_width, bar_width, row, top, bottom = 440.0, 430.0, 30.0, 34.0, 34.0
    width = label_width + bar_width + 90
    height = top + row * max(len(bars), 1) + bottom
    shown = [float(b.achievement) for b in bars if b.achievement is not None]
    scale_top, step = _ticks(max([100.0, *shown]) * 1.05)

    def x(percent: float) -> float:
        return label_width + max(0.0, percent) / scale_top * bar_width

    title = text(locale, "chart_capaian_title", year=year)
    desc = text(locale, "chart_capaian_desc")
    out = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i in range(round(scale_top / step) + 1):
        value = step * i
        px = x(value)
        out.append(
            f'<line x1="{_f(px)}" y1="{_f(top - 6)}" x2="{_f(px)}" y2="{_f(height - bottom)}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        label = formatter.number(Decimal(round(value)), "percent", 0)
        out.append(
            f'<text x="{_f(px)}" y="{_f(height - bottom + 16)}" text-anchor="middle" '
            f'class="axis">{escape(label)}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + row * i
        number = numbers.get(bar.indicator)
        label = (f"{number}. " if number else "") + _short(bar.name, 60)
        status = formatter.status(bar.status.value)
        value_text = (
            "n/a" if bar.achievement is None else formatter.number(bar.achievement, "percent", 2)
        )
        colour = STATUS_COLOURS[bar.status.value]
        out.append(
            f'<g class="bar status-{escape(bar.status.value, quote=True).replace("/", "")}">'
        )
        out.append(f"<title>{escape(bar.name)}: {escape(value_text)} ({escape(status)})</title>")
        out.append(
            f'<text x="{_f(label_width - 8)}" y="{_f(y + row / 2 + 4)}" text-anchor="end" '
            f'class="label">{escape(label)}</text>'
        )
        if bar.achievement is not None:
            end = x(float(bar.achievement))
            out.append(
                f'<rect x="{_f(label_width)}" y="{_f(y + 5)}" width="{_f(end - label_width)}" '
                f'height="{_f(row - 10)}" fill="{colour}" rx="2"/>'
            )
            out.append(
                f'<text x="{_f(end + 6)}" y="{_f(y + row / 2 + 4)}" class="value">'
                f"{escape(value_text)}</text>"
            )
        else:
            out.append(
                f'<text x="{_f(label_width + 6)}" y="{_f(y + row / 2 + 4)}" class="value na">'
                "n/a</text>"
            )
        out.append("</g>")
    hundred = x(100.0)
    out.append(
        f'<line x1="{_f(hundred)}" y1="{_f(top - 14)}" x2="{_f(hundred)}" '
        f'y2="{_f(height - bottom)}" stroke="{_VALUE}" stroke-width="2" stroke-dasharray="6 3" '
        'class="hundred"/>'
    )
    out.append(
        f'<text x="{_f(hundred)}" y="{_f(top - 18)}" text-anchor="middle" class="axis strong">'
        f"{escape(formatter.number(Decimal(100), 'percent', 0))}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def _target_bounds(target: Target | None) -> list[Decimal]:
    if target is None:
        return []
    if isinstance(target, RangeTarget):
        return [target.min, target.max]
    return [target]


def year_chart(series: YearSeries, formatter: Formatter, chart_id: str) -> str:
    """One indicator's realisasi by year (a line with points) and its target (dashed)."""
    locale = formatter.locale
    width, height = 380.0, 200.0
    left, right, top, bottom = 40.0, 30.0, 34.0, 30.0
    numbers = [float(v) for v in series.values if v is not None]
    numbers += [float(b) for t in series.targets for b in _target_bounds(t)]
    low = min(numbers) if numbers else 0.0
    high = max(numbers) if numbers else 1.0
    if high == low:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.15
    low, high = low - pad, high + pad
    count = len(series.years)

    def x(index: int) -> float:
        if count == 1:
            return left + (width - left - right) / 2
        return left + index * (width - left - right) / (count - 1)

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * (height - top - bottom)

    def show(value: Decimal) -> str:
        return formatter.number(value, series.style, series.decimals)

    def show_target(target: Target | None) -> str:
        if target is None:
            return "-"
        if isinstance(target, RangeTarget):
            return f"{show(target.min)}–{show(target.max)}"
        return show(target)

    values_text = ", ".join(
        f"{year}: {'n/a' if v is None else show(v)}"
        for year, v in zip(series.years, series.values, strict=True)
        if year != series.years[-1]
    )
    targets_text = ", ".join(
        f"{year}: {show_target(t)}"
        for year, t in zip(series.years, series.targets, strict=True)
        if t is not None
    )
    title = text(locale, "chart_yoy_title", name=series.name)
    desc = text(locale, "chart_yoy_desc", values=values_text, targets=targets_text or "-")
    out = [
        f'<svg id="{chart_id}" class="chart small" role="img" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # Axes: a baseline, the lowest and highest values shown, the years.
    base = height - bottom
    out.append(
        f'<line x1="{_f(left)}" y1="{_f(base)}" x2="{_f(width - right)}" y2="{_f(base)}" '
        'stroke="#d0d7de"/>'
    )
    for index, year in enumerate(series.years):
        out.append(
            f'<text x="{_f(x(index))}" y="{_f(base + 18)}" text-anchor="middle" class="axis">'
            f"{year}</text>"
        )
    # Where the definition changed: a dotted line between the two years.
    for year in series.changed:
        index = series.years.index(year)
        px = (x(index - 1) + x(index)) / 2 if index > 0 else x(index)
        out.append(
            f'<g class="change"><title>{escape(text(locale, "yoy_changed", year=year))}</title>'
            f'<line x1="{_f(px)}" y1="{_f(top - 8)}" x2="{_f(px)}" y2="{_f(base)}" '
            f'stroke="{_CHANGE}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<text x="{_f(px)}" y="{_f(top - 10)}" text-anchor="middle" class="note">'
            f"{escape(text(locale, 'legend_change'))}</text></g>"
        )
    # The target: dashed, through every year that has one (both ends of a range).
    for part in (0, 1):
        points = []
        for index, target in enumerate(series.targets):
            bounds = _target_bounds(target)
            if len(bounds) > part:
                points.append((index, bounds[part]))
        if not points:
            continue
        path = " ".join(f"{_f(x(i))},{_f(y(float(v)))}" for i, v in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{_TARGET}" stroke-width="2" '
            'stroke-dasharray="6 4" class="target"/>'
        )
        for i, v in points:
            out.append(
                f'<rect x="{_f(x(i) - 3)}" y="{_f(y(float(v)) - 3)}" width="6" height="6" '
                f'fill="{_TARGET}"><title>{escape(text(locale, "legend_target"))} '
                f"{series.years[i]}: {escape(show(v))}</title></rect>"
            )
    # The realisasi: a line through consecutive known values; n/a breaks it.
    segment: list[tuple[int, Decimal]] = []
    segments: list[list[tuple[int, Decimal]]] = []
    for index, value in enumerate(series.values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append((index, value))
    if segment:
        segments.append(segment)
    for part_points in segments:
        if len(part_points) > 1:
            path = " ".join(f"{_f(x(i))},{_f(y(float(v)))}" for i, v in part_points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{_VALUE}" stroke-width="2.5" '
                'class="value"/>'
            )
        for i, v in part_points:
            out.append(
                f'<circle cx="{_f(x(i))}" cy="{_f(y(float(v)))}" r="4" fill="{_VALUE}">'
                f"<title>{series.years[i]}: {escape(show(v))}</title></circle>"
            )
            out.append(
                f'<text x="{_f(x(i))}" y="{_f(y(float(v)) - 9)}" text-anchor="middle" '
                f'class="point">{escape(show(v))}</text>'
            )
    for index, value in enumerate(series.values[:-1]):
        if value is None:
            out.append(
                f'<text x="{_f(x(index))}" y="{_f(base - 6)}" text-anchor="middle" class="na">'
                "n/a</text>"
            )
    out.append("</svg>")
    return "\n".join(out)
