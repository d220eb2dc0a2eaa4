"""HAIP reports (guideline fn 16): written per section by people next to the facts tekisei
takes from the workspace, approved by an executive, and published if the organisation
chooses, as immutable versions at an unguessable public address.

Reports belong to the whole organisation, so the external tester (who sees only the
systems assigned to them) sees none: a report's id is "not found" to them, as it is to
another organisation. Writing and publishing need ``write_reports`` (administrators and
editors), approving needs ``approve_reports`` (executives, ``services/haip_approvals.py``).
Every change is audited; a stale version is refused, never overwritten. Publishing keeps
the version (narratives and the approved facts) as evidence for 2(1) and fn 16 in the
guideline assessments, where an answer nobody gave yet starts as "partial" and an answer a
person gave is never changed (approval itself touches no answer).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.haip_documents import HaipDocument
from tekisei.core.haip_facts import HaipFacts
from tekisei.core.haip_reports import (
    MAX_REASON,
    HaipContent,
    HaipReportFields,
    SectionId,
    SectionText,
    Status,
    check_period,
    publishing_problems,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.db.assessments import EvidenceRow
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.db.orgs import OrgRow, UserRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.render.haip_reports import haip_json
from tekisei.services import audit, evidence, haip_documents, haip_facts, transparency
from tekisei.services.changes import check_version
from tekisei.services.orgs import org_zone
from tekisei.services.people import UNKNOWN
from tekisei.services.scope import visible

MAX_REPORTS = 500
"""Reports an organisation keeps at most (one a year is the usual pace)."""
KIND_JA = "HAIP報告書"
KIND_EN = "HAIP report"


def org_of(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def public_path(public_id: str) -> str:
    """The public address of a report, relative to the site."""
    return f"/public/reports/{public_id}"


def _not_found(report_id: int) -> NotFoundError:
    return NotFoundError(
        f"no HAIP report {report_id} in this organisation",
        ja=f"この組織にHAIP報告書 {report_id} はありません。",
    )


def _may_read(principal: Principal) -> bool:
    """Reports cover the whole organisation: every role reads them but external testers."""
    require(principal, Permission.READ)
    return sees_all_systems(principal.role)


def get_report(session: Session, principal: Principal, report_id: int) -> HaipReportRow:
    """A report of the principal's organisation.

    Raises:
        NotFoundError: no such report there, or the reader is an external tester.
    """
    row = session.get(HaipReportRow, report_id)
    if not _may_read(principal) or row is None or row.org_id != principal.org_id:
        raise _not_found(report_id)
    return row


def list_reports(session: Session, principal: Principal) -> list[HaipReportRow]:
    """The organisation's reports, newest period first.

    Raises:
        PermissionDeniedError: an external tester (who sees only assigned systems).
    """
    if not _may_read(principal):
        raise PermissionDeniedError(
            "HAIP reports cover the whole organisation; an external tester sees only the "
            "systems assigned to them",
            ja="HAIP報告書は組織全体についての文書です。外部テスターには割り当てられたシステム"
            "だけが表示されます。",
        )
    return list(
        session.scalars(
            select(HaipReportRow)
            .where(HaipReportRow.org_id == principal.org_id)
            .order_by(HaipReportRow.period_end.desc(), HaipReportRow.id.desc())
        )
    )


def content_of(row: HaipReportRow | HaipReportVersionRow) -> HaipContent:
    return HaipContent.model_validate(row.content)


def create_report(
    session: Session,
    principal: Principal,
    fields: HaipReportFields,
    sections: dict[SectionId, SectionText] | None = None,
) -> HaipReportRow:
    """Start a report for a reporting period (narratives blank unless given).

    Raises:
        PermissionDeniedError: the role may not write reports.
        InvalidInputError: the period is not a valid one.
        ConflictError: the organisation has :data:`MAX_REPORTS` reports already.
    """
    require(principal, Permission.WRITE_REPORTS)
    check_period(fields.period_start, fields.period_end)
    count = session.scalar(
        select(func.count())
        .select_from(HaipReportRow)
        .where(HaipReportRow.org_id == principal.org_id)
    )
    if (count or 0) >= MAX_REPORTS:
        raise ConflictError(
            f"the organisation has {MAX_REPORTS} HAIP reports already; continue an existing one",
            ja=f"この組織のHAIP報告書は上限の{MAX_REPORTS}件に達しています。既存の報告書を"
            "続けて編集してください。",
        )
    now = datetime.now(UTC)
    row = HaipReportRow(
        org_id=principal.org_id,
        public_id=secrets.token_urlsafe(16),
        title=fields.title,
        period_start=fields.period_start,
        period_end=fields.period_end,
        details_public=fields.details_public,
        content=HaipContent(sections=sections or {}).model_dump(mode="json"),
        approval_status="",
        created_by=principal.email,
        created_at=now,
        updated_at=now,
        updated_by=principal.email,
        version=1,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "haip_report.create",
        "haip_report",
        row.id,
        {
            "title": row.title,
            "period": [row.period_start.isoformat(), row.period_end.isoformat()],
        },
    )
    return row


def save_report(
    session: Session,
    principal: Principal,
    report_id: int,
    version: int,
    *,
    fields: HaipReportFields | None = None,
    sections: dict[SectionId, SectionText] | None = None,
) -> HaipReportRow:
    """Save a person's edit: the report's settings and/or the narratives of the sections
    given (the others stay). A change makes a new version, which an approval of an earlier
    one does not cover.

    Raises:
        NotFoundError: not a report of the organisation.
        PermissionDeniedError: the role may not write reports.
        ConflictError: ``version`` is not current.
        InvalidInputError: the period is not a valid one.
    """
    row = get_report(session, principal, report_id)
    require(principal, Permission.WRITE_REPORTS)
    check_version(KIND_JA, report_id, version, row.version, kind_en=KIND_EN)
    changed: list[str] = []
    if fields is not None:
        check_period(fields.period_start, fields.period_end)
        for name in ("title", "period_start", "period_end", "details_public"):
            if getattr(row, name) != getattr(fields, name):
                setattr(row, name, getattr(fields, name))
                changed.append(name)
    if sections:
        before = content_of(row)
        after = before.merged(sections)
        for section, text in sections.items():
            for lang in ("ja", "en"):
                if before.section(section).text(lang) != text.text(lang):
                    changed.append(f"{section}.{lang}")
        row.content = after.model_dump(mode="json")
    if not changed:
        return row
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "haip_report.edit",
        "haip_report",
        row.id,
        {"version": row.version, "changed": changed},
    )
    return row


def approved(row: HaipReportRow) -> bool:
    """An executive approved the current draft (and the facts taken for it)."""
    return (
        row.approval_status == "approved"
        and row.approval_version == row.version
        and row.snapshot is not None
    )


def status_of(row: HaipReportRow) -> Status:
    if row.published_version is None:
        return "draft"
    return "withdrawn" if row.withdrawn_at is not None else "published"


def period_zone_facts(session: Session, principal: Principal, row: HaipReportRow) -> HaipFacts:
    """The facts as they are now, for the reader, in the report's period."""
    return haip_facts.collect(
        session, principal, row.period_start, row.period_end, org_zone(session, principal)
    )


