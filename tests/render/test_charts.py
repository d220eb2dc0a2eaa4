"""The server-drawn charts: radar labels that are never cut off, heat-map cells as links."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tekisei.render.heatmap import heat_map_svg
from tekisei.render.radar import LABEL_WIDTH, radar_svg, text_width, wrap

LONG_JA = "人間中心（人間の尊厳と自律、多様な背景を持つ人々の幸福）を尊重するための取組"
LONG_EN = "Fairness and non-discrimination across groups of people who use the system"


@given(st.text(min_size=1, max_size=200))
def test_wrapping_never_drops_or_adds_a_character(label: str) -> None:
    lines = wrap(label)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", label)


def test_lines_fit_unless_a_single_latin_word_is_longer() -> None:
    for label in (LONG_JA, LONG_EN, "A" * 80, "安全性"):
        for line in wrap(label):
            assert text_width(line) <= LABEL_WIDTH * 1.5, line
    assert wrap("Privacy") == ["Privacy"]
    assert len(wrap(LONG_JA)) > 2  # Japanese wraps between characters


def test_the_view_box_holds_every_label() -> None:
    labels = [LONG_JA, "安全性", LONG_EN, "Privacy", "Security", "Transparency", "透明性"]
    svg = radar_svg(labels, [0.5] * len(labels), title="t")
    left, top, width, height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg)[1].split())  # type: ignore[index]
    for text in re.finditer(r'<text text-anchor="(\w+)"[^>]*>(.*?)</text>', svg):
        anchor = text[1]
        for x, y, line in re.findall(
            r'<tspan x="([\d.-]+)" y="([\d.-]+)">([^<]*)</tspan>', text[2]
        ):
            start = float(x) - {"start": 0, "middle": 0.5, "end": 1}[anchor] * text_width(line)
            assert left <= start and start + text_width(line) <= left + width, line
            assert top <= float(y) - 11 and float(y) <= top + height, line
    assert all(label.replace("&", "&amp;") in svg for label in labels if "<" not in label)


def test_heat_map_cells_with_risks_are_links_with_escaped_addresses() -> None:
    grid = [[0] * 5 for _ in range(5)]
    grid[3][2] = 2  # likelihood 4, impact 3
    svg = heat_map_svg(
        grid,
        title="t",
        x_label="Impact",
        y_label="Likelihood",
        link=lambda likelihood, impact: f'/risks?likelihood={likelihood}&impact={impact}"x',
    )
    links = re.findall(r'<a href="([^"]*)" class="heat-cell" aria-label="([^"]*)">', svg)
    assert links == [("/risks?likelihood=4&amp;impact=3&quot;x", "Likelihood 4 × Impact 3: 2")]
    # links inside: a group (an image may hold nothing interactive, axe nested-interactive)
    assert 'role="group"' in svg and 'role="img"' not in svg
    plain = heat_map_svg(grid, title="t", x_label="i", y_label="l")
    assert plain.count("<a ") == 0 and 'role="img"' in plain
