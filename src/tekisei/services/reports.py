"""Reports for auditors and executives: the assessment report (HTML, PDF, XLSX) and the
risk register (XLSX, CSV). Spreadsheets and CSV are written only through
``tekisei.render.sheets``, which never lets a cell become a formula."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal
from tekisei.core.times import local
from tekisei.db.orgs import OrgRow
from tekisei.db.risks import RiskRow
from tekisei.errors import InvalidInputError
from tekisei.i18n import messages
from tekisei.render.eval_report import eval_report_html
from tekisei.render.report import report_html, report_pdf, report_xlsx
from tekisei.render.sheets import Table, csv_text, xlsx_bytes
from tekisei.services import assessments, catalog, eval_runs, risk_suggestions, risks, systems
from tekisei.services.evals import promptless_perspectives
from tekisei.services.orgs import org_zone
from tekisei.services.people import ActorNames

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


RISK_COLUMNS = (
    "ID", "AI system", "Risk name", "Risk categories", "Description", "Likelihood", "Impact",
    "Inherent", "Residual", "Treatment", "Treatment plan", "Owner", "Due", "Status",
    "Why it is accepted", "Updated",
)  # fmt: skip
"""The risk register's columns, as message ids of the catalogs."""
RISK_EXPORT_MAX = 100_000
FORMER = {"ja": "{name}（元メンバー）", "en": "{name} (former member)"}
"""An owner who has left the organisation, in the register."""


def risk_register(
    session: Session,
    principal: Principal,
    fmt: str,
    lang: Literal["ja", "en"] = "ja",
    system_id: int | None = None,
) -> Report:
    """The risk register of the visible systems (or of one) as XLSX or CSV, highest first;
    times in the organisation's zone, with their offset.

    Raises:
        InvalidInputError: an unknown format.
        NotFoundError: the system is not visible.
    """
    if fmt not in ("xlsx", "csv"):
        raise InvalidInputError(
            "the format is xlsx or csv", ja="形式は xlsx か csv のいずれかです。"
        )
    _total, rows = risks.list_risks(session, principal, system_id=system_id, limit=RISK_EXPORT_MAX)
    names = {
        s.id: s.name for s in systems.list_systems(session, principal, limit=RISK_EXPORT_MAX)[1]
    }
    words = messages(lang)
    _ = words.gettext
    categories = risk_suggestions.taxonomy_titles(session)
    joiner = "、" if lang == "ja" else ", "

    def category(ref: str) -> str:
        ja, en = categories.get(ref, (ref, ref))
        return ja if lang == "ja" else en

    zone = org_zone(session, principal)
    actors = ActorNames(session, principal)

    def owner(row: RiskRow) -> str:
        shown = actors.owner(row.owner_id, row.owner_text)
        if shown is None:
            return ""
        return FORMER[lang].format(name=shown.name) if shown.former_member else shown.name

    table = Table(
        title=_("Risk register"),
        header=[_(column) for column in RISK_COLUMNS],
        rows=[
            [
                r.id,
                names.get(r.system_id, str(r.system_id)),
                r.title,
                joiner.join(category(ref) for ref in r.taxonomy),
                r.description,
                r.likelihood,
                r.impact,
                r.inherent,
                r.residual,
                words.words("treatment", r.treatment) if r.treatment else "",
                r.treatment_plan,
                owner(r),
                r.due,
                words.words("risk-status", r.status),
                r.acceptance_note,
                local(r.updated_at, zone),
            ]
            for r in rows
        ],
    )
    scope = f"system-{system_id}" if system_id is not None else principal.org_slug
    name = f"risks-{scope}.{fmt}"
    if fmt == "xlsx":
        return Report(xlsx_bytes([table]), MEDIA["xlsx"], name)
    return Report(csv_text(table).encode("utf-8-sig"), MEDIA["csv"], name)


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