def facts_of(session: Session, principal: Principal, row: HaipReportRow) -> HaipFacts:
    """What the report shows: the facts an approval request took, while the request or
    the approval covers the current draft; else the facts as they are now."""
    if (
        row.snapshot is not None
        and row.approval_version == row.version
        and row.approval_status in ("pending", "approved")
    ):
        return HaipFacts.model_validate(row.snapshot)
    return period_zone_facts(session, principal, row)


def problems_of(row: HaipReportRow) -> list[tuple[str, str]]:
    """What keeps the draft from approval and publication, each as (English, Japanese)."""
    return publishing_problems(content_of(row), row.title)


def latest_version(session: Session, row: HaipReportRow) -> HaipReportVersionRow | None:
    if row.published_version is None:
        return None
    return session.scalars(
        select(HaipReportVersionRow).where(
            HaipReportVersionRow.report_id == row.id,
            HaipReportVersionRow.number == row.published_version,
        )
    ).first()


def publish_report(
    session: Session,
    principal: Principal,
    report_id: int,
    version: int,
    *,
    files_dir: Path,
    max_bytes: int,
) -> HaipReportVersionRow:
    """Publish the approved draft the caller read (``version``) as the next version, with
    the facts the executive approved; the version, as the JSON file, is kept as evidence
    for 2(1) and fn 16.

    Raises:
        PermissionDeniedError: the role may not write reports.
        ConflictError: ``version`` is not current, the draft has no executive approval,
            or nothing changed since the version the public reads.
        InvalidInputError: the draft has no title or no narrative.
    """
    row = get_report(session, principal, report_id)
    require(principal, Permission.WRITE_REPORTS)
    check_version(KIND_JA, report_id, version, row.version, kind_en=KIND_EN)
    problems = problems_of(row)
    if problems:
        raise InvalidInputError(
            "; ".join(en for en, _ in problems), ja=" ".join(ja + "。" for _, ja in problems)
        )
    if not approved(row):
        raise ConflictError(
            "an executive approves a HAIP report before it is published: request approval "
            "(the button on the report page, or 'tekisei reports haip-request-approval'), "
            "then ask an executive to approve this draft",
            ja="HAIP報告書は、公開する前に経営層の承認が必要です。報告書の画面（または "
            "tekisei reports haip-request-approval）で承認を申請し、経営層にこの下書きを"
            "承認してもらってください。",
        )
    assert row.snapshot is not None and row.decided_by and row.decided_at
    latest = latest_version(session, row)
    if (
        latest is not None
        and row.withdrawn_at is None
        and latest.content == row.content
        and latest.facts == row.snapshot
        and (latest.title, latest.period_start, latest.period_end, latest.details_public)
        == (row.title, row.period_start, row.period_end, row.details_public)
    ):
        raise ConflictError(
            f"nothing changed since version {latest.number}, which the public reads now",
            ja=f"公開中の第{latest.number}版から変更がありません。",
        )
    number = (
        session.scalar(
            select(func.max(HaipReportVersionRow.number)).where(
                HaipReportVersionRow.report_id == row.id
            )
        )
        or 0
    ) + 1
    now = datetime.now(UTC)
    document = HaipDocument(
        organisation=org_of(session, principal).name,
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        status="published",
        number=number,
        published_at=now,
        approved=True,
        approved_by=person_name(session, row.decided_by),
        approved_at=row.decided_at,
        facts_taken_at=row.approval_requested_at,
        public_path=public_path(row.public_id),
        sections=haip_documents.sections(
            session, content_of(row), HaipFacts.model_validate(row.snapshot)
        ),
    )
    kept = _keep_as_evidence(
        session,
        principal,
        row,
        number,
        haip_json(document, now),
        files_dir=files_dir,
        max_bytes=max_bytes,
    )
    published = HaipReportVersionRow(
        report_id=row.id,
        org_id=row.org_id,
        number=number,
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        details_public=row.details_public,
        content=row.content,
        facts=row.snapshot,
        published_at=now,
        published_by=principal.email,
        approved_by=row.decided_by,
        approved_at=row.decided_at,
        evidence_id=kept.id,
    )
    session.add(published)
    row.published_version = number
    row.withdrawn_at = row.withdrawn_by = row.withdrawal_reason = None
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "haip_report.publish",
        "haip_report",
        row.id,
        {
            "number": number,
            "draft_version": row.version,
            "public_id": row.public_id,
            "approved_by": row.decided_by,
            "evidence": kept.id,
        },
    )
    link_everywhere(session, principal, kept.id)
    return published


