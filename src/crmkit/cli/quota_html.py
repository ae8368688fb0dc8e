"""Plan-vs-actual as one self-contained HTML page: an inline SVG chart and the table beneath (Q5).

The page needs no network to be viewed: the style sheet and the chart are inline
(no script, no font, no image is fetched). Each scope of the plan gets one panel
with its twelve months; each month has a grey target bar and an actual bar
coloured by attainment (:func:`attainment_colour`). The geometry is fixed in CSS
pixels and published by :func:`panel_baselines`, so a test can find the bars in
a screenshot.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from decimal import Decimal

from crmkit.domain.plan_actual import Cell, PlanReport, ScopeResult

__all__ = [
    "BAR_WIDTH",
    "CHART_WIDTH",
    "COLOURS",
    "MIN_BAR",
    "attainment_colour",
    "month_bar_x",
    "panel_baselines",
    "render_html",
]

CHART_WIDTH = 960
"""Width of the chart in CSS pixels."""
LEFT = 60
"""Left margin of each panel (the axis labels)."""
GROUP = (CHART_WIDTH - LEFT - 20) // 12
"""Width of one month's group of two bars."""
BAR_WIDTH = 26
"""Width of one bar."""
GAP = 6
"""Space between a month's target bar and its actual bar."""
TITLE_HEIGHT = 40
"""Height of the chart's title band."""
PANEL_HEIGHT = 230
"""Height of one scope's panel."""
PLOT_TOP = 34
"""Distance from a panel's top to the top of its plot area."""
PLOT_HEIGHT = 160
"""Height of the plot area: the tallest bar of a panel."""
MIN_BAR = 4
"""Height of a bar whose amount is not zero but too small to see at the panel's scale."""

COLOURS: Mapping[str, str] = {
    "target": "#9aa5b1",
    "met": "#2e7d32",
    "near": "#f9a825",
    "short": "#c62828",
    "untargeted": "#1565c0",
}
"""Bar colours: the target, and the actual by attainment (see :func:`attainment_colour`)."""


def attainment_colour(cell: Cell) -> str:
    """The key in :data:`COLOURS` of an actual bar, by the month's attainment.

    ``met`` at 100 % or more, ``near`` from 80 %, ``short`` below, ``untargeted``
    when the month has no target.
    """
    ratio = cell.attainment
    if ratio is None:
        return "untargeted"
    if ratio >= 1:
        return "met"
    return "near" if ratio >= Decimal("0.8") else "short"


def panel_baselines(count: int) -> list[int]:
    """The y of the x-axis of each of ``count`` panels, in CSS pixels from the page's top."""
    return [TITLE_HEIGHT + i * PANEL_HEIGHT + PLOT_TOP + PLOT_HEIGHT for i in range(count)]


def month_bar_x(month: int) -> tuple[int, int]:
    """The left x of the target bar and of the actual bar of ``month`` (1–12)."""
    left = LEFT + (month - 1) * GROUP + (GROUP - 2 * BAR_WIDTH - GAP) // 2
    return left, left + BAR_WIDTH + GAP


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(cell: Cell) -> str:
    ratio = cell.attainment
    return "–" if ratio is None else f"{ratio * 100:.0f} %"


def _height(value: Decimal, top: Decimal) -> int:
    if value <= 0 or top <= 0:
        return 0
    return max(MIN_BAR, int(value / top * PLOT_HEIGHT))


