"""Words users read, in Japanese and English, from the Babel .po message catalogs.

One source for every layer that writes for people: the web pages (``web``), the reports
and spreadsheets (``render``), the text services store for later (automatic notes) and
the CLI all read the same catalogs (``web/locales/{ja,en}/LC_MESSAGES/messages.po``), so
a word such as a risk tier or a crosswalk relation is the same on a page and in a PDF.
"""

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

    def format(self, message: str, /, **params: str | int | float) -> str:
        """The translation of ``message`` with its ``%(name)s`` fields (the catalogs'
        python-format) filled from ``params``; the catalog's text is the format string,
        the values are only ever data."""
        return self.gettext(message) % params

    def words(self, prefix: str, value: object) -> str:
        """``value`` in words through the id ``prefix:value`` (``tier:limited`` → 限定的),
        or ``value`` itself when the catalog has no such id."""
        key = f"{prefix}:{value}"
        found = self.gettext(key)
        return str(value) if found == key else found


@cache
def messages(lang: Lang) -> Messages:
    """The message catalog for ``lang`` (read once per process)."""
    root = Path(str(resources.files("tekisei"))) / "web" / "locales"
    path = root / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    table = {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    return Messages(lang, table)