def _keep_as_evidence(
    session: Session,
    principal: Principal,
    row: HaipReportRow,
    number: int,
    document: bytes,
    *,
    files_dir: Path,
    max_bytes: int,
) -> EvidenceRow:
    return evidence.add_file(
        session,
        principal,
        files_dir,
        filename=f"haip-report-{row.id}-v{number}.json",
        data=document,
        content_type="application/json",
        max_bytes=max_bytes,
        auto_title=AutoNote.of(NoteKey.HAIP_REPORT_EVIDENCE, title=row.title, number=number),
    )


def link_everywhere(session: Session, principal: Principal, evidence_id: int) -> None:
    """Attach a published version to 2(1) and fn 16 in every visible system's open
    guideline assessment (where they apply to the system)."""
    systems = session.scalars(
        select(SystemRow.id)
        .where(visible(principal, SystemRow.org_id, SystemRow.id))
        .order_by(SystemRow.id)
    )
    for system_id in systems:
        transparency.link(session, principal, system_id, evidence_id, "haip")


def unpublish_report(
    session: Session, principal: Principal, report_id: int, reason: str
) -> HaipReportRow:
    """Take the report down. Its address then says when and why (never that it did not
    exist); its versions stay in the workspace and the audit log.

    Raises:
        PermissionDeniedError: the role may not write reports.
        ConflictError: it is not published.
        InvalidInputError: no reason, or too long a one.
    """
    row = get_report(session, principal, report_id)
    require(principal, Permission.WRITE_REPORTS)
    if row.published_version is None or row.withdrawn_at is not None:
        raise ConflictError(
            "the report is not published", ja="このHAIP報告書は公開されていません。"
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"say why the report is taken down (at most {MAX_REASON} characters); the public "
            "page shows the reason",
            ja=f"公開を取り下げる理由を記入してください（{MAX_REASON}文字まで）。"
            "理由は公開ページに表示されます。",
        )
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawn_by = principal.email
    row.withdrawal_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "haip_report.unpublish",
        "haip_report",
        row.id,
        {"number": row.published_version, "reason": row.withdrawal_reason},
    )
    return row


