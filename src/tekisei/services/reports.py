"""Reports for auditors and executives: the assessment report (HTML, PDF, XLSX) and the
risk register (XLSX, CSV). Spreadsheets and CSV are written only through
``tekisei.render.sheets``, which never lets a cell become a formula."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal
from tekisei.core.risks import RiskFields
from tekisei.core.sheets import RISK_COLUMNS, SYSTEM_COLUMNS, Column, Lang, export_value
from tekisei.core.systems import SystemFacts
from tekisei.core.times import local
from tekisei.db.orgs import OrgRow
from tekisei.errors import InvalidInputError
from tekisei.i18n import messages
from tekisei.render.eval_report import eval_report_html
from tekisei.render.report import report_html, report_pdf, report_xlsx
from tekisei.render.sheets import Table, csv_text, xlsx_bytes
from tekisei.services import assessments, catalog, eval_runs, risks, systems
from tekisei.services.evals import promptless_perspectives
from tekisei.services.orgs import org_zone
from tekisei.services.owners import owner_email
from tekisei.services.people import ActorNames
from tekisei.services.risk_suggestions import taxonomy_titles
from tekisei.services.sheet_words import Titles, choice_words

Format = Literal["html", "pdf", "xlsx"]
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
DEFAULT_VIEWS = ("iso-iec-42001-2023",)


@dataclass(frozen=True)
class Report:
    """A rendered report, ready to download."""

    content: bytes
    media_type: str
    filename: str


def _org_name(session: Session, principal: Principal) -> str:
    """The organisation's name as its reports print it (its slug stays in file names)."""
    org = session.get(OrgRow, principal.org_id)
    return org.name if org is not None else principal.org_slug


def assessment_report(
    session: Session,
    principal: Principal,
    system_id: int,
    fmt: str,
    lang: Literal["ja", "en"] = "ja",
    frameworks: tuple[str, ...] = DEFAULT_VIEWS,
) -> Report:
    """The system's current guideline assessment with framework views, rendered.

    Raises:
        InvalidInputError: an unknown format.
        NotFoundError: no assessment yet, or an unknown framework.
    """
    if fmt not in MEDIA:
        raise InvalidInputError(
            "the format is html, pdf or xlsx", ja="形式は html、pdf、xlsx のいずれかです。"
        )
    system = systems.view(systems.visible_system(session, principal, system_id), principal.org_slug)
    row = assessments.current_assessment(session, principal, system_id)
    report = assessments.assessment_report(session, principal, row.id)
    views = [assessments.framework_view(session, principal, system_id, f) for f in frameworks]
    titles = {
        n.ref: (n.title_ja if lang == "ja" else n.title_en)
        for n in catalog.framework_tree(session, assessments.GUIDELINE)
    }
    name = f"assessment-{system_id}-{row.id}.{fmt}"
    if fmt == "xlsx":
        content = report_xlsx(system=system, report=report, views=views, lang=lang)
    else:
        html = report_html(
            org=_org_name(session, principal),
            system=system,
            report=report,
            views=views,
            element_titles=titles,
            lang=lang,
            zone=org_zone(session, principal),
        )
        content = html.encode("utf-8") if fmt == "html" else report_pdf(html)
    return Report(content, MEDIA[fmt], name)


EXPORT_MAX = 100_000
"""Rows an export writes at most."""


def _sheet(
    fmt: str,
    title: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
    lang: Lang,
    titles: Titles | None = None,
) -> bytes:
    """Rows (column key → value) as XLSX or CSV (UTF-8 with a BOM, which Excel needs to
    read Japanese), with the columns' headers and the choices' words in ``lang`` (a
    risk's categories by their ``titles``)."""
    words = choice_words(columns, lang, titles)
    table = Table(
        title=title,
        header=[column.label(lang) for column in columns],
        rows=[[export_value(c, row.get(c.key), words.get(c.key)) for c in columns] for row in rows],
    )
    if fmt == "xlsx":
        return xlsx_bytes([table])
    return csv_text(table).encode("utf-8-sig")


def _check_format(fmt: str) -> None:
    if fmt not in ("xlsx", "csv"):
        raise InvalidInputError(
            "the format is xlsx or csv", ja="形式は xlsx か csv のいずれかです。"
        )


