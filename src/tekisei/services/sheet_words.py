"""The words of the spreadsheets' choice columns: an export writes each code in the
reader's language, with the words the pages show (the message catalogs; a risk's
categories by their titles in the risk taxonomy), and an import reads a code, or its
words in either language, so that a file exported in one language imports in the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tekisei.core.sheets import Column, Lang, choice_key
from tekisei.i18n import LANGS, messages

__all__ = ["Titles", "choice_names", "choice_words"]

Titles = Mapping[str, tuple[str, str]]
"""The risk taxonomy's titles: id → (Japanese, English)."""
TAXONOMY = "taxonomy"


def choice_words(
    columns: Sequence[Column], lang: Lang, titles: Titles | None = None
) -> dict[str, dict[str, str]]:
    """Each choice column's codes in words of ``lang``: column key → code → word (the risk
    taxonomy's by ``titles``)."""
    words = messages(lang)
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        if column.codes is not None and column.words:
            found[column.key] = {
                code.value: words.words(column.words, code.value) for code in column.codes
            }
        elif column.key == TAXONOMY and titles:
            found[column.key] = {
                ref: (ja if lang == "ja" else en) for ref, (ja, en) in titles.items()
            }
    return found


def choice_names(
    columns: Sequence[Column], titles: Titles | None = None
) -> dict[str, dict[str, str]]:
    """What an import reads as each choice column's codes: column key → word or code
    (keyed by :func:`tekisei.core.sheets.choice_key`) → code. A code always stands for
    itself, whatever word of another code is spelt the same."""
    names: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        for key, words in choice_words(columns, lang, titles).items():
            table = names.setdefault(key, {})
            for code, word in words.items():
                table.setdefault(choice_key(word), code)
    for table in names.values():
        table.update({choice_key(code): code for code in set(table.values())})
    return names