@dataclass(frozen=True)
class PublishedSummary:
    """The organisation's latest published HAIP report, as a governance statement names it."""

    title: str
    period_start: date
    period_end: date
    published_at: datetime
    number: int
    public_id: str
    public_path: str
    """Where anyone reads it without signing in, relative to the site
    (``/public/reports/{public_id}``)."""


def latest_published(session: Session, org_id: int) -> PublishedSummary | None:
    """The latest published (and not taken down) HAIP report of organisation ``org_id``:
    the one whose current version was published last; None when there is none. Only what
    the public reads anyway, so no reader is needed."""
    found = session.execute(
        select(HaipReportRow, HaipReportVersionRow)
        .join(
            HaipReportVersionRow,
            (HaipReportVersionRow.report_id == HaipReportRow.id)
            & (HaipReportVersionRow.number == HaipReportRow.published_version),
        )
        .where(HaipReportRow.org_id == org_id, HaipReportRow.withdrawn_at.is_(None))
        .order_by(HaipReportVersionRow.published_at.desc(), HaipReportVersionRow.id.desc())
    ).first()
    if found is None:
        return None
    row, latest = found
    return PublishedSummary(
        title=latest.title,
        period_start=latest.period_start,
        period_end=latest.period_end,
        published_at=latest.published_at,
        number=latest.number,
        public_id=row.public_id,
        public_path=public_path(row.public_id),
    )


def person_name(session: Session, email: str | None) -> str | None:
    """A member's name as documents print it (their email stays in the audit log)."""
    if email is None:
        return None
    name = session.scalar(select(UserRow.name).where(UserRow.email == email))
    return (name or "").strip() or UNKNOWN
