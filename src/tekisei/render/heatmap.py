"""Risk heat maps as server-rendered SVG (no script, no inline style)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from tekisei.core.risks import level, score

COLOURS = {"low": "#dcefe1", "medium": "#fdf0c2", "high": "#fbd3a5", "critical": "#f4a7a3"}
CELL = 56
LEFT = 64
TOP = 16


def heat_map_svg(
    grid: list[list[int]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    link: Callable[[int, int], str] | None = None,
) -> str:
    """A 5 × 5 grid: impact left to right, likelihood bottom to top, count in each cell.

    Args:
        grid: ``grid[likelihood-1][impact-1]`` counts.
        title: accessible name of the figure.
        x_label: axis caption for impact.
        y_label: axis caption for likelihood.
        link: the address of the list behind a cell, given its likelihood and impact;
            cells holding at least one risk become links to it.
    """
    width = LEFT + 5 * CELL + 8
    height = TOP + 5 * CELL + 48
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        # with links inside, a group of them (an image may hold nothing interactive)
        f'width="{width}" height="{height}" role="{"img" if link is None else "group"}" '
        'aria-labelledby="hm-title" '
        f'class="heatmap">',
        f'<title id="hm-title">{escape(title)}</title>',
    ]
    for likelihood in range(1, 6):
        y = TOP + (5 - likelihood) * CELL
        parts.append(
            f'<text x="{LEFT - 10}" y="{y + CELL // 2 + 5}" text-anchor="end" '
            f'font-size="13">{likelihood}</text>'
        )
        for impact in range(1, 6):
            x = LEFT + (impact - 1) * CELL
            count = grid[likelihood - 1][impact - 1]
            band = level(score(likelihood, impact)).value
            label = f"{y_label} {likelihood} × {x_label} {impact}: {count}"
            href = link(likelihood, impact) if link is not None and count else None
            if href is not None:
                parts.append(
                    f'<a href="{escape(href)}" class="heat-cell" aria-label="{escape(label)}">'
                )
            parts.append(
                f'<g data-likelihood="{likelihood}" data-impact="{impact}" data-count="{count}">'
                f"<title>{escape(label)}</title>"
                f'<rect x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" rx="4" '
                f'fill="{COLOURS[band]}" stroke="#8c959f" stroke-width="{2 if count else 0.5}"/>'
            )
            if count:
                parts.append(
                    f'<text x="{x + CELL // 2 - 1}" y="{y + CELL // 2 + 6}" text-anchor="middle" '
                    f'font-size="18" font-weight="700">{count}</text>'
                )
            parts.append("</g>")
            if href is not None:
                parts.append("</a>")
    for impact in range(1, 6):
        centre = LEFT + (impact - 1) * CELL + CELL // 2
        parts.append(
            f'<text x="{centre}" y="{TOP + 5 * CELL + 18}" text-anchor="middle" '
            f'font-size="13">{impact}</text>'
        )
    parts.append(
        f'<text x="{LEFT + 5 * CELL // 2}" y="{TOP + 5 * CELL + 40}" text-anchor="middle" '
        f'font-size="13">{escape(x_label)} →</text>'
    )
    parts.append(
        f'<text x="14" y="{TOP + 5 * CELL // 2}" text-anchor="middle" font-size="13" '
        f'transform="rotate(-90 14 {TOP + 5 * CELL // 2})">{escape(y_label)} →</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
