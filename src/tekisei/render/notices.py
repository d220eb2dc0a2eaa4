"""A published disclosure notice as one self-contained HTML document and as PDF
(WeasyPrint, with Japanese fonts), in Japanese or English."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tekisei.core.energy import PublicEnergy, emissions_text, factor_text, kwh_text
from tekisei.core.notices import SECTION_NAMES, SECTIONS, Lang, NoticeContent
from tekisei.i18n import messages
from tekisei.render.report import _environment

LABELS: dict[str, dict[Lang, str]] = {
    "kind": {"ja": "AIの利用についてのお知らせ", "en": "Notice on the use of AI"},
    "version": {"ja": "版", "en": "Version"},
    "latest": {"ja": "最新版", "en": "latest"},
    "published": {"ja": "公開日", "en": "Published"},
    "provider": {"ja": "提供者", "en": "Provided by"},
    "records": {"ja": "モデルとデータ", "en": "Models and data"},
    "address": {"ja": "このお知らせの公開場所", "en": "Where this notice is published"},
    "missing:ja": {
        "ja": "",
        "en": "This notice is not available in English; it is shown in Japanese.",
    },
    "missing:en": {
        "ja": "このお知らせは日本語では提供されていません。英語版を表示しています。",
        "en": "",
    },
}


def _refuse(url: str) -> dict[str, object]:
    """WeasyPrint's fetcher for notices: nothing is fetched, whatever a text says."""
    raise ValueError(f"notices load no resources ({url[:80]})")


def notice_html(
    *,
    organisation: str,
    public_id: str,
    number: int,
    latest: int,
    published_at: datetime,
    content: NoticeContent,
    lang: Lang,
    time_zone: str,
    site: str = "",
    energy: Sequence[PublicEnergy] = (),
) -> str:
    """One version of a notice as HTML in ``lang``; when the notice is not given in
    ``lang``, the other language's text, saying so. ``energy``: the system's figures when
    the organisation shows them, in ``lang`` as on the page. Every text is escaped."""
    shown: Lang = lang if content.text(lang) is not None else ("en" if lang == "ja" else "ja")
    text = content.text(shown)
    assert text is not None, "a published notice is given in at least one language"
    local = (
        published_at.astimezone(ZoneInfo(time_zone))
        if published_at.tzinfo
        else (published_at.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)))
    )
    template = _environment().get_template("notice.html")
    return template.render(
        lang=lang,
        shown=shown,
        missing=LABELS[f"missing:{lang}"][lang] if shown != lang else "",
        organisation=organisation,
        public_id=public_id,
        number=number,
        latest=latest,
        published=f"{local:%Y-%m-%d %H:%M} {local.tzname()}",
        text=text,
        sections=[(name, SECTION_NAMES[name][0 if shown == "ja" else 1]) for name in SECTIONS],
        t=lambda key: LABELS[key][shown],
        site=site,
        **energy_words(lang, energy, names=False),
    )


def energy_words(lang: Lang, energy: Sequence[PublicEnergy], *, names: bool) -> dict[str, Any]:
    """What the environmental section (``_energy.html``) needs: the figures, whether it
    names each system, the catalog of ``lang`` and the ways figures are written."""
    return {
        "energy_sections": list(energy),
        "energy_names": names,
        "_": messages(lang).gettext,
        "kwh_text": kwh_text,
        "emissions_text": emissions_text,
        "factor_text": factor_text,
    }


def notice_pdf(html: str) -> bytes:
    """The HTML typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
