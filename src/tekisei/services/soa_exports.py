"""The Statement of Applicability to hand out: XLSX (one row per control) or PDF, in the
reader's language, as it stands now or as an executive approved it."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal
from tekisei.errors import InvalidInputError
from tekisei.render.soa import soa_html, soa_pdf, soa_xlsx
from tekisei.services import soa, soa_approvals, soa_views
from tekisei.services.orgs import org_zone
from tekisei.services.reports import MEDIA, Report

FORMATS = ("xlsx", "pdf")


def soa_report(
    session: Session,
    principal: Principal,
    fmt: str,
    lang: Literal["ja", "en"] = "ja",
    approval: int | None = None,
) -> Report:
    """The statement as XLSX or PDF: as it stands now, or approved version ``approval``
    exactly as it was approved; times on the organisation's clock.

    Raises:
        InvalidInputError: a format other than xlsx or pdf.
        PermissionDeniedError: an external tester.
        NotFoundError: no such approved version.
    """
    if fmt not in FORMATS:
        raise InvalidInputError("the format is xlsx or pdf", ja="形式は xlsx か pdf です。")
    soa.readable(principal)
    if approval is not None:
        statement = soa_approvals.get_approval(session, principal, approval).statement
    else:
        statement = soa_views.statement(session, principal)
    zone = org_zone(session, principal)
    if fmt == "xlsx":
        content = soa_xlsx(statement, lang, zone)
    else:
        content = soa_pdf(soa_html(statement, lang, zone))
    which = f"-approved-{approval}" if approval is not None else f"-v{statement.version}"
    # The organisation's slug is a-z, 0-9 and '-': the name is never a path.
    name = f"soa-{principal.org_slug}{which}-{lang}.{fmt}"
    return Report(content, MEDIA[fmt], name)
