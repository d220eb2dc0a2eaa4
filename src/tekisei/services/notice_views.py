"""How members of the organisation see disclosure notices: a notice with its draft,
approval and versions, and the list of the organisation's notices (people shown as the
reader may see them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.notice_drafts import disclosed_records
from tekisei.core.notices import LANGS, Lang, NoticeContent, needs_approval, publishing_problems
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.systems import SystemRow
from tekisei.services import notices
from tekisei.services.notices import Status
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible, visible_system


class Message(BaseModel):
    """Something to tell the reader, in both languages."""

    en: str
    ja: str


class ApprovalOut(BaseModel):
    """The executive approval a high or critical tier notice needs before publishing."""

    status: str
    """``pending``, ``approved`` or ``rejected``."""
    version: int | None
    """The draft version the request and decision are about."""
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
    languages: list[Lang]


class NoticeView(BaseModel):
    """A system's notice as members of the organisation see it."""

    system_id: int
    system_name: str
    tier: str
    public_id: str
    public_path: str | None
    """Where the published notice is read without signing in (None: never published)."""
    status: Status
    content: NoticeContent
    version: int
    published_version: int | None
    changed_since_published: bool
    records_changed: bool
    """The disclosed record fields differ from those the draft holds: save it to update."""
    needs_approval: bool
    approved_for_publishing: bool
    approval: ApprovalOut | None
    problems: list[Message]
    """What keeps the draft from being published now."""
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    versions: list[VersionSummary]
    updated_at: datetime
    updated_by: str


class NoticeSummary(BaseModel):
    """A notice in the organisation's list."""

    system_id: int
    system_name: str
    tier: str
    status: Status
    version: int
    published_version: int | None
    approval_status: str
    public_path: str | None


def version_summaries(session: Session, row: NoticeRow) -> list[VersionSummary]:
    """Every published version of a notice, newest first."""
    rows = session.scalars(
        select(NoticeVersionRow)
        .where(NoticeVersionRow.notice_id == row.id)
        .order_by(NoticeVersionRow.number.desc())
    )
    return [
        VersionSummary(
            number=v.number,
            published_at=v.published_at,
            languages=NoticeContent.model_validate(v.content).languages(),
        )
        for v in rows
    ]


def view(session: Session, principal: Principal, row: NoticeRow) -> NoticeView:
    """The reader's view of a notice (people shown as the reader may see them)."""
    system = visible_system(session, principal, row.system_id)
    actors = ActorNames(session, principal)
    content = notices.content_of(row)
    latest = notices.latest_version(session, row)
    facts = notices.facts_of(session, principal, system)
    records_changed = any(
        text is not None and text.records != disclosed_records(facts, lang)
        for lang in LANGS
        if (text := content.text(lang)) is not None
    )
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
    tier = notices.tier_of(system)
    problems = [Message(en=en, ja=ja) for en, ja in publishing_problems(content)]
    if needs_approval(tier) and not notices.approved(row):
        problems.append(
            Message(
                en="an executive's approval of this draft (high or critical risk tier)",
                ja="この下書きへの経営層の承認（リスク区分が高・重大のため）",
            )
        )
    return NoticeView(
        system_id=system.id,
        system_name=system.name,
        tier=system.tier,
        public_id=row.public_id,
        public_path=notices.public_path(row.public_id) if row.published_version else None,
        status=notices.status_of(row),
        content=content,
        version=row.version,
        published_version=row.published_version,
        changed_since_published=latest is None or latest.content != row.content,
        records_changed=records_changed,
        needs_approval=needs_approval(tier),
        approved_for_publishing=notices.approved(row),
        approval=approval,
        problems=problems,
        withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason,
        versions=version_summaries(session, row),
        updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "",
    )


def list_notices(
    session: Session, principal: Principal, *, awaiting_approval: bool = False
) -> list[NoticeSummary]:
    """The notices of the systems the principal may see, by system name; with
    ``awaiting_approval``, only those waiting for an executive."""
    require(principal, Permission.READ)
    query = (
        select(NoticeRow, SystemRow)
        .join(SystemRow, SystemRow.id == NoticeRow.system_id)
        .where(visible(principal, NoticeRow.org_id, NoticeRow.system_id))
        .order_by(SystemRow.name, SystemRow.id)
    )
    if awaiting_approval:
        query = query.where(NoticeRow.approval_status == "pending")
    return [_summary(row, system) for row, system in session.execute(query)]


def notice_summary(session: Session, principal: Principal, system_id: int) -> NoticeSummary | None:
    """Where a visible system's notice stands (None: it has none yet).

    Raises:
        NotFoundError: the system is not visible.
    """
    row = notices.find_notice(session, principal, system_id)
    if row is None:
        return None
    system = visible_system(session, principal, system_id)
    return _summary(row, system)


def _summary(row: NoticeRow, system: SystemRow) -> NoticeSummary:
    return NoticeSummary(
        system_id=system.id,
        system_name=system.name,
        tier=system.tier,
        status=notices.status_of(row),
        version=row.version,
        published_version=row.published_version,
        approval_status=row.approval_status,
        public_path=notices.public_path(row.public_id) if row.published_version else None,
    )
