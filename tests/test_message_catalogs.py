"""The message catalogs are well formed and hold the same messages in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[1] / "src" / "tekisei" / "web" / "locales"


def _ids(lang: str) -> set[str]:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang, abort_invalid=True)  # a broken entry fails
    return {str(message.id) for message in catalog if message.id}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_catalog_reads_without_a_broken_entry(lang: str) -> None:
    assert len(_ids(lang)) > 1000


def test_both_languages_hold_the_same_messages() -> None:
    ja, en = _ids("ja"), _ids("en")
    assert sorted(ja - en) == [] and sorted(en - ja) == []


def test_every_japanese_message_is_translated() -> None:
    with (LOCALES / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    assert [str(m.id) for m in catalog if m.id and not m.string] == []


def test_the_japanese_pages_call_the_guideline_shishin_as_the_glossary_does() -> None:
    # ガイドライン only as part of another document's name (AI事業者ガイドライン)
    with (LOCALES / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    texts = [str(m.string) for m in catalog if m.id and m.string]
    assert [t for t in texts if "ガイドライン" in t.replace("AI事業者ガイドライン", "")] == []
