"""Interface messages in Japanese and English, read from Babel .po catalogs."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from babel.messages.pofile import read_po

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")


class Messages:
    """gettext-style lookups for one language; unknown ids fall back to the id."""

    def __init__(self, lang: Lang, table: dict[str, str]) -> None:
        self.lang = lang
        self._table = table

    def gettext(self, message: str) -> str:
        """The translation of ``message``."""
        return self._table.get(message) or message

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The translation for ``count`` (Japanese has one form)."""
        return self.gettext(singular if count == 1 else plural)


@cache
def messages(lang: Lang) -> Messages:
    """The message catalog for ``lang`` (read once per process)."""
    root = Path(str(resources.files("tekisei.web") / "locales"))
    path = root / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    table = {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    return Messages(lang, table)


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
