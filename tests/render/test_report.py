"""The reports' words come from the message catalogs the pages use, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from tekisei.core.sheets import RISK_COLUMNS, SYSTEM_COLUMNS
from tekisei.i18n import messages

RENDER = Path(__file__).resolve().parents[2] / "src" / "tekisei" / "render"
MESSAGE = re.compile(r"""\b(?:_|say)\(\s*(?:f?)"([^"{]+)"\s*[,)]""")


def _ids() -> set[str]:
    found: set[str] = set()
    for path in [*RENDER.glob("templates/*.html"), *RENDER.glob("*.py")]:
        found |= set(MESSAGE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_sees_the_reports_words() -> None:
    ids = _ids()
    assert {"AI system assessment report", "Evaluation run report", "Section"} <= ids


def test_the_spreadsheets_columns_carry_both_languages() -> None:
    """The inventory's and the risk register's columns are named in both languages
    in ``tekisei.core.sheets`` rather than in the catalogs."""
    for column in (*SYSTEM_COLUMNS, *RISK_COLUMNS):
        assert column.ja and column.en, column.key
        if column.key != "id":
            assert column.ja != column.en, column.key
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", column.ja), column.key


def test_every_word_of_the_reports_has_a_japanese_translation() -> None:
    ja = messages("ja")
    missing = sorted(i for i in _ids() if i != "ID" and ja.gettext(i) == i)
    assert not missing, missing


def test_keyed_words_of_the_reports_have_an_english_text_too() -> None:
    en = messages("en")
    words = [
        f"{prefix}{value}"
        for prefix, values in {
            "tier:": ("minimal", "limited", "high", "critical"),
            "state:": ("implemented", "partial", "not_implemented", "not_applicable"),
            "assessment:": ("open", "closed"),
            "relation:": ("equal", "subset", "superset", "intersect", "related"),
            "treatment:": ("mitigate", "avoid", "transfer", "accept"),
            "risk-status:": ("open", "treating", "accepted", "closed"),
        }.items()
        for value in values
    ]
    assert [w for w in words if en.gettext(w) == w] == []
    ja = messages("ja")
    # the glossary's words, not 締め済み and 限定
    assert (ja.gettext("assessment:closed"), ja.gettext("tier:limited")) == ("確定済み", "限定的")
