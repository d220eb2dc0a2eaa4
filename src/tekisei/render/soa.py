"""The Statement of Applicability as a workbook (one row per control) and as a PDF
(WeasyPrint), in Japanese or English, with times on the organisation's clock.

Every word comes from the message catalogs (``tekisei.i18n``), as on the pages; what the
organisation wrote (justifications, notes, system names, evidence titles) is data, written
as text: no cell becomes a formula (``render.sheets``) and the PDF loads no resource.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tekisei.core.catalog_views import section_label
from tekisei.core.soa import (
    ControlLine,
    EvidenceLine,
    Origin,
    SourceLine,
    Statement,
    SystemLine,
)
from tekisei.core.times import local, shown
from tekisei.i18n import Lang, Messages, messages
from tekisei.render.report import _environment
from tekisei.render.sheets import Table, Value, xlsx_bytes

__all__ = ["derivation_text", "evidence_text", "soa_html", "soa_pdf", "soa_xlsx"]

COLUMNS: tuple[str, ...] = (
    "soa:col-control",
    "soa:col-objective",
    "soa:col-title",
    "soa:col-description",
    "soa:col-applicable",
    "soa:col-justification",
    "soa:col-state",
    "soa:col-derivation",
    "soa:col-evidence",
    "soa:col-owner",
    "soa:col-notes",
    "soa:col-updated",
    "soa:col-version",
)
"""The columns of the workbook, by catalog id, in order."""


def _pick(lang: Lang, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def _system_text(line: SystemLine, catalog: Messages, lang: Lang) -> str:
    state = catalog.words("state", line.state.value) if line.state else "—"
    head = f"{line.system_name}: {state}"
    if line.origin is Origin.DIRECT:
        return f"{head} ({catalog.gettext('soa:origin:direct')})"
    carrying = [s for s in line.sources if s.carries]
    related = [s for s in line.sources if not s.carries]

    def item(source: SourceLine) -> str:
        return (
            f"{section_label(source.section, lang)} "
            f"{catalog.words('relation', source.relation)} "
            f"{catalog.words('state', source.state.value)}"
        )

    parts = [head]
    if carrying:
        parts.append("← " + ", ".join(item(s) for s in carrying))
    if related:
        listed = ", ".join(item(s) for s in related)
        parts.append(f"({catalog.gettext('soa:related')}: {listed})")
    return " ".join(parts)


def derivation_text(control: ControlLine, lang: Lang) -> str:
    """How the control's state was derived, one line per system, in ``lang``."""
    catalog = messages(lang)
    lines = [_system_text(line, catalog, lang) for line in control.systems]
    if control.hint is not None:
        lines.append(catalog.gettext(f"soa:hint:{control.hint.value}"))
    return "\n".join(lines) or "—"


def evidence_text(evidence: list[EvidenceLine], lang: Lang) -> str:
    """The evidence as a reader of ``lang`` reads it: titles with their addresses."""
    out = []
    for e in evidence:
        text = e.title_in(lang)
        if e.url:
            text += f" <{e.url}>"
        elif e.sha256:
            text += f" [sha256 {e.sha256[:12]}]"
        out.append(text)
    return "\n".join(out)


def _preamble(statement: Statement, lang: Lang, zone: ZoneInfo) -> list[list[Value]]:
    _ = messages(lang).gettext
    approval = statement.approval
    approved: Value = (
        messages(lang).format(
            "soa:approved-by",
            number=approval.number,
            version=approval.soa_version,
            who=approval.approved_by,
            when=shown(approval.approved_at, zone),
        )
        if approval is not None
        else _("soa:not-approved")
    )
    # always as many lines, so that the header row is always the ninth
    return [
        [_("soa:doc-title")],
        [_("Organisation"), statement.org_name],
        [_("soa:statement-version"), statement.version, _("Generated"),
         shown(statement.generated_at, zone)],
        [_("soa:approval"), approved],
        [_("soa:approval-note"), approval.note if approval is not None and approval.note else "—"],
        [_("soa:systems-counted"), statement.systems],
        [_("soa:wording")],
    ]  # fmt: skip


def _row(control: ControlLine, lang: Lang, zone: ZoneInfo) -> list[Value]:
    catalog = messages(lang)
    return [
        control.ref,
        f"{control.objective} {_pick(lang, control.objective_ja, control.objective_en)}",
        _pick(lang, control.title_ja, control.title_en),
        _pick(lang, control.text_ja, control.text_en),
        catalog.gettext("soa:applicable:yes" if control.applicable else "soa:applicable:no"),
        control.justification,
        catalog.words("state", control.state.value),
        derivation_text(control, lang),
        evidence_text(control.evidence, lang),
        control.owner.name if control.owner else "",
        control.notes,
        local(control.updated_at, zone) if control.updated_at else None,
        control.version,
    ]


def soa_xlsx(statement: Statement, lang: Lang, zone: ZoneInfo) -> bytes:
    """The statement as a workbook: a preamble of seven lines (organisation, version,
    approval), then one row per control under a bold, frozen, filtered header (row 9)."""
    _ = messages(lang).gettext
    table = Table(
        title=_("soa:sheet-title"),
        preamble=_preamble(statement, lang, zone),
        header=[_(c) for c in COLUMNS],
        rows=[_row(c, lang, zone) for c in statement.controls],
    )
    return xlsx_bytes([table])


def soa_html(statement: Statement, lang: Lang, zone: ZoneInfo) -> str:
    """The statement as one self-contained HTML document in ``lang`` (every text
    escaped), for the PDF."""
    catalog = messages(lang)
    template = _environment().get_template("soa.html")
    objectives: list[tuple[str, str, list[ControlLine]]] = []
    for control in statement.controls:
        if not objectives or objectives[-1][0] != control.objective:
            title = _pick(lang, control.objective_ja, control.objective_en)
            objectives.append((control.objective, title, []))
        objectives[-1][2].append(control)
    return template.render(
        lang=lang,
        statement=statement,
        objectives=objectives,
        preamble=_preamble(statement, lang, zone),
        _=catalog.gettext,
        words=catalog.words,
        pick=lambda ja, en: _pick(lang, ja, en),
        derivation=lambda c: derivation_text(c, lang),
        evidence=lambda c: evidence_text(c.evidence, lang),
        when=lambda value: shown(value, zone),
    )


def _refuse(url: str) -> dict[str, object]:
    """WeasyPrint's fetcher for the statement: nothing is fetched, whatever a text says."""
    raise ValueError(f"the statement loads no resources ({url[:80]})")


def soa_pdf(html: str) -> bytes:
    """The HTML typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
