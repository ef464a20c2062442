"""Charts as SVG for the print page (no script: they print and file as they are): each
indicator's months against the baseline year, and the change by area of the headline indicator.
Presentation attributes only (no ``style``), so a strict CSP allows them."""
from __future__ import annotations

from markupsafe import Markup, escape

from coordinator.rollups.comparison import AreaComparison
from coordinator.rollups.progress import IndicatorProgress
from coordinator.web.formats import number, signed_percent

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 340, 184, 34, 34, 26
BASELINE_COLOUR, CURRENT_COLOUR, AIM_COLOUR = "#8a94a0", "#6b2c91", "#c0392b"
UP_COLOUR, DOWN_COLOUR, CHANCE_COLOUR = "#c62828", "#2e7d32", "#b0a7bb"


def _text(x: float, y: float, value: str, anchor: str = "middle", size: int = 9) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="#333">{escape(value)}</text>')


def _polyline(points: list[tuple[float, float]], colour: str, width: float,
              dash: str = "") -> str:
    if len(points) < 2:
        return "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>'
                       for x, y in points)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"{dashed}/>')


def indicator_chart(item: IndicatorProgress, title: str, months: tuple[str, ...],
                    legend: tuple[str, str, str]) -> Markup:
    """Monthly counts of the baseline year and of the year, with the aim per month if any."""
    series = [item.baseline_monthly, item.monthly]
    aim = item.monthly_target
    top = max([1.0, *(float(v) for s in series for v in s.values()), aim or 0.0])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_TOP - PAD_BOTTOM

    def point(month: int, value: float) -> tuple[float, float]:
        return (PAD_LEFT + (month - 0.5) * plot_w / 12,
                PAD_TOP + plot_h - value / top * plot_h)

    parts = [_text(4, 14, title, "start", 11),
             (f'<rect x="{PAD_LEFT}" y="{PAD_TOP}" width="{plot_w}" height="{plot_h}" '
              'fill="#fff" stroke="#ccc"/>'),
             _text(PAD_LEFT - 4, PAD_TOP + 4, number(top), "end"),
             _text(PAD_LEFT - 4, PAD_TOP + plot_h, "0", "end")]
    parts += [_text(point(m, 0)[0], HEIGHT - PAD_BOTTOM + 11, months[m - 1][:3])
              for m in range(1, 13)]
    for values, colour, width in ((series[0], BASELINE_COLOUR, 1.5), (series[1], CURRENT_COLOUR, 2.5)):
        parts.append(_polyline([point(m, values[m]) for m in sorted(values)], colour, width))
    if aim is not None:
        parts.append(_polyline([point(1, aim), point(12, aim)], AIM_COLOUR, 1, "5 3"))
    keys = [(BASELINE_COLOUR, legend[0]), (CURRENT_COLOUR, legend[1])]
    if aim is not None:
        keys.append((AIM_COLOUR, legend[2]))
    for n, (colour, label) in enumerate(keys):
        x = PAD_LEFT + n * 100
        parts.append(f'<rect x="{x}" y="{HEIGHT - 12}" width="10" height="4" fill="{colour}"/>')
        parts.append(_text(x + 14, HEIGHT - 8, label, "start"))
    return _svg(WIDTH, HEIGHT, title, parts)


def change_chart(rows: list[AreaComparison], title: str) -> Markup:
    """The headline indicator's change in % by area (areas without one are left out)."""
    bars = [(r.name, r.headline) for r in rows
            if r.headline is not None and r.headline.change_percent is not None]
    width, row_h, label_w = 680, 18, 170
    height = PAD_TOP + row_h * max(1, len(bars)) + 10
    parts = [_text(4, 14, title, "start", 11)]
    span = max([10.0, *(abs(h.change_percent or 0) for _, h in bars)])
    zero = label_w + (width - label_w - 60) / 2
    scale = (width - label_w - 60) / 2 / span
    parts.append(f'<line x1="{zero:.1f}" y1="{PAD_TOP - 4}" x2="{zero:.1f}" y2="{height - 6}" '
                 'stroke="#999"/>')
    for n, (name, head) in enumerate(bars):
        change = head.change_percent or 0.0
        y = PAD_TOP + n * row_h
        colour = {"up": UP_COLOUR, "down": DOWN_COLOUR}.get(head.change, CHANCE_COLOUR)
        x, w = (zero, change * scale) if change >= 0 else (zero + change * scale, -change * scale)
        parts.append(_text(label_w - 6, y + 12, name, "end", 10))
        parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
                     f'fill="{colour}"/>')
        # Values right of the bar (a decrease: right of the zero line, clear of the names).
        parts.append(_text((x + w if change >= 0 else zero) + 4, y + 12, signed_percent(change),
                           "start"))
    return _svg(width, height, title, parts)


def _svg(width: int, height: int, title: str, parts: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="svg-chart"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )
