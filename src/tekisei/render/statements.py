"""A published governance statement as one self-contained HTML document and as PDF
(WeasyPrint, with Japanese fonts), in Japanese or English. Every word comes from the
message catalogs the pages use; everything the organisation wrote is escaped, and policy
texts are laid out from their blocks (``core/policy_text.py``), never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from tekisei.core.energy import PublicEnergy
from tekisei.core.policies import Lang, kind_name
from tekisei.core.policy_text import blocks
from tekisei.core.statements import StatementContent
from tekisei.render.notices import energy_words
from tekisei.render.report import _environment, words


def _refuse(url: str) -> dict[str, object]:
    """WeasyPrint's fetcher for statements: nothing is fetched, whatever a text says."""
    raise ValueError(f"statements load no resources ({url[:80]})")


def statement_html(
    *,
    content: StatementContent,
    number: int,
    latest: int,
    published_at: datetime,
    lang: Lang,
    time_zone: str,
    site_path: str,
    energy: Sequence[PublicEnergy] = (),
) -> str:
    """One version of a statement as HTML in ``lang`` (a policy not given in ``lang`` is
    shown in the other language, saying so), with ``energy``: the figures of each system
    the organisation shows them for, as on the page."""
    template = _environment().get_template("statement.html")
    return template.render(
        lang=lang,
        content=content,
        number=number,
        latest=latest,
        published_at=published_at,
        site_path=site_path,
        blocks=blocks,
        kind_name=lambda kind: kind_name(kind, lang),
        other="en" if lang == "ja" else "ja",
        **(words(lang, ZoneInfo(time_zone)) | energy_words(lang, energy, names=True)),
    )


def statement_pdf(html: str) -> bytes:
    """The HTML typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
