"""The inbox of inquiries and requests from the public (guideline fn 17, fn 18, 2(5)).

Every role of the organisation reads the inbox except external testers, for whom it does
not exist ("not found"). Administrators and editors (:attr:`Permission.HANDLE_INQUIRIES`)
answer, assign, add notes, link, close and reject inquiries, and they alone see the
sender's name and contact. Every change is checked against the version the writer read,
audited without personal data, and kept in the inquiry's history. A reply is shown to the
sender on the public status page; a note never is.

Personal data (the sender's name, contact, subject and message) is erased
:class:`~tekisei.core.inquiries.InquirySettings` ``retention_days`` after the inquiry
ends, by :func:`purge` (``tekisei inquiries purge``, run from cron), or at once by an
administrator (:func:`erase`); the rest is kept.

:func:`due_soon` lists what is about to be overdue (one place to hang reminders on).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.inquiries import (
    ENDED_STATES,
    MAX_ENTRIES,
    OPEN_STATES,
    EntryKind,
    InquiryKind,
    InquiryState,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, can, require, sees_all_systems
from tekisei.db.data_holders import DataHolderRow
from tekisei.db.inquiries import InquiryEntryRow, InquiryRow
from tekisei.db.orgs import OrgRow
from tekisei.db.records import DatasetRecordRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, transparency
from tekisei.services.changes import check_version
from tekisei.services.inquiry_settings import settings_of
from tekisei.services.owners import OwnerView, check_owner
from tekisei.services.people import ActorNames

_KIND_JA = "問い合わせ"
_KIND_EN = "inquiry"
ERASED = ""
"""What erased personal data reads as."""


class Links(BaseModel):
    """What an inquiry is about inside the organisation."""

    model_config = ConfigDict(extra="forbid")

    system_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    dataset_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    holder_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class InquiryView(BaseModel):
    """An inquiry as one member sees it (``name`` and ``contact`` are None for roles that
    do not handle inquiries)."""

    id: int
    tracking: str
    kind: InquiryKind
    state: InquiryState
    subject: str
    message: str
    name: str | None
    contact: str | None
    lang: str
    reason: str
    system_id: int | None
    dataset_id: int | None
    holder_id: int | None
    assignee: OwnerView | None
    received_at: datetime
    due_at: datetime
    overdue: bool
    first_reply_at: datetime | None
    ended_at: datetime | None
    erased_at: datetime | None
    evidence_id: int | None
    updated_at: datetime
    updated_by: str
    version: int


class EntryView(BaseModel):
    """One entry of an inquiry's history."""

    id: int
    kind: EntryKind
    state: InquiryState | None
    text: str
    created_at: datetime
    created_by: str


class InquiryStats(BaseModel):
    """The inbox at a glance, for the dashboard."""

    open: int
    overdue: int
    received_30_days: int
    median_first_reply_hours: float | None
    """Median hours from receiving to the first reply, over inquiries received in the
    last 90 days that got one (None: none did)."""


def handles(principal: Principal) -> bool:
    """Whether the principal handles inquiries and sees who sent them."""
    return can(principal.role, Permission.HANDLE_INQUIRIES)


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(inquiry_id: int) -> NotFoundError:
    return NotFoundError(
        f"no inquiry {inquiry_id} in this organisation",
        ja=f"この組織に問い合わせ {inquiry_id} はありません。",
    )


