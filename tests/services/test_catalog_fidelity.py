"""The guideline's catalog keeps the seed's modality, item by item: what the guideline
says is 可能と考えられる, 望ましい, 期待される or 努める is not turned into a duty, and what
it says plainly stays plain. Each row is one finding of the line-by-line reading of the
seed against the catalog (issue 12)."""

from __future__ import annotations

from functools import cache

import pytest

from tekisei.core.catalog import CatalogFile, Node
from tekisei.services.catalog_files import parse_files, shipped_files

SEED = "jp-ai-appropriateness-2025"


@cache
def _nodes() -> dict[str, Node]:
    catalog = next(
        item.content
        for item in parse_files(shipped_files())
        if isinstance(item.content, CatalogFile) and item.content.framework.id == SEED
    )
    return {node.section: node for node in catalog.nodes}


# section, words the Japanese text keeps, words the English text keeps, words neither has
FAITHFUL: list[tuple[str, list[str], list[str], list[str]]] = [
    ("脚注16", ["可能と考えられる", "期待される"], ["considered a possible", "expected"], []),
    ("脚注17", ["表示する", "望ましい", "期待される"], ["desirable", "expected"], []),
    (
        "3(3)",
        ["本指針の趣旨と整合", "明確化するよう努める"],
        ["consistent with the purpose", "endeavour to clarify"],
        ["明確にする。"],
    ),
    ("3(4)", ["可能な限り"], ["as far as possible"], ["never become opaque"]),
    (
        "4(2)",
        ["身に付けるよう努める", "出所、正確性等を理解し", "不当な偏見"],
        ["endeavour to build", "understand where the information", "unjust prejudice"],
        ["確かめ"],
    ),
    (
        "1(1)",
        ["国際的な規範の趣旨に即して策定", "国際モデルとなるよう展開", "国際協調を図る"],
        ["international norms", "international model", "international cooperation"],
        ["国際協調の下で"],
    ),
    (
        "2",
        ["AIを活用した製品、サービスの開発、提供をする活用事業者", "脚注11", "脚注12", "脚注13"],
        ["develop or provide products and services using AI", "footnote 11", "ISO/IEC 42001"],
        ["大学は研究者の自主性など研究の特性に配慮する"],
    ),
    ("1(2) 透明性 ◇1", ["重要である", "アルゴリズムへの理解"], ["important", "algorithms"], []),
    ("2(5)", ["努める"], ["endeavour"], []),
    (
        "脚注20",
        ["デジタル社会推進会議幹事会決定", "各府省庁", "望ましい"],
        ["Digital Society Promotion Council", "each ministry", "desirable"],
        ["デジタル庁の"],
    ),
    ("1(3)③", ["国民", "tekisei による整理"], ["citizens", "tekisei's reading"], []),
]


@pytest.mark.parametrize(("section", "ja", "en", "neither"), FAITHFUL, ids=[r[0] for r in FAITHFUL])
def test_the_summary_keeps_the_seeds_modality(
    section: str, ja: list[str], en: list[str], neither: list[str]
) -> None:
    node = _nodes()[section]
    for words in ja:
        assert words in node.text.ja, f"{section} ja lost {words!r}"
    for words in en:
        assert words in node.text.en, f"{section} en lost {words!r}"
    for words in neither:
        assert words not in node.text.ja and words not in node.text.en, words


def test_the_caio_footnote_is_for_ministries_only() -> None:
    assert _nodes()["脚注20"].actors == ["national"]
