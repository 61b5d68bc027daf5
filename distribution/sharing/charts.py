"""Reads per day and completion rate as an inline SVG, drawn on the server (no chart library, no script).

Bars are views per day (left scale); the line is the share of views read to
the end (right scale, 0–100 %), broken on days without views.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .analytics import DayTotals

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 44, 16, 28
BAR_COLOUR, LINE_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#0b5c55", "#c27a00", "#d5dbe1", "#4d5560"


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 5), so the scale reads easily."""
    ceiling = 5
    magnitude = 1
    while ceiling < value:
        for step in (1, 2, 5):
            ceiling = step * magnitude * 10
            if ceiling >= value:
                break
        magnitude *= 10
    return ceiling


def reads_chart_svg(
    series: list[DayTotals],
    *,
    title: str,
    description: str = "",
    chart_id: str = "reads-chart",
) -> SafeString:
    if not series:
        raise ValueError("a chart needs at least one day")
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = _nice_ceiling(max(day.views for day in series))
    slot = plot_width / len(series)
    bar_width = max(1.0, slot * 0.7)

    def y_for_views(views: int) -> float:
        return TOP + plot_height * (1 - views / top_value)

    def y_for_rate(rate: float) -> float:
        return TOP + plot_height * (1 - rate)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="reads-chart" '
        f'style="max-width:{WIDTH}px;font:11px sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_height * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>')
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{top_value * fraction:g}</text>"
        )  # 2.5, not a "2" drawn at 2.5
        parts.append(
            f'<text x="{WIDTH - RIGHT + 4}" y="{y + 4:.1f}" fill="{LINE_COLOUR}">{round(100 * fraction)}%</text>'
        )
    for index, day in enumerate(series):
        if not day.views:
            continue
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = y_for_views(day.views)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{TOP + plot_height - y:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{day.day.isoformat()}: {day.views}</title></rect>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, day in enumerate(series):
        rate = day.completion_rate
        if rate is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{LEFT + index * slot + slot / 2:.1f},{y_for_rate(rate):.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{LINE_COLOUR}"/>')
        else:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    for index in sorted({0, len(series) // 2, len(series) - 1}):
        x = LEFT + index * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="{TEXT_COLOUR}">'
            f"{series[index].day.strftime('%m-%d')}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text went through escape() or is a number/date