def risk_register(
    session: Session,
    principal: Principal,
    fmt: str,
    lang: Literal["ja", "en"] = "ja",
    system_id: int | None = None,
) -> Report:
    """The risk register of the visible systems (or of one) as XLSX or CSV, highest first,
    in the columns an import reads back (``tekisei.core.sheets.RISK_COLUMNS``): choices
    and status in words of ``lang``, categories by their titles, owners by email, times
    in the organisation's zone with their offset.

    Raises:
        InvalidInputError: an unknown format.
        NotFoundError: the system is not visible.
    """
    _check_format(fmt)
    _total, rows = risks.list_risks(session, principal, system_id=system_id, limit=EXPORT_MAX)
    names = {s.id: s.name for s in systems.list_systems(session, principal, limit=EXPORT_MAX)[1]}
    zone = org_zone(session, principal)
    words = messages(lang)
    emails = {user_id: owner_email(session, user_id) for user_id in {r.owner_id for r in rows}}
    values = [
        {name: getattr(r, name) for name in RiskFields.model_fields if hasattr(r, name)}
        | {
            "id": r.id,
            "system": names.get(r.system_id, str(r.system_id)),
            # a member by the email an import finds them by; an owner written before
            # owners were members, as written
            "owner": emails[r.owner_id] or r.owner_text,
            "inherent": r.inherent,
            "residual": r.residual,
            "status": words.words("risk-status", r.status),
            "acceptance": r.acceptance_note,
            "updated": local(r.updated_at, zone),
            "system_id": r.system_id,
            "version": r.version,
        }
        for r in rows
    ]
    title = "リスク登録簿" if lang == "ja" else "Risk register"
    scope = f"system-{system_id}" if system_id is not None else principal.org_slug
    name = f"risks-{scope}.{fmt}"
    content = _sheet(fmt, title, RISK_COLUMNS, values, lang, taxonomy_titles(session))
    return Report(content, MEDIA[fmt], name)


def system_inventory(
    session: Session, principal: Principal, fmt: str, lang: Literal["ja", "en"] = "ja"
) -> Report:
    """The inventory of the systems the principal may see as XLSX or CSV, by name, in the
    columns an import reads back (``tekisei.core.sheets.SYSTEM_COLUMNS``): choices and
    tier in words of ``lang``, times in the organisation's zone with their offset.

    Raises:
        InvalidInputError: an unknown format.
    """
    _check_format(fmt)
    _total, rows = systems.list_systems(session, principal, limit=EXPORT_MAX)
    zone = org_zone(session, principal)
    words = messages(lang)
    values = [
        {name: getattr(r, name) for name in SystemFacts.model_fields}
        | {
            "id": r.id,
            "tier": words.words("tier", r.tier),
            "updated": local(r.updated_at, zone),
            "version": r.version,
        }
        for r in rows
    ]
    title = "AIシステム台帳" if lang == "ja" else "AI system inventory"
    name = f"systems-{principal.org_slug}.{fmt}"
    return Report(_sheet(fmt, title, SYSTEM_COLUMNS, values, lang), MEDIA[fmt], name)


def eval_run_report(
    session: Session,
    principal: Principal,
    reference: str | int,
    fmt: str,
    lang: Literal["ja", "en"] = "ja",
) -> Report:
    """One evaluation run's report (HTML or PDF): settings and results digest, summary with
    95 % intervals, perspectives and risks, every failing case with its reasons.

    Raises:
        InvalidInputError: a format other than html or pdf.
        NotFoundError: no such run for the principal.
    """
    if fmt not in ("html", "pdf"):
        raise InvalidInputError("the format is html or pdf", ja="形式は html か pdf です。")
    row = eval_runs.visible_run(session, principal, reference)
    run = eval_runs.view(session, row, ActorNames(session, principal))
    failing = eval_runs.run_results(session, principal, row.id, failing_only=True)

    def titles(framework: str) -> dict[str, str]:
        return {
            n.ref: (n.title_ja if lang == "ja" else n.title_en)
            for n in catalog.framework_tree(session, framework)
        }

    html = eval_report_html(
        org=_org_name(session, principal),
        run=run,
        failing=failing,
        perspectives=titles(eval_runs.JAISI),
        risks=titles("tekisei-risks-1"),
        lang=lang,
        zone=org_zone(session, principal),
        promptless=promptless_perspectives(),
    )
    content = html.encode("utf-8") if fmt == "html" else report_pdf(html)
    return Report(content, MEDIA[fmt], f"eval-run-{row.id}.{fmt}")
