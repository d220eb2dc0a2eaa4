"""A radar chart as server-rendered SVG (no script, no inline style)."""

from __future__ import annotations

import math
import re
import unicodedata
from html import escape

SIZE = 360
CENTRE = SIZE / 2
RADIUS = 120
FONT = 11
LINE = 13
LABEL_WIDTH = 132
"""Widest a label line may be (px) before it wraps onto the next line."""
MARGIN = 6
WORD_STRETCH = 1.5
"""How much wider than a line a single Latin word may run before it is split."""


def _point(index: int, count: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return (CENTRE + RADIUS * value * math.cos(angle), CENTRE + RADIUS * value * math.sin(angle))


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of ``text``'s width in px: full-width (East Asian wide)
    characters take a whole em, others about 0.62 em."""
    return sum(size if _wide(ch) else size * 0.62 for ch in text)


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def wrap(label: str, width: float = LABEL_WIDTH) -> list[str]:
    """``label`` in lines no wider than ``width`` px, broken at spaces where there are
    any and between characters otherwise (Japanese has no spaces); nothing is dropped."""
    lines: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", label.strip()) or [""]:
        if text_width((current + word).rstrip()) <= width:
            current += word
            continue
        if current:
            lines.append(current.rstrip())
            current = ""
        if text_width(word.rstrip()) <= width * WORD_STRETCH and not _wide(word):
            current = word  # a Latin word stays whole rather than split mid-word
            continue
        for ch in word:
            if current and text_width((current + ch).rstrip()) > width:
                lines.append(current.rstrip())
                current = ""
            current += ch
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def radar_svg(labels: list[str], values: list[float], *, title: str) -> str:
    """Values between 0 and 1 on one axis per label; rings at 25, 50, 75 and 100 %.

    Long labels wrap, and the drawing widens (its view box) to hold every label whole.
    """
    count = len(labels)
    left, top, right, bottom = 0.0, 0.0, float(SIZE), float(SIZE)
    texts: list[str] = []
    for index, label in enumerate(labels):
        lx, ly = _point(index, count, 1.1)
        anchor = "middle" if abs(lx - CENTRE) < 10 else ("start" if lx > CENTRE else "end")
        lines = wrap(label)
        width = max(text_width(line) for line in lines)
        height = LINE * len(lines)
        # The baseline of the first line: labels above the centre grow upwards, those
        # below grow downwards, those level with it are centred on their axis.
        if ly < CENTRE - 10:
            first = ly - height + FONT
        elif ly > CENTRE + 10:
            first = ly + FONT
        else:
            first = ly - height / 2 + FONT
        x0 = {"middle": lx - width / 2, "start": lx, "end": lx - width}[anchor]
        left, right = min(left, x0 - MARGIN), max(right, x0 + width + MARGIN)
        top, bottom = min(top, first - FONT - MARGIN), max(bottom, first + height + MARGIN)
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{first + LINE * n:.1f}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        texts.append(
            f'<text text-anchor="{anchor}" font-size="{FONT}" data-label="{escape(label)}">'
            f"{spans}</text>"
        )
    box = f"{left:.0f} {top:.0f} {right - left:.0f} {bottom - top:.0f}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" width="{right - left:.0f}" '
        f'height="{bottom - top:.0f}" role="img" aria-labelledby="radar-title" class="radar">',
        f'<title id="radar-title">{escape(title)}</title>',
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (_point(i, count, ring) for i in range(count))
        )
        parts.append(f'<polygon points="{points}" fill="none" stroke="#d0d7de"/>')
    for index in range(count):
        x, y = _point(index, count, 1.0)
        parts.append(
            f'<line x1="{CENTRE}" y1="{CENTRE}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
        )
    parts.extend(texts)
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
