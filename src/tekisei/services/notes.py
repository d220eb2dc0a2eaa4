"""Automatic notes in words: a stored :class:`~tekisei.core.notes.AutoNote` worded in both
languages from the message catalogs (id ``note:<key>``), for the views that show it."""

from __future__ import annotations

from tekisei.core.catalog import Localized
from tekisei.core.notes import AutoNote
from tekisei.i18n import Lang, messages


def note_text(note: AutoNote, lang: Lang) -> str:
    """``note`` in ``lang``; a note the catalog cannot word (a kind dropped since, or
    values that do not fit) is shown as its key rather than failing the page."""
    catalog = messages(lang)
    message = f"note:{note.key}"
    if catalog.gettext(message) == message:
        return note.key
    try:
        return catalog.format(message, **note.params)
    except (KeyError, TypeError, ValueError):
        return catalog.gettext(message)


def note_words(note: AutoNote) -> Localized:
    """``note`` in Japanese and English."""
    return Localized(ja=note_text(note, "ja"), en=note_text(note, "en"))
