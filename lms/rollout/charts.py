"""The rollout progress chart, drawn on the server as SVG (no JavaScript, no CDN)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape

from django.utils import timezone
from django.utils.formats import date_format, number_format

PALETTE = ["#1f4e8c", "#a4470d", "#1c7c3f", "#6a3d9a", "#0f6e6e", "#a3262a", "#8a5a00", "#3b3b3b"]
WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 170, 16, 36


def _day(moment: datetime) -> str:
    # The reader's date format (23.11.2026 or 11/23/2026), on the local calendar day.
    return escape(date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT"))


def progress_svg(*, series: list[tuple[str, int, list[tuple[datetime, int]]]], title: str) -> str:
    """series: (label, initial stage, [(when, new stage), ...]) per department, as steps."""
    now = timezone.now()
    starts = [points[0][0] for _label, _stage, points in series if points]
    start = min(starts) if starts else now - timedelta(days=30)
    start = min(start, now - timedelta(days=1))
    span = (now - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return LEFT + plot_w * (moment - start).total_seconds() / span

    def y(stage: int) -> float:
        return TOP + plot_h * (8 - stage) / 7

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="rollout-chart-title" class="rollout-chart">',
        f'<title id="rollout-chart-title">{escape(title)}</title>',
    ]
    for stage in range(1, 9):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(stage):.1f}" x2="{LEFT + plot_w}" y2="{y(stage):.1f}" '
            f'stroke="#d8dee6" stroke-width="1"/>'
            f'<text x="{LEFT - 10}" y="{y(stage) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#55606e">{stage}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 10}" font-size="12" fill="#55606e">{_day(start)}</text>'
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 10}" font-size="12" fill="#55606e" '
        f'text-anchor="end">{_day(now)}</text>'
    )
    for index, (label, initial, changes) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        stage = initial
        points = [(x(start), y(stage))]
        for when, new_stage in changes:
            points.append((x(when), y(stage)))
            stage = new_stage
            points.append((x(when), y(stage)))
        points.append((x(now), y(stage)))
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        offset = (index % 3) - 1  # keep equal lines apart
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3" '
            f'transform="translate(0 {offset * 2})"/>'
        )
        legend_y = TOP + 16 + index * 20
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 16}" y="{legend_y - 10}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{WIDTH - RIGHT + 36}" y="{legend_y - 5}" font-size="12" fill="#1b2430">'
            f"{escape(label)} ({stage})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above value (the chart's top line)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def kpi_svg(
    *, title: str, months: list[date], series: list[tuple[str, list[int | None]]], chart_id: str
) -> str:
    """One KPI per month as a line per department; a month without a figure leaves a gap."""
    top = _nice_ceiling(max([v for _n, values in series for v in values if v is not None] or [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(index: int) -> float:
        return LEFT + step * index

    def y(value: int) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title" class="kpi-chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        level = top * fraction
        label = number_format(level if level != int(level) else int(level), force_grouping=True)
        parts.append(
            f'<line x1="{LEFT}" y1="{y(level):.1f}" x2="{LEFT + plot_w}" y2="{y(level):.1f}" '
            f'stroke="#d8dee6" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(level) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#55606e">{escape(label)}</text>'
        )
    for index, month in enumerate(months):
        parts.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11" '
            f'fill="#55606e">{escape(date_format(month, "M y"))}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((x(index), y(value)))
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}"/>'
            )
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"/>'
                )
        legend_y = TOP + 16 + number * 20
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 16}" y="{legend_y - 10}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{WIDTH - RIGHT + 36}" y="{legend_y - 5}" font-size="12" fill="#1b2430">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
