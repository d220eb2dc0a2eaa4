"""The forms of a text the detector tests, so that invisible or look-alike characters and
a change of case do not hide a watermark.

Tokenizers split ``"Hello"``, ``"Ｈｅｌｌｏ"``, ``"Hеllo"`` (a Cyrillic е) and
``"HEL\u200bLO"`` into different tokens, so each of these edits removes the watermark
while the text still reads the same. Before tokenising, the detector therefore also tests:

1. the text **normalised**: Unicode NFKC (fullwidth and other compatibility forms to
   their plain letters), every format character removed (category Cf: zero-width space,
   joiners and non-joiners U+200B–U+200D, the direction marks U+200E/U+200F and the other
   bidirectional controls, word joiner and invisible operators U+2060–U+2064, the byte
   order mark U+FEFF, the soft hyphen U+00AD), and Cyrillic and Greek letters that look
   like Latin ones replaced by those Latin letters (:data:`CONFUSABLES`, taken from the
   Unicode confusables data, UTS #39);
2. when the text is (mostly) in capitals, that normalised text with its **case
   restored**: lower case, then a capital at the start of each sentence and for the
   pronoun "I".

The text as given is always tested too (a Greek or Russian text must not be judged only
in a Latinised form). Trying several forms is several tests, so the p-value is
Bonferroni-corrected by the number of distinct forms tested (1 to 3), on top of the
correction for the number of keys.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K",
    "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y",
    "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Һ": "H", "Ԍ": "G", "Ꙅ": "S",
    # Cyrillic small letters
    "а": "a", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l",
    "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "ԝ": "w", "х": "x", "у": "y", "ү": "y",
    "ѡ": "w",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Greek small letters
    "α": "a", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "γ": "y", "ϲ": "c",
    "ϳ": "j", "κ": "k",
}  # fmt: skip
"""Cyrillic and Greek letters that look like Latin letters, and the Latin letter each
looks like (from Unicode's confusables.txt, the letters whose prototype is a single Latin
letter, and α ι κ ν γ υ, which UTS #39 lists as confusable in most fonts)."""

_SENTENCE = re.compile(r"(^|[.!?]\s+|\n\s*)([a-z])")
_PRONOUN_I = re.compile(r"\bi\b")
MOSTLY_CAPITALS = 0.7
"""The share of capitals among cased letters above which the case is restored."""


FORMAT_BLOCKS: tuple[range, ...] = (
    range(0x0000, 0x2100),
    range(0xFE00, 0x10000),
    range(0x11000, 0x11100),
    range(0x13430, 0x13460),
    range(0x1BCA0, 0x1BCB0),
    range(0x1D170, 0x1D180),
    range(0xE0000, 0xE0080),
)
"""The blocks that hold every format character (category Cf) Unicode defines; a test
checks that no Cf character lies outside them, so the table stays complete when Python's
Unicode data changes."""


@cache
def _table() -> dict[int, str | None]:
    """One translation table: every format character (category Cf) removed, look-alike
    letters to Latin (built once per process, in milliseconds)."""
    table: dict[int, str | None] = {
        code: None
        for block in FORMAT_BLOCKS
        for code in block
        if unicodedata.category(chr(code)) == "Cf"
    }
    table.update((ord(char), latin) for char, latin in CONFUSABLES.items())
    return table


def normalised(text: str) -> str:
    """NFKC, without format characters, look-alike letters as Latin letters."""
    if text.isascii():  # nothing to fold, remove or map (most texts)
        return text
    return unicodedata.normalize("NFKC", text).translate(_table())


def mostly_capitals(text: str) -> bool:
    """Whether most cased letters (at least 20 of them) are capitals."""
    upper = sum(map(str.isupper, text))
    lower = sum(map(str.islower, text))
    return upper + lower >= 20 and upper >= MOSTLY_CAPITALS * (upper + lower)


def case_restored(text: str) -> str:
    """Lower case with a capital at the start of each sentence and for "I"."""
    lowered = _SENTENCE.sub(lambda m: m.group(1) + m.group(2).upper(), text.lower())
    return _PRONOUN_I.sub("I", lowered)


def text_variants(text: str) -> list[str]:
    """The distinct forms of ``text`` the detector tests: as given, normalised, and the
    normalised form with its case restored when it is mostly in capitals."""
    forms = [text, normalised(text)]
    if mostly_capitals(forms[1]):
        forms.append(case_restored(forms[1]))
    return list(dict.fromkeys(forms))
