"""The page language of a request; the catalogs themselves are read by ``tekisei.i18n``."""

from __future__ import annotations

from tekisei.i18n import LANGS, Lang, Messages, messages

__all__ = ["LANGS", "Lang", "Messages", "messages", "pick_lang"]


def pick_lang(query: str | None, cookie: str | None, accept: str | None, default: Lang) -> Lang:
    """The page language: ?lang=, then the cookie, then Accept-Language, then the default."""
    for value in (query, cookie):
        if value in LANGS:
            return "ja" if value == "ja" else "en"
    if accept:
        for part in accept.split(","):
            code = part.split(";")[0].strip().lower()
            if code.startswith("ja"):
                return "ja"
            if code.startswith("en"):
                return "en"
    return default
