"""A radar chart as server-rendered SVG (no script, no inline style)."""

from __future__ import annotations

import math
from html import escape

SIZE = 360
CENTRE = SIZE / 2
RADIUS = 120


def _point(index: int, count: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return (CENTRE + RADIUS * value * math.cos(angle), CENTRE + RADIUS * value * math.sin(angle))


def radar_svg(labels: list[str], values: list[float], *, title: str) -> str:
    """Values between 0 and 1 on one axis per label; rings at 25, 50, 75 and 100 %."""
    count = len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-labelledby="radar-title" class="radar">',
        f'<title id="radar-title">{escape(title)}</title>',
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (_point(i, count, ring) for i in range(count))
        )
        parts.append(f'<polygon points="{points}" fill="none" stroke="#d0d7de"/>')
    for index, label in enumerate(labels):
        x, y = _point(index, count, 1.0)
        parts.append(
            f'<line x1="{CENTRE}" y1="{CENTRE}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
        )
        lx, ly = _point(index, count, 1.22)
        anchor = "middle" if abs(lx - CENTRE) < 10 else ("start" if lx > CENTRE else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" '
            f'font-size="11">{escape(label)}</text>'
        )
    shape = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (_point(i, count, max(0.0, min(1.0, v))) for i, v in enumerate(values))
    )
    parts.append(
        f'<polygon points="{shape}" fill="#0b5cad" fill-opacity="0.25" '
        'stroke="#0b5cad" stroke-width="2"/>'
    )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = _point(index, count, max(0.0, min(1.0, value)))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0b5cad" '
            f'data-axis="{escape(label)}" data-value="{value:.2f}">'
            f"<title>{escape(label)}: {value:.0%}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def perspective_radar(
    by_perspective: dict[str, dict[str, int]], titles: dict[str, str], *, title: str
) -> str | None:
    """The pass rate of each J-AISI perspective on a radar (None under three axes)."""
    if len(by_perspective) < 3:
        return None
    return radar_svg(
        [f"{p} {titles.get(p, '')}" for p in by_perspective],
        [v["passed"] / (v["total"] or 1) for v in by_perspective.values()],
        title=title,
    )
