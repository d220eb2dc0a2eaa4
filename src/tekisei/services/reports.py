"""Assessment reports for auditors and executives: HTML, PDF and XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal
from tekisei.errors import InvalidInputError
from tekisei.render.report import report_html, report_pdf, report_xlsx
from tekisei.services import assessments, catalog, systems

Format = Literal["html", "pdf", "xlsx"]
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DEFAULT_VIEWS = ("iso-iec-42001-2023",)


@dataclass(frozen=True)
class Report:
    """A rendered report, ready to download."""

    content: bytes
    media_type: str
    filename: str


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
            org=principal.org_slug,
            system=system,
            report=report,
            views=views,
            element_titles=titles,
            lang=lang,
        )
        content = html.encode("utf-8") if fmt == "html" else report_pdf(html)
    return Report(content, MEDIA[fmt], name)
