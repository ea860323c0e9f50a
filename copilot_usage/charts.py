"""Inline SVG charts for the HTML report: pure functions from numbers to markup, no scripts, no network.

Every chart carries `data-points` (how many values it drew) so a test can tell an empty chart from a full one
without looking at pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569")
Number = int | float


def _n(value: Number) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def compact(value: Number | None) -> str:
    """12345 -> '12.3k': axis and bar labels."""
    if value is None:
        return "-"
    size = abs(value)
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{value / scale:.1f}{unit}"
    return _n(value) if isinstance(value, float) else str(value)


def percent(value: Number | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _empty(width: int, height: int, what: str) -> str:
    return (f'<svg class="chart" role="img" data-points="0" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}"><text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="muted">'
            f"no {escape(what)} in this period</text></svg>")


def line_chart(days: Sequence[str], series: Sequence[tuple[str, Sequence[Number | None]]], *,
               width: int = 640, height: int = 220, fmt: Callable[[Number], str] = compact,
               y_max: Number | None = None) -> str:
    """Lines over days; `None` values leave a gap. The y axis starts at 0."""
    drawn = sum(1 for _, values in series for v in values if v is not None)
    if not days or not drawn:
        return _empty(width, height, "data")
    left, right, top, bottom = 48, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = y_max if y_max is not None else max(v for _, vs in series for v in vs if v is not None)
    peak = peak or 1
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + i * step if len(days) > 1 else left + plot_w / 2

    def y(v: Number) -> float:
        return top + plot_h - (v / peak) * plot_h

    parts = [f'<svg class="chart" role="img" data-points="{drawn}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">']
    for fraction in (0, 0.5, 1):
        gy = top + plot_h - fraction * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_n(gy)}" y2="{_n(gy)}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{_n(gy + 4)}" text-anchor="end" class="axis">'
                     f"{escape(fmt(peak * fraction))}</text>")
    last = len(days) - 1
    for label_i in sorted({0, last // 2, last}):
        anchor = "start" if label_i == 0 and last else "end" if label_i == last and last else "middle"
        parts.append(f'<text x="{_n(x(label_i))}" y="{height - bottom + 16}" text-anchor="{anchor}" class="axis">'
                     f"{escape(days[label_i])}</text>")
    for color_i, (name, values) in enumerate(series):
        color = PALETTE[color_i % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{_n(x(i))},{_n(y(v))}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
            elif run:
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(run)}"/>')
        lx = left + color_i * 150
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{lx + 14}" y="{height - 5}" class="legend">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: Sequence[tuple[str, Number]], *, width: int = 640, bar: int = 22,
              fmt: Callable[[Number], str] = compact) -> str:
    """Horizontal bars, largest first as given; labels on the left, values at the bar's end."""
    if not items:
        return _empty(width, 2 * bar, "data")
    label_w, value_w = 190, 64
    height = len(items) * (bar + 6) + 6
    peak = max(v for _, v in items) or 1
    parts = [f'<svg class="chart" role="img" data-points="{len(items)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">']
    for i, (label, value) in enumerate(items):
        y = 6 + i * (bar + 6)
        w = max(1.0, (width - label_w - value_w) * value / peak)
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" class="label">'
                     f"{escape(shown)}</text>")
        parts.append(f'<rect x="{label_w}" y="{y}" width="{_n(w)}" height="{bar}" rx="3" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{_n(label_w + w + 6)}" y="{y + bar * 0.7:.1f}" class="value">'
                     f"{escape(fmt(value))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def share_bar(items: Sequence[tuple[str, Number]], *, width: int = 640, height: int = 64) -> str:
    """One 100 % stacked bar with a legend of name and share."""
    total = sum(v for _, v in items)
    if not items or total <= 0:
        return _empty(width, height, "data")
    parts = [f'<svg class="chart" role="img" data-points="{len(items)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">']
    x = 0.0
    for i, (_, value) in enumerate(items):
        w = width * value / total
        parts.append(f'<rect x="{_n(x)}" y="0" width="{_n(w)}" height="28" fill="{PALETTE[i % len(PALETTE)]}"/>')
        x += w
    step = width / max(1, len(items))
    for i, (name, value) in enumerate(items):
        lx = i * step
        parts.append(f'<rect x="{_n(lx)}" y="40" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{_n(lx + 14)}" y="49" class="legend">{escape(name)} {percent(value / total)}</text>')
    parts.append("</svg>")
    return "".join(parts)