def _reads_inbox(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no inquiries you can see",
            ja="この組織に、閲覧できる問い合わせはありません。",
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_overdue(row: InquiryRow, now: datetime | None = None) -> bool:
    """Whether an inquiry waiting for an answer is past its due date."""
    now = now or datetime.now(UTC)
    return row.state in {s.value for s in OPEN_STATES} and _aware(row.due_at) < now


def get_inquiry(session: Session, principal: Principal, inquiry_id: int) -> InquiryRow:
    """An inquiry of the principal's organisation.

    Raises:
        NotFoundError: no such inquiry here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(InquiryRow, inquiry_id)
    if row is None or row.org_id != principal.org_id or not sees_all_systems(principal.role):
        raise _not_found(inquiry_id)
    return row


def view(principal: Principal, row: InquiryRow, actors: ActorNames) -> InquiryView:
    """The reader's view of an inquiry."""
    shows = handles(principal)
    return InquiryView(
        id=row.id, tracking=row.tracking, kind=InquiryKind(row.kind),
        state=InquiryState(row.state), subject=row.subject, message=row.message,
        name=row.name if shows else None, contact=row.contact if shows else None,
        lang=row.lang, reason=row.reason, system_id=row.system_id, dataset_id=row.dataset_id,
        holder_id=row.holder_id, assignee=actors.owner(row.assignee_id),
        received_at=row.received_at, due_at=row.due_at, overdue=is_overdue(row),
        first_reply_at=row.first_reply_at, ended_at=row.ended_at, erased_at=row.erased_at,
        evidence_id=row.evidence_id, updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "", version=row.version,
    )  # fmt: skip


def entry_view(row: InquiryEntryRow, actors: ActorNames) -> EntryView:
    """The reader's view of an entry of an inquiry's history."""
    return EntryView(
        id=row.id,
        kind=EntryKind(row.kind),
        state=InquiryState(row.state) if row.state else None,
        text=row.text,
        created_at=row.created_at,
        created_by=actors(row.created_by) or "",
    )


def list_inquiries(
    session: Session,
    principal: Principal,
    *,
    state: InquiryState | None = None,
    kind: InquiryKind | None = None,
    system_id: int | None = None,
    overdue: bool = False,
    limit: int = 500,
) -> list[InquiryRow]:
    """The organisation's inquiries, newest first: in ``state``, of ``kind``, about
    ``system_id``, only overdue ones, when given.

    Raises:
        NotFoundError: external testers, or ``system_id`` is not the organisation's.
    """
    _reads_inbox(principal)
    query = select(InquiryRow).where(InquiryRow.org_id == principal.org_id)
    if state is not None:
        query = query.where(InquiryRow.state == state.value)
    if kind is not None:
        query = query.where(InquiryRow.kind == kind.value)
    if system_id is not None:
        _check_system(session, principal, system_id)
        query = query.where(InquiryRow.system_id == system_id)
    if overdue:
        query = query.where(
            InquiryRow.state.in_([s.value for s in OPEN_STATES]),
            InquiryRow.due_at < datetime.now(UTC),
        )
    return list(session.scalars(query.order_by(InquiryRow.id.desc()).limit(limit)))


def history(session: Session, principal: Principal, inquiry_id: int) -> list[InquiryEntryRow]:
    """An inquiry's history, oldest first (notes included: members only).

    Raises:
        NotFoundError: the inquiry is not visible.
    """
    row = get_inquiry(session, principal, inquiry_id)
    return list(
        session.scalars(
            select(InquiryEntryRow)
            .where(InquiryEntryRow.inquiry_id == row.id)
            .order_by(InquiryEntryRow.id)
        )
    )


def _check_system(session: Session, principal: Principal, system_id: int) -> None:
    row = session.get(SystemRow, system_id)
    if row is None or row.org_id != principal.org_id:
        raise NotFoundError(
            f"no system {system_id} in this organisation",
            ja=f"この組織にシステム {system_id} はありません。",
        )


def _writable(session: Session, principal: Principal, inquiry_id: int, version: int) -> InquiryRow:
    row = get_inquiry(session, principal, inquiry_id)
    require(principal, Permission.HANDLE_INQUIRIES)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    return row


def _not_ended(row: InquiryRow) -> None:
    if row.state in {s.value for s in ENDED_STATES}:
        raise ConflictError(
            f"inquiry {row.id} is {row.state}; it can no longer change",
            ja=f"問い合わせ {row.id} は終了しているため変更できません。",
        )


def _entry(
    session: Session,
    principal: Principal,
    row: InquiryRow,
    kind: EntryKind,
    *,
    text: str = "",
    state: InquiryState | None = None,
) -> InquiryEntryRow:
    held = session.scalar(
        select(func.count(InquiryEntryRow.id)).where(InquiryEntryRow.inquiry_id == row.id)
    )
    if (held or 0) >= MAX_ENTRIES:
        raise InvalidInputError(
            f"an inquiry's history holds at most {MAX_ENTRIES} entries",
            ja=f"1件の問い合わせの履歴は{MAX_ENTRIES}件までです。",
        )
    entry = InquiryEntryRow(
        org_id=row.org_id, inquiry_id=row.id, kind=kind.value,
        state=state.value if state else "", text=text, created_at=datetime.now(UTC),
        created_by=principal.email,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    return entry


def _bump(row: InquiryRow, principal: Principal) -> None:
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email


def _audit(
    session: Session, principal: Principal, row: InquiryRow, action: str, summary: dict[str, object]
) -> None:
    audit.record(
        session, _org(session, principal), principal.email, action, "inquiry", row.id,
        {"tracking": row.tracking, "version": row.version, **summary},
    )  # fmt: skip


def add_note(session: Session, principal: Principal, inquiry_id: int, text: str) -> InquiryEntryRow:
    """Add an internal note (never shown to the sender); notes need no version, they
    only add.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
    """
    row = get_inquiry(session, principal, inquiry_id)
    require(principal, Permission.HANDLE_INQUIRIES)
    entry = _entry(session, principal, row, EntryKind.NOTE, text=text)
    _audit(session, principal, row, "inquiry.note", {"entry": entry.id})
    return entry


def _evidence(session: Session, principal: Principal, row: InquiryRow) -> None:
    """An answered inquiry about a system is evidence for fn 17 and fn 18 in the system's
    open guideline assessment (once)."""
    if row.evidence_id is not None or row.system_id is None:
        return
    evidence = transparency.reference(
        session, principal, ref=f"inquiry:{row.id}",
        title=AutoNote.of(NoteKey.INQUIRY_EVIDENCE, tracking=row.tracking),
    )  # fmt: skip
    row.evidence_id = evidence.id
    session.flush()
    transparency.link(session, principal, row.system_id, evidence.id, "inquiry")


def reply(
    session: Session, principal: Principal, inquiry_id: int, text: str, version: int
) -> InquiryEntryRow:
    """Answer the sender (shown on the public status page); the inquiry becomes answered.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current, or the inquiry ended.
    """
    row = _writable(session, principal, inquiry_id, version)
    _not_ended(row)
    now = datetime.now(UTC)
    if row.first_reply_at is None:
        row.first_reply_at = now
    row.state = InquiryState.ANSWERED.value
    _bump(row, principal)
    session.flush()
    entry = _entry(session, principal, row, EntryKind.REPLY, text=text)
    _audit(session, principal, row, "inquiry.reply", {"entry": entry.id})
    _evidence(session, principal, row)
    return entry


def start(session: Session, principal: Principal, inquiry_id: int, version: int) -> InquiryRow:
    """Mark an inquiry as being worked on.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current, or the inquiry ended.
    """
    return _move(session, principal, inquiry_id, version, InquiryState.IN_PROGRESS)


def close(
    session: Session, principal: Principal, inquiry_id: int, version: int, note: str = ""
) -> InquiryRow:
    """Close an inquiry (its personal data is erased after the retention period).

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current, or the inquiry ended already.
    """
    return _move(session, principal, inquiry_id, version, InquiryState.CLOSED, note)


def reject(
    session: Session, principal: Principal, inquiry_id: int, version: int, reason: str
) -> InquiryRow:
    """Reject an inquiry with the reason (shown to the sender).

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current, or the inquiry ended already.
        InvalidInputError: no reason.
    """
    if not reason.strip():
        raise InvalidInputError(
            "write why the inquiry is rejected; the sender reads it",
            ja="却下する理由を書いてください。理由は送信者に表示されます。",
            field="reason",
        )
    return _move(session, principal, inquiry_id, version, InquiryState.REJECTED, reason.strip())


def _move(
    session: Session,
    principal: Principal,
    inquiry_id: int,
    version: int,
    to: InquiryState,
    text: str = "",
) -> InquiryRow:
    row = _writable(session, principal, inquiry_id, version)
    _not_ended(row)
    before = row.state
    row.state = to.value
    if to in ENDED_STATES:
        row.ended_at = datetime.now(UTC)
    if to is InquiryState.REJECTED:
        row.reason = text
    _bump(row, principal)
    session.flush()
    _entry(session, principal, row, EntryKind.STATE, text=text, state=to)
    _audit(session, principal, row, "inquiry.state", {"from": before, "to": to.value})
    return row


def assign(
    session: Session, principal: Principal, inquiry_id: int, user_id: int | None, version: int
) -> InquiryRow:
    """Assign an inquiry to a member of the organisation (None: nobody).

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current.
        InvalidInputError: not a member of the organisation.
    """
    row = _writable(session, principal, inquiry_id, version)
    check_owner(session, principal, user_id, row.assignee_id)
    row.assignee_id = user_id
    _bump(row, principal)
    session.flush()
    _entry(session, principal, row, EntryKind.ASSIGN)
    _audit(session, principal, row, "inquiry.assign", {"assignee_id": user_id})
    return row


def link(
    session: Session, principal: Principal, inquiry_id: int, links: Links, version: int
) -> InquiryRow:
    """Link an inquiry to a system, a dataset record and a data holder of the
    organisation (None unlinks).

    Raises:
        NotFoundError: not visible, or a linked object is not the organisation's.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not current.
    """
    row = _writable(session, principal, inquiry_id, version)
    if links.system_id is not None:
        _check_system(session, principal, links.system_id)
    if links.dataset_id is not None:
        dataset = session.get(DatasetRecordRow, links.dataset_id)
        if dataset is None or dataset.org_id != principal.org_id:
            raise NotFoundError(
                f"no dataset record {links.dataset_id} in this organisation",
                ja=f"この組織にデータセット記録 {links.dataset_id} はありません。",
            )
    if links.holder_id is not None:
        holder = session.get(DataHolderRow, links.holder_id)
        if holder is None or holder.org_id != principal.org_id:
            raise NotFoundError(
                f"no data holder {links.holder_id} in this organisation",
                ja=f"この組織にデータ保有者 {links.holder_id} はありません。",
            )
    row.system_id, row.dataset_id, row.holder_id = (
        links.system_id, links.dataset_id, links.holder_id,
    )  # fmt: skip
    _bump(row, principal)
    session.flush()
    _entry(session, principal, row, EntryKind.LINK)
    _audit(session, principal, row, "inquiry.link", links.model_dump())
    if row.state in (InquiryState.ANSWERED.value, InquiryState.CLOSED.value):
        _evidence(session, principal, row)
    return row


def _erase(session: Session, principal: Principal, row: InquiryRow, why: str) -> None:
    row.name = row.contact = row.subject = row.message = ERASED
    row.erased_at = datetime.now(UTC)
    _bump(row, principal)
    session.flush()
    _entry(session, principal, row, EntryKind.ERASE, text=why)
    _audit(session, principal, row, "inquiry.erase", {"why": why})


def erase(session: Session, principal: Principal, inquiry_id: int) -> InquiryRow:
    """Erase the sender's name, contact, subject and message now (administrators); the
    rest of the inquiry and its history stay.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: not an administrator.
        ConflictError: erased already.
    """
    row = get_inquiry(session, principal, inquiry_id)
    require(principal, Permission.MANAGE_ORG)
    if row.erased_at is not None:
        raise ConflictError(
            f"the personal data of inquiry {inquiry_id} was erased already",
            ja=f"問い合わせ {inquiry_id} の個人情報は消去済みです。",
        )
    _erase(session, principal, row, "on request")
    return row


def purge(session: Session, principal: Principal, now: datetime | None = None) -> list[int]:
    """Erase the personal data of every inquiry that ended more than the organisation's
    retention days ago; the ids erased (run it daily, e.g. from cron).

    Raises:
        NotFoundError: external testers.
        PermissionDeniedError: the role may not handle inquiries.
    """
    _reads_inbox(principal)
    require(principal, Permission.HANDLE_INQUIRIES)
    now = now or datetime.now(UTC)
    days = settings_of(session, principal.org_id).retention_days
    expired = session.scalars(
        select(InquiryRow)
        .where(
            InquiryRow.org_id == principal.org_id,
            InquiryRow.erased_at.is_(None),
            InquiryRow.ended_at.is_not(None),
            InquiryRow.ended_at < now - timedelta(days=days),
        )
        .order_by(InquiryRow.id)
    )
    erased = []
    for row in expired:
        _erase(session, principal, row, f"retention of {days} days")
        erased.append(row.id)
    return erased


def due_soon(
    session: Session, org_id: int, days: int, now: datetime | None = None
) -> list[InquiryRow]:
    """The organisation's inquiries waiting for an answer that are due within ``days``
    (overdue ones included), soonest first; for reminders."""
    now = now or datetime.now(UTC)
    return list(
        session.scalars(
            select(InquiryRow)
            .where(
                InquiryRow.org_id == org_id,
                InquiryRow.state.in_([s.value for s in OPEN_STATES]),
                InquiryRow.due_at <= now + timedelta(days=days),
            )
            .order_by(InquiryRow.due_at, InquiryRow.id)
        )
    )


def stats(
    session: Session, principal: Principal, now: datetime | None = None
) -> InquiryStats | None:
    """The inbox at a glance (None for external testers, who do not see it)."""
    if not sees_all_systems(principal.role):
        return None
    now = now or datetime.now(UTC)
    mine = InquiryRow.org_id == principal.org_id
    waiting = InquiryRow.state.in_([s.value for s in OPEN_STATES])
    count = func.count(InquiryRow.id)
    opened = session.scalar(select(count).where(mine, waiting)) or 0
    late = session.scalar(select(count).where(mine, waiting, InquiryRow.due_at < now)) or 0
    recent = (
        session.scalar(select(count).where(mine, InquiryRow.received_at >= now - timedelta(30)))
        or 0
    )
    pairs = session.execute(
        select(InquiryRow.received_at, InquiryRow.first_reply_at).where(
            mine,
            InquiryRow.received_at >= now - timedelta(days=90),
            InquiryRow.first_reply_at.is_not(None),
        )
    )
    hours = [
        (_aware(replied) - _aware(received)).total_seconds() / 3600
        for received, replied in pairs
        if replied is not None
    ]
    return InquiryStats(
        open=opened,
        overdue=late,
        received_30_days=recent,
        median_first_reply_hours=round(median(hours), 1) if hours else None,
    )
