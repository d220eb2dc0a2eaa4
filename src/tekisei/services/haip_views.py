"""How members of the organisation see HAIP reports: the list, one report with its
sections, facts and coverage, its approval and versions, and the report as a DOCX, PDF or
JSON file (people shown as the reader may see them: names, not emails, for roles that do
not manage people)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.haip_documents import HaipDocument
from tekisei.core.haip_reports import HaipContent, Status
from tekisei.core.orgs import Principal, sees_all_systems
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.errors import InvalidInputError
from tekisei.i18n import Lang
from tekisei.render.haip_reports import haip_docx, haip_html, haip_json, haip_pdf
from tekisei.services import haip_documents, haip_reports
from tekisei.services.orgs import org_zone
from tekisei.services.people import ActorNames

Format = Literal["docx", "pdf", "json"]
MEDIA: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "json": "application/json",
}


class Message(BaseModel):
    """Something to tell the reader, in both languages."""

    en: str
    ja: str


class ApprovalOut(BaseModel):
    """The executive approval of a draft."""

    status: str
    """``pending``, ``approved`` or ``rejected``."""
    version: int | None
    requested_by: str | None
    requested_at: datetime | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    decider_added_by: str | None


class VersionSummary(BaseModel):
    """One published version, in the list of all of them."""

    number: int
    published_at: datetime
    title: str


class HaipReportSummary(BaseModel):
    """A report in the organisation's list."""

    id: int
    title: str
    period_start: date
    period_end: date
    status: Status
    version: int
    published_version: int | None
    approval_status: str
    approved_for_publishing: bool
    public_path: str | None
    updated_at: datetime


class HaipReportView(HaipReportSummary):
    """A report as members of the organisation see it."""

    public_id: str
    details_public: bool
    content: HaipContent
    approval: ApprovalOut | None
    problems: list[Message]
    """What keeps the draft from approval or publication now."""
    changed_since_published: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    versions: list[VersionSummary]
    updated_by: str
    document: HaipDocument
    """The sections with their facts and coverage, as the files show them."""


def summary(row: HaipReportRow) -> HaipReportSummary:
    return HaipReportSummary(
        id=row.id,
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        status=haip_reports.status_of(row),
        version=row.version,
        published_version=row.published_version,
        approval_status=row.approval_status,
        approved_for_publishing=haip_reports.approved(row),
        public_path=haip_reports.public_path(row.public_id) if row.published_version else None,
        updated_at=row.updated_at,
    )


def list_reports(session: Session, principal: Principal) -> list[HaipReportSummary]:
    """The organisation's reports, newest period first.

    Raises:
        PermissionDeniedError: an external tester.
    """
    return [summary(row) for row in haip_reports.list_reports(session, principal)]


def awaiting_approval(session: Session, principal: Principal) -> list[HaipReportSummary]:
    """The reports whose current draft waits for an executive (none for external
    testers, who see no report)."""
    if not sees_all_systems(principal.role):
        return []
    return [
        summary(row)
        for row in haip_reports.list_reports(session, principal)
        if row.approval_status == "pending" and row.approval_version == row.version
    ]


def version_summaries(session: Session, row: HaipReportRow) -> list[VersionSummary]:
    """Every published version of a report, newest first."""
    rows = session.scalars(
        select(HaipReportVersionRow)
        .where(HaipReportVersionRow.report_id == row.id)
        .order_by(HaipReportVersionRow.number.desc())
    )
    return [
        VersionSummary(number=v.number, published_at=v.published_at, title=v.title) for v in rows
    ]


def document(session: Session, principal: Principal, row: HaipReportRow) -> HaipDocument:
    """The draft as a document: its narratives, the facts it shows (those taken for its
    approval, else as they are now) and their coverage."""
    actors = ActorNames(session, principal)
    facts = haip_reports.facts_of(session, principal, row)
    taken = (
        row.approval_requested_at
        if row.snapshot is not None and row.approval_version == row.version
        else None
    )
    if taken is not None and row.approval_status not in ("pending", "approved"):
        taken = None
    is_approved = haip_reports.approved(row)
    org = haip_reports.org_of(session, principal)
    return HaipDocument(
        organisation=org.name,
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        status=haip_reports.status_of(row),
        draft_version=row.version,
        approved=is_approved,
        approved_by=actors(row.decided_by) if is_approved else None,
        approved_at=row.decided_at if is_approved else None,
        facts_taken_at=taken,
        public_path=haip_reports.public_path(row.public_id) if row.published_version else None,
        sections=haip_documents.sections(session, haip_reports.content_of(row), facts),
    )


def view(session: Session, principal: Principal, row: HaipReportRow) -> HaipReportView:
    """The reader's view of a report."""
    actors = ActorNames(session, principal)
    approval = None
    if row.approval_status:
        approval = ApprovalOut(
            status=row.approval_status,
            version=row.approval_version,
            requested_by=actors(row.approval_requested_by),
            requested_at=row.approval_requested_at,
            note=row.approval_note,
            decided_by=actors(row.decided_by),
            decided_at=row.decided_at,
            reason=row.decision_reason,
            decider_added_by=actors(row.decider_added_by),
        )
    problems = [Message(en=en, ja=ja) for en, ja in haip_reports.problems_of(row)]
    if not haip_reports.approved(row):
        problems.append(
            Message(
                en="an executive's approval of this draft",
                ja="この下書きへの経営層の承認",
            )
        )
    latest = haip_reports.latest_version(session, row)
    return HaipReportView(
        **summary(row).model_dump(),
        public_id=row.public_id,
        details_public=row.details_public,
        content=haip_reports.content_of(row),
        approval=approval,
        problems=problems,
        changed_since_published=latest is None
        or latest.content != row.content
        or latest.title != row.title,
        withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason,
        versions=version_summaries(session, row),
        updated_by=actors(row.updated_by) or "",
        document=document(session, principal, row),
    )


@dataclass(frozen=True)
class ReportFile:
    """A rendered report, ready to download."""

    content: bytes
    media_type: str
    filename: str


def export(
    session: Session,
    principal: Principal,
    report_id: int,
    fmt: str,
    lang: Lang = "ja",
    site: str = "",
) -> ReportFile:
    """The report (its draft, with the facts it shows) as DOCX, PDF or JSON; the file
    name is made of ids only; ``site`` (the site's address) goes before the public
    address a PDF prints.

    Raises:
        InvalidInputError: an unknown format.
        NotFoundError: not a report of the organisation (or the reader is an external
            tester).
    """
    if fmt not in MEDIA:
        raise InvalidInputError(
            "the format is docx, pdf or json", ja="形式は docx、pdf、json のいずれかです。"
        )
    row = haip_reports.get_report(session, principal, report_id)
    doc = document(session, principal, row)
    zone = org_zone(session, principal)
    if fmt == "docx":
        content = haip_docx(doc, lang, zone)
    elif fmt == "pdf":
        content = haip_pdf(haip_html(doc, lang, zone, generated_at=datetime.now(UTC), site=site))
    else:
        content = haip_json(doc, datetime.now(UTC))
    suffix = "" if fmt == "json" else f"-{lang}"
    name = f"haip-report-{row.id}-v{row.version}{suffix}.{fmt}"
    return ReportFile(content, MEDIA[fmt], name)
