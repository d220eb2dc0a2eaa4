"""Text fields that must be valid Unicode: JSON can spell a lone surrogate (``"\\ud800"``),
which is no character, cannot be written as UTF-8 and breaks whatever reads it next, so
such a value is refused where it comes in."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator

SURROGATE_RULE = (
    "the text contains an unpaired surrogate (\\ud800-\\udfff), which is not a character; "
    "send valid UTF-8 text"
)
RULES_JA = {
    SURROGATE_RULE: "文字として扱えない符号（対になっていないサロゲート）が含まれています。"
    "正しい UTF-8 の文字列を送ってください。"
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate code point."""
    return _SURROGATE.search(value) is not None


def _refuse_surrogates(value: str) -> str:
    if has_surrogate(value):
        raise ValueError(SURROGATE_RULE)
    return value


PlainText = Annotated[str, AfterValidator(_refuse_surrogates)]
"""A string that is valid Unicode (no lone surrogates)."""


def scrubbed(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (and dict keys, list items)
    replaced by U+FFFD, so that it can be written as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if has_surrogate(value) else value
    if isinstance(value, dict):
        return {scrubbed(k): scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(item) for item in value]
    return value
