"""Text as people typed it, without what they cannot see: bidirectional controls, which
reorder what a page shows (an inquiry's subject read backwards, a file name that hides
its extension), are removed wherever they stand; whitespace and invisible format
characters (zero-width spaces, joiners, byte order marks) are removed at the ends, so
that a value made of nothing visible counts as empty and a required field refuses it.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Arabic letter mark, LRM/RLM, the embeddings and overrides, and the isolates."""

_DROP = str.maketrans("", "", BIDI_CONTROLS)


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def visible(value: str) -> str:
    """``value`` without bidirectional controls, and without whitespace or invisible
    format characters at either end."""
    text = value.translate(_DROP)
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories of characters a short name must not hold: controls (line breaks,
tabs), format characters (bidirectional overrides and isolates, zero-width spaces and
joiners, byte order marks), lone surrogates and line or paragraph separators."""


def has_hidden(value: str) -> bool:
    """Whether ``value`` holds a control, format or separator character
    (:data:`HIDDEN_CATEGORIES`): what reorders, breaks or hides part of a short name
    where it is shown, on a page or in a terminal."""
    return any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in value)


FILLERS = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
)
"""Characters that draw nothing although Unicode files them as letters or marks: the
combining grapheme joiner, the Hangul fillers, Khmer inherent vowels, Mongolian
variation selectors and the blank Braille pattern."""
_NOTHING_SHOWN = HIDDEN_CATEGORIES | {"Zs", "Mn", "Me", "Cn", "Co"}


def looks_blank(value: str) -> bool:
    """Whether ``value`` shows nothing at all: only spaces, fillers (:data:`FILLERS`),
    variation selectors or other marks without a letter to carry them."""
    return not any(
        char not in FILLERS and unicodedata.category(char) not in _NOTHING_SHOWN for char in value
    )


def _visible_if_text(value: Any) -> Any:
    return visible(value) if isinstance(value, str) else value


VisibleText = Annotated[str, BeforeValidator(_visible_if_text)]
"""A text field cleaned by :func:`visible` before its own limits are checked."""


BOUND_WORDS: dict[str, tuple[str, str, str]] = {
    "greater_than_equal": ("ge", "以上", "at least"),
    "greater_than": ("gt", "より大きい値", "more than"),
    "less_than_equal": ("le", "以下", "at most"),
    "less_than": ("lt", "未満", "below"),
}
"""How a bound a value broke is said, by pydantic's error type: the key of the bound in
the error's context, and the words after it in Japanese and before it in English
("0以上", "at least 0")."""
