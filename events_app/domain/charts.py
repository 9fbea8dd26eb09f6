"""Charts for the organiser's dashboard, drawn as SVG markup on the server.

Pure functions: figures and labels in, an `<svg>` string out. The page's Content-Security-Policy
forbids `style=` attributes, so everything is drawn with presentation attributes and CSS classes
(`static/organiser-registrations.css` colours them). Each chart scales with its container
(`viewBox`, `width="100%"`), names itself for screen readers (`role="img"`, `<title>`, `<desc>`),
and the page puts a table of the same figures beside it as the text alternative. A long label
(a site visit's full title) wraps onto as many lines as it needs: an organiser must be able to
tell two visits to the same enterprise apart, so nothing is cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 400  # viewBox units; at 360 px a unit is about 0.8 px, so 15-unit text stays readable
LABEL_SIZE = 15
ROW = 44  # a label line and its bar below it
PROGRESS_ROW = 66  # a label line, the bar, and the figures under it
BAR_HEIGHT = 14
LINE_CHARS = 44  # a label line; about 8.5 units a Cyrillic letter at LABEL_SIZE fills the 400-unit width
LINE_HEIGHT = 18  # each further line of a label pushes its bar down by this much


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart: a label and a count."""

    label: str
    value: int


@dataclass(frozen=True)
class Progress:
    """How much of a whole is done: `value` of `total` (confirmed of capacity, checked in of expected)."""

    label: str
    value: int
    total: int
    note: str = ""  # shown after the figures, e.g. "3 waiting"


@dataclass(frozen=True)
class Day:
    """Registrations received on one day, and the running total up to it."""

    label: str
    count: int
    cumulative: int


