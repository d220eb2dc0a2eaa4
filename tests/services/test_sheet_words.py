"""The words of the spreadsheets' choices (services/sheet_words.py): every code is written
in each language's words, and every word reads back as its own code and no other."""

from __future__ import annotations

import pytest

from tekisei.core.sheets import RISK_COLUMNS, SYSTEM_COLUMNS, choice_key, field_value
from tekisei.services.sheet_words import choice_names, choice_words

COLUMNS = (*SYSTEM_COLUMNS, *RISK_COLUMNS)
TITLES = {"social.bias": ("偏見・差別の助長", "Bias and discrimination")}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_code_has_words_that_read_back_as_that_code(lang: str) -> None:
    words = choice_words(COLUMNS, lang, TITLES)  # type: ignore[arg-type]
    names = choice_names(COLUMNS, TITLES)
    choices = [c for c in COLUMNS if c.codes is not None]
    assert {c.key for c in choices} <= set(words)
    for column in choices:
        assert column.codes is not None
        for code in column.codes:
            word = words[column.key][code.value]
            if lang == "ja":
                assert word != code.value, (column.key, code)  # a translated word
            assert field_value(column, word, names[column.key]) == (
                [code.value] if column.kind == "choices" else code.value
            ), (column.key, word)
    assert words["taxonomy"]["social.bias"] == TITLES["social.bias"][0 if lang == "ja" else 1]


def test_no_word_stands_for_two_codes_of_one_column() -> None:
    for column in COLUMNS:
        if column.codes is None:
            continue
        seen: dict[str, str] = {}
        for lang in ("ja", "en"):
            for code, word in choice_words([column], lang)[column.key].items():  # type: ignore[arg-type]
                assert seen.setdefault(choice_key(word), code) == code, (column.key, word)
        for code in column.codes:  # nor is a word of one code spelt as another code
            assert seen.get(code.value, code.value) == code.value, (column.key, code)