def _panel(index: int, row: ScopeResult, name: str) -> list[str]:
    top_y = TITLE_HEIGHT + index * PANEL_HEIGHT
    base = top_y + PLOT_TOP + PLOT_HEIGHT
    top = max([max(c.target, c.actual) for c in row.months] + [Decimal(0)])
    year = row.year()
    parts = [
        f'<text x="{LEFT}" y="{top_y + 20}" class="scope">{html.escape(name)} — '
        f"{_money(year.actual)} / {_money(year.target)} ({_percent(year)})</text>",
        f'<text x="{LEFT - 6}" y="{base - PLOT_HEIGHT + 4}" class="axis" text-anchor="end">'
        f"{_money(top)}</text>",
        f'<line x1="{LEFT}" y1="{base}" x2="{CHART_WIDTH - 20}" y2="{base}" stroke="#222" stroke-width="1"/>',
    ]
    for month, cell in enumerate(row.months, start=1):
        tx, ax = month_bar_x(month)
        for x, value, key, what in (
            (tx, cell.target, "target", "target"),
            (ax, cell.actual, attainment_colour(cell), "actual"),
        ):
            h = _height(value, top)
            if h:
                parts.append(
                    f'<rect x="{x}" y="{base - h}" width="{BAR_WIDTH}" height="{h}" fill="{COLOURS[key]}">'
                    f"<title>{html.escape(name)}, month {month}: {what} {_money(value)}</title></rect>"
                )
        parts.append(
            f'<text x="{tx + BAR_WIDTH + GAP // 2}" y="{base + 16}" class="axis" text-anchor="middle">'
            f"{month}</text>"
        )
    return parts


def _table(report: PlanReport, names: Mapping[str, str]) -> list[str]:
    out = [
        "<table><thead><tr><th>scope</th><th>month</th><th>target</th><th>actual</th>"
        "<th>variance</th><th>attainment</th></tr></thead><tbody>"
    ]
    for row in report.rows:
        cells: Sequence[tuple[str, Cell]] = [(str(m), c) for m, c in enumerate(row.months, start=1)]
        for month, cell in [*cells, ("year", row.year())]:
            css, total = attainment_colour(cell), "total" if month == "year" else ""
            out.append(
                f'<tr class="{total}"><td>{html.escape(names.get(row.scope, row.scope))}'
                f"</td><td>{month}</td><td>{_money(cell.target)}</td><td>{_money(cell.actual)}</td>"
                f'<td>{_money(cell.variance)}</td><td class="{css}">{_percent(cell)}</td></tr>'
            )
    out.append("</tbody></table>")
    for gap in report.missing_rates:
        out.append(
            f"<p>Not converted (no exchange rate): {html.escape(str(gap.amount))} "
            f"{html.escape(gap.currency)} in month {gap.month}.</p>"
        )
    return out


def render_html(report: PlanReport, names: Mapping[str, str]) -> str:
    """The whole page for ``report``; ``names`` maps scope values to what to show for them."""
    plan = report.plan
    title = f"{plan.name} ({plan.year}, {plan.currency}, revision {plan.revision}): plan vs actual"
    height = TITLE_HEIGHT + PANEL_HEIGHT * len(report.rows)
    legend = " ".join(
        f'<span class="key" style="background:{COLOURS[k]}"></span>{label}'
        for k, label in (
            ("target", "target"),
            ("met", "actual ≥ 100 %"),
            ("near", "80–99 %"),
            ("short", "< 80 %"),
            ("untargeted", "no target"),
        )
    )
    colours = "".join(f".{k}{{color:{v};font-weight:bold}}" for k, v in COLOURS.items() if k != "target")
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="{LEFT}" y="26" class="title">{html.escape(title)}</text>',
    ]
    for index, row in enumerate(report.rows):
        svg.extend(_panel(index, row, names.get(row.scope, row.scope)))
    svg.append("</svg>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            "<style>",
            "html,body{margin:0;padding:0;background:#fff;font-family:sans-serif;color:#222}",
            "svg{display:block}.title{font-size:18px;font-weight:bold}.scope{font-size:14px}",
            ".axis{font-size:11px;fill:#444}",
            ".legend{margin:4px 0 12px 60px;font-size:13px}",
            ".key{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}",
            "table{border-collapse:collapse;margin:0 0 24px 60px;font-size:13px}",
            "th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}",
            "td:first-child{text-align:left}tr.total td{font-weight:bold;background:#f4f4f4}",
            colours,
            "</style></head><body>",
            *svg,
            f'<div class="legend">{legend}</div>',
            *_table(report, names),
            "</body></html>",
        ]
    )