def wrap(label: str, limit: int = LINE_CHARS) -> list[str]:
    """The label in lines of at most `limit` characters, broken between words where it can be; no text dropped."""
    return textwrap.wrap(label, limit, break_long_words=True, break_on_hyphens=False) or [""]


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id={quoteattr(chart_id)} viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _label(y: float, lines: Sequence[str]) -> str:
    """A label's lines as one `<text>`, so a screen reader and a text search read it as one phrase."""
    spans = "".join(f'<tspan x="0" dy="{0 if index == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                    for index, line in enumerate(lines))
    return f'<text x="0" y="{y:g}" class="chart-label" font-size="{LABEL_SIZE}">{spans}</text>'


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    return (f'<text x="{x:g}" y="{y:g}" class={quoteattr(css)} font-size="{LABEL_SIZE}"'
            f' text-anchor="{anchor}">{escape(text)}</text>')


def bar_chart(*, chart_id: str, title: str, bars: Sequence[Bar], empty: str) -> str:
    """Horizontal bars, longest for the largest value; each value written at the end of its bar."""
    if not bars:
        return _empty(chart_id, title, empty)
    labels = [wrap(bar.label) for bar in bars]
    height = sum(ROW + LINE_HEIGHT * (len(lines) - 1) for lines in labels) + 4
    largest = max(bar.value for bar in bars) or 1
    reserve = 48  # room for the figure after the longest bar
    parts = _open(chart_id, title, "; ".join(f"{bar.label}: {bar.value}" for bar in bars), height)
    top = 0
    for bar, lines in zip(bars, labels, strict=True):
        length = round((WIDTH - reserve) * bar.value / largest, 1)
        below = top + LINE_HEIGHT * (len(lines) - 1)  # the bar sits under the label's last line
        parts.append('<g class="chart-row">')
        parts.append(_label(top + 16, lines))
        parts.append(f'<rect class="bar" x="0" y="{below + 22}" width="{length:g}" height="{BAR_HEIGHT}"'
                     f' rx="2" data-value="{bar.value}"/>')
        parts.append(_text(length + 6, below + 34, str(bar.value), "chart-value"))
        parts.append("</g>")
        top = below + ROW
    parts.append("</svg>")
    return "".join(parts)


def progress_chart(*, chart_id: str, title: str, rows: Sequence[Progress], empty: str) -> str:
    """A track per row with the done part filled, the figures under it; a row past its total is marked `over`."""
    if not rows:
        return _empty(chart_id, title, empty)
    labels = [wrap(row.label) for row in rows]
    height = sum(PROGRESS_ROW + LINE_HEIGHT * (len(lines) - 1) for lines in labels)
    parts = _open(chart_id, title, "; ".join(f"{row.label}: {_figures(row)}" for row in rows), height)
    top = 0
    for row, lines in zip(rows, labels, strict=True):
        share = min(row.value / row.total, 1.0) if row.total > 0 else 0.0
        css = "bar over" if row.total and row.value > row.total else "bar"
        below = top + LINE_HEIGHT * (len(lines) - 1)
        parts.append('<g class="chart-row">')
        parts.append(_label(top + 16, lines))
        parts.append(f'<rect class="track" x="0" y="{below + 22}" width="{WIDTH}" height="{BAR_HEIGHT}" rx="2"/>')
        parts.append(f'<rect class="{css}" x="0" y="{below + 22}" width="{round(WIDTH * share, 1):g}"'
                     f' height="{BAR_HEIGHT}" rx="2" data-value="{row.value}" data-total="{row.total}"/>')
        parts.append(_text(0, below + 53, _figures(row), "chart-value"))
        parts.append("</g>")
        top = below + PROGRESS_ROW
    parts.append("</svg>")
    return "".join(parts)


def _figures(row: Progress) -> str:
    percent = f" ({round(100 * row.value / row.total)}%)" if row.total > 0 else ""
    return f"{row.value} / {row.total}{percent}" + (f" · {row.note}" if row.note else "")


def timeline_chart(*, chart_id: str, title: str, days: Sequence[Day], daily_label: str, total_label: str,
                   empty: str) -> str:
    """Columns for each day's registrations (left scale) and a line for the running total (right scale)."""
    if not days:
        return _empty(chart_id, title, empty)
    top, bottom, left, right = 22, 160, 34, WIDTH - 40
    height = bottom + 26
    daily_max = max(day.count for day in days) or 1
    total_max = max(day.cumulative for day in days) or 1
    step = (right - left) / len(days)
    width = max(step * 0.7, 1.0)
    parts = _open(chart_id, title, "; ".join(f"{day.label}: {day.count} ({day.cumulative})" for day in days), height)
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(_text(left - 4, top + 5, str(daily_max), "chart-value daily", anchor="end"))
    parts.append(_text(left - 4, bottom, "0", "chart-value", anchor="end"))
    parts.append(_text(right + 4, top + 5, str(total_max), "chart-value total"))
    points = []
    for index, day in enumerate(days):
        x = left + step * index + (step - width) / 2
        column = (bottom - top) * day.count / daily_max
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{bottom - column:.1f}" width="{width:.1f}"'
                     f' height="{column:.1f}" data-value="{day.count}">'
                     f'<title>{escape(day.label)}: {day.count}</title></rect>')
        points.append(f"{x + width / 2:.1f},{bottom - (bottom - top) * day.cumulative / total_max:.1f}")
    parts.append(f'<polyline class="line" fill="none" points="{" ".join(points)}"/>')
    parts.append(_text(left, height - 4, days[0].label, "chart-label"))
    if len(days) > 1:
        parts.append(_text(right, height - 4, days[-1].label, "chart-label", anchor="end"))
    parts.append(_text(left, 14, daily_label, "chart-legend daily"))
    parts.append(_text(right, 14, total_label, "chart-legend total", anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def _empty(chart_id: str, title: str, message: str) -> str:
    parts = _open(chart_id, title, message, 30)
    parts.append(_text(0, 20, message, "chart-label"))
    parts.append("</svg>")
    return "".join(parts)
