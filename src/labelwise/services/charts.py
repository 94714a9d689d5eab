"""Charts as SVG written on the server: a bar chart, a line chart and a sparkline, no chart library.

Every text (labels, titles, tooltips) is escaped; colours come from CSS classes (`chart-bar`,
`chart-line`, `chart-axis`, ... in `static/css/dashboard.css`) because the Content-Security-Policy
allows no inline style. Each chart has a `<title>` and `aria-label` so it reads without seeing it,
and each bar or point a `<title>` with its exact value. Axes: a zero-based y axis with three or
four round ticks, and day labels thinned to fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

Point = tuple[str, float]


def _scale(peak: float) -> tuple[float, float]:
    """(top, step) of a y axis over 0..peak: a round step (1, 2 or 5 x 10^k, at least 1, since the
    charts count things) with at most four steps, and the top a whole number of steps."""
    if peak <= 0:
        return 1.0, 1.0
    raw = peak / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(float(m * power) for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    return step * math.ceil(peak / step), step


def _ticks(top: float, step: float) -> list[float]:
    return [step * k for k in range(round(top / step) + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def _short_day(day: str) -> str:
    """`2026-12-02` → `12-02`: the year is in the chart's caption, not on every tick."""
    return day[5:] if len(day) == 10 else day


def _frame(
    points: Sequence[Point], width: int, height: int, title: str, unit: str
) -> tuple[list[str], float, float, float, float, float]:
    """The axes and labels common to bar and line charts; returns the parts and the plot box."""
    left, right, top, bottom = 44.0, 12.0, 14.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, step = _scale(max((v for _, v in points), default=0.0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in _ticks(peak, step):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    parts.append(
        f'<text class="chart-label chart-unit" x="{left}" y="{top - 4}" text-anchor="start">{escape(unit)}</text>'
    )
    n = len(points)
    every = max(1, math.ceil(n / 8))  # at most about eight day labels, counted back from the last
    slot = plot_w / max(n, 1)
    for k, (label, _) in enumerate(points):
        if (n - 1 - k) % every:
            continue
        x = left + slot * (k + 0.5)
        parts.append(
            f'<text class="chart-label" x="{x:.1f}" y="{height - 10}" text-anchor="middle">'
            f"{escape(_short_day(label))}</text>"
        )
    return parts, left, top, plot_w, plot_h, peak


def bar_chart(
    points: Sequence[Point], title: str, unit: str = "", width: int = 560, height: int = 220
) -> Markup:
    """One bar per point (a day, say), labelled below, with its value in its tooltip."""
    parts, left, top, plot_w, plot_h, peak = _frame(points, width, height, title, unit)
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    for k, (label, value) in enumerate(points):
        h = plot_h * value / peak
        x = left + slot * k + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: Sequence[Point], title: str, unit: str = "", width: int = 560, height: int = 220
) -> Markup:
    """A line through the points with a dot on each; the last value is written at its end."""
    parts, left, top, plot_w, plot_h, peak = _frame(points, width, height, title, unit)
    slot = plot_w / max(len(points), 1)
    coords = [
        (left + slot * (k + 0.5), top + plot_h - plot_h * value / peak) for k, (_, value) in enumerate(points)
    ]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="chart-line" points="{path}"/>')
        for (x, y), (label, value) in zip(coords, points, strict=True):
            parts.append(
                f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                f"<title>{escape(label)}: {_number(value)}</title></circle>"
            )
        x, y = coords[-1]
        parts.append(
            f'<text class="chart-value" x="{x:.1f}" y="{max(y - 8, 10):.1f}" text-anchor="end">'
            f"{_number(points[-1][1])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[float], label: str, width: int = 120, height: int = 24) -> Markup:
    """A tiny line of the values (annotations per day), no axes; its total in the tooltip."""
    peak = max(max(values, default=0.0), 1.0)
    n = len(values)
    step = (width - 4) / max(n - 1, 1)
    pts = " ".join(
        f"{2 + step * k:.1f},{height - 2 - (height - 4) * v / peak:.1f}" for k, v in enumerate(values)
    )
    text = f"{label}: {_number(sum(values))} in {n} days"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(text)}">'
        f"<title>{escape(text)}</title>"
        f'<line class="chart-axis" x1="2" x2="{width - 2}" y1="{height - 2}" y2="{height - 2}"/>'
        f'<polyline class="chart-line" points="{pts}"/></svg>'
    )
