"""The assessment report as HTML, PDF (WeasyPrint) and XLSX (openpyxl), in Japanese or English.

Every word comes from the message catalogs the web pages use (``tekisei.i18n``): a risk
tier, an answer's state or a crosswalk relation reads the same in the report as on the
assessment page, in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tekisei.core.catalog_views import section_label
from tekisei.core.times import shown
from tekisei.i18n import Lang, messages
from tekisei.render.sheets import Percent, Table, Value, xlsx_bytes

__all__ = ["Lang", "report_html", "report_pdf", "report_xlsx"]


def _environment() -> Environment:
    folder = Path(str(resources.files("tekisei.render") / "templates"))
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))


def words(lang: Lang, zone: ZoneInfo) -> dict[str, Any]:
    """The template helpers every report shares: ``_`` (the catalog, as on the pages),
    ``say`` (a catalog id with ``%(name)s`` fields), ``section`` (a section number in
    the reader's words), ``pct`` (a share as a whole percentage) and ``when`` (a stored
    time on the organisation's clock, the zone named); ``generated`` is now, so shown."""
    catalog = messages(lang)
    return {
        "_": catalog.gettext,
        "say": catalog.format,
        "section": lambda value: section_label(str(value), lang),
        "pct": lambda value: f"{value:.0%}",
        "when": lambda value: shown(value, zone),
        "generated": shown(datetime.now(UTC), zone),
    }


def _notes(item: Any, lang: Lang) -> str:
    """What the answer says: tekisei's own note, then the people's notes and reasons."""
    auto = item.auto_note.get(lang) if item.auto_note else ""
    return " ".join(x for x in (auto, item.notes, item.justification) if x)


def report_html(
    *,
    org: str,
    system: Any,
    report: Any,
    views: list[Any],
    element_titles: dict[str, str],
    lang: Lang,
    zone: ZoneInfo,
) -> str:
    """The report as one self-contained HTML document; ``org`` is the organisation's name,
    times are in ``zone``, named."""
    template = _environment().get_template("report.html")
    return template.render(
        lang=lang,
        org=org,
        system=system,
        report=report,
        views=views,
        titles=element_titles,
        notes=lambda item: _notes(item, lang),
        **words(lang, zone),
    )


def report_pdf(html: str) -> bytes:
    """The HTML report typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def report_xlsx(*, system: Any, report: Any, views: list[Any], lang: Lang) -> bytes:
    """The report as a workbook: answers on one sheet, each framework view on its own.
    Completeness and conformity are percentages; conformity where nothing applies is '—'."""
    _ = messages(lang).gettext

    def section(value: str) -> str:
        return section_label(value, lang)

    overall = report.overall
    conformity: Value = Percent(overall.conformity) if overall.applicable else "—"
    answers = Table(
        title=_("Answers by requirement"),
        preamble=[
            [_("AI system"), system.name, _("Risk tier"), _(f"tier:{system.tier}")],
            [_("Completeness"), Percent(overall.completeness), _("Conformity"), conformity],
        ],
        header=[_("Section"), _("Requirement"), _("Answer"), _("Notes and reasons"), _("Evidence")],
        rows=[
            [
                section(item.section),
                item.title_ja if lang == "ja" else item.title_en,
                _(f"state:{item.state.value}"),
                _notes(item, lang),
                "; ".join(e.url or e.title_in(lang) for e in item.evidence),
            ]
            for item in report.items
        ],
    )
    framework_views = [
        Table(
            title=view.framework,
            header=[_("Section"), _("Requirement"), _("Answer"), _("From the guideline")],
            rows=[
                [
                    section(item.section),
                    item.title_ja if lang == "ja" else item.title_en,
                    _(f"state:{item.state.value}")
                    if item.state
                    else _("No counterpart: answer directly"),
                    ", ".join(
                        f"{section(s.section)} ({_(f'relation:{s.relation}')})"
                        for s in item.sources
                    ),
                ]
                for item in view.items
            ],
        )
        for view in views
    ]
    return xlsx_bytes([answers, *framework_views])
