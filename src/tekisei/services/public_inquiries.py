"""Inquiries as the public sends and follows them, without an account (guideline fn 17,
fn 18, 2(5)).

An organisation accepts inquiries when it publishes something (a disclosure notice that
is not withdrawn, or its governance statement): an organisation that publishes nothing is
"not found", like a wrong address. An inquiry about a system names the public id of the
system's published notice, never the system's id, and the notice must be the
organisation's. The sender gets a tracking number and a secret (only its hash is kept);
with both they read the state, the dates and the replies sent to them, never internal
notes or who handles it. A wrong secret and an unknown tracking number get the same
answer.

:func:`submit` is where every new inquiry is made (one place to hang notifications on).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tekisei.core.inquiries import (
    EntryKind,
    InquiryKind,
    InquiryState,
    InquirySubmission,
    due_at,
    new_secret,
    new_tracking,
    normal_tracking,
    secret_hash,
    secret_matches,
)
from tekisei.core.orgs import Permission
from tekisei.db.inquiries import InquiryEntryRow, InquiryRow
from tekisei.db.notices import NoticeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.statements import StatementRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, NotFoundError
from tekisei.i18n import messages
from tekisei.services import audit
from tekisei.services.inquiry_settings import settings_of
from tekisei.services.notifications import Event, notify

PUBLIC_ACTOR = "public"
"""The actor the audit log names for what the public sends."""
_DUMMY_HASH = secret_hash("not a secret anyone holds")


@dataclass(frozen=True)
class Receiver:
    """Who an inquiry goes to: an organisation and, for a published system, the system
    (plain values: a form reads it in one session and sends in another)."""

    org_id: int
    org_slug: str
    organisation: str
    system_id: int | None
    system: str | None
    notice_public_id: str | None


class Submitted(BaseModel):
    """What the sender keeps: the tracking number and the secret (shown once)."""

    tracking: str
    secret: str
    status_url: str


class PublicReply(BaseModel):
    """A reply sent to the sender."""

    text: str
    sent_at: datetime


class PublicStatus(BaseModel):
    """What the sender reads of their inquiry."""

    tracking: str
    organisation: str
    system: str | None
    kind: InquiryKind
    state: InquiryState
    received_at: datetime
    due_at: datetime
    ended_at: datetime | None
    reason: str
    """Why it was rejected (empty otherwise)."""
    subject: str
    """Empty once personal data was erased."""
    erased: bool
    replies: list[PublicReply]


def _no_receiver() -> NotFoundError:
    return NotFoundError(
        "nobody receives inquiries at this address; check it",
        ja="このアドレスでは問い合わせを受け付けていません。アドレスを確かめてください。",
    )


def _publishes(session: Session, org_id: int) -> bool:
    notice = exists().where(
        NoticeRow.org_id == org_id,
        NoticeRow.published_version.is_not(None),
        NoticeRow.withdrawn_at.is_(None),
    )
    statement = exists().where(
        StatementRow.org_id == org_id,
        StatementRow.published_version.is_not(None),
        StatementRow.withdrawn_at.is_(None),
    )
    return bool(session.scalar(select(notice | statement)))


def receiver(session: Session, org_slug: str | None, notice_public_id: str | None) -> Receiver:
    """The organisation (by its short id) and, when a notice's public id (or the number of
    a system whose notice is published) is given, the system whose published notice it
    is; the notice alone names its organisation.

    Raises:
        NotFoundError: no such organisation, it publishes nothing, or no published notice
            of that organisation at that public id.
    """
    system: SystemRow | None = None
    org: OrgRow | None = None
    if notice_public_id:
        notice = session.scalars(
            select(NoticeRow).where(NoticeRow.public_id == notice_public_id[:32])
        ).first()
        if notice is None and notice_public_id.isdigit() and len(notice_public_id) <= 9:
            # a system's number stands for its notice, when that notice is published
            notice = session.scalars(
                select(NoticeRow).where(
                    NoticeRow.system_id == int(notice_public_id),
                    NoticeRow.published_version.is_not(None),
                    NoticeRow.withdrawn_at.is_(None),
                )
            ).first()
        if notice is None or notice.published_version is None or notice.withdrawn_at:
            raise _no_receiver()
        notice_public_id = notice.public_id
        org = session.get(OrgRow, notice.org_id)
        system = session.get(SystemRow, notice.system_id)
        if org is None or system is None or (org_slug and org.slug != org_slug):
            raise _no_receiver()
    else:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == (org_slug or "")[:64])).first()
        if org is None or not _publishes(session, org.id):
            raise _no_receiver()
    return Receiver(
        org_id=org.id, org_slug=org.slug, organisation=org.name,
        system_id=system.id if system else None, system=system.name if system else None,
        notice_public_id=notice_public_id or None,
    )  # fmt: skip


def submit(
    session: Session,
    to: Receiver,
    submission: InquirySubmission,
    *,
    form_nonce: str | None = None,
    now: datetime | None = None,
) -> Submitted:
    """Receive an inquiry: store it with a new tracking number and the hash of a new
    secret, due per the organisation's days for its kind, audited without personal data.

    Raises:
        ConflictError: the form (``form_nonce``) was sent already.
    """
    now = now or datetime.now(UTC)
    if form_nonce is not None and session.scalar(
        select(InquiryRow.id).where(InquiryRow.form_nonce == form_nonce)
    ):
        raise _sent_twice()
    org = session.get(OrgRow, to.org_id)
    assert org is not None
    settings = settings_of(session, org.id)
    secret = new_secret()
    tracking = new_tracking()
    while session.scalar(select(InquiryRow.id).where(InquiryRow.tracking == tracking)):
        tracking = new_tracking()  # pragma: no cover - 31**10 numbers
    row = InquiryRow(
        org_id=org.id, tracking=tracking, secret_hash=secret_hash(secret),
        form_nonce=form_nonce, kind=submission.kind.value, state=InquiryState.RECEIVED.value,
        subject=submission.subject, message=submission.message, name=submission.name,
        contact=submission.contact, lang=submission.lang, reason="",
        system_id=to.system_id, dataset_id=None, holder_id=None,
        assignee_id=None, received_at=now, due_at=due_at(now, submission.kind, settings),
        first_reply_at=None, ended_at=None, erased_at=None, evidence_id=None,
        updated_at=now, updated_by=PUBLIC_ACTOR, version=1,
    )  # fmt: skip
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _sent_twice() from None
    session.add(
        InquiryEntryRow(
            org_id=row.org_id,
            inquiry_id=row.id,
            kind=EntryKind.STATE.value,
            state=InquiryState.RECEIVED.value,
            text="",
            created_at=now,
            created_by=PUBLIC_ACTOR,
        )
    )
    audit.record(
        session, org, PUBLIC_ACTOR, "inquiry.receive", "inquiry", row.id,
        {"tracking": tracking, "kind": submission.kind.value, "system_id": row.system_id,
         "has_name": bool(submission.name), "has_contact": bool(submission.contact)},
    )  # fmt: skip
    session.flush()
    # The title names the kind and the tracking number, never what the sender wrote:
    # that is personal data, erased after the retention period (a notification is not).
    kind_ja = messages("ja").words("inquiry-kind", submission.kind.value)
    kind_en = messages("en").words("inquiry-kind", submission.kind.value)
    about_ja = f"「{to.system}」について" if to.system else ""
    about_en = f" about “{to.system}”" if to.system else ""
    notify(
        session, org.id, Event.INQUIRY_RECEIVED, permission=Permission.HANDLE_INQUIRIES,
        link=f"/inquiries/{row.id}",
        title_ja=f"{about_ja}新しい問い合わせ（{kind_ja}）が届きました: {tracking}",
        title_en=f"A new inquiry ({kind_en}){about_en} arrived: {tracking}",
    )  # fmt: skip
    return Submitted(tracking=tracking, secret=secret, status_url="/inquiries/status")


def _sent_twice() -> ConflictError:
    return ConflictError(
        "this form was sent already; to send another inquiry, open the form again",
        ja="このフォームは送信済みです。別の問い合わせを送るには、フォームを開き直してください。",
    )


def not_found() -> NotFoundError:
    """What a wrong tracking number or a wrong secret gets (the same for both)."""
    return NotFoundError(
        "no inquiry matches this tracking number and secret; check both",
        ja="この受付番号と確認キーに一致する問い合わせはありません。両方を確かめてください。",
    )


def read_status(session: Session, tracking: str, secret: str) -> PublicStatus:
    """The sender's view of their inquiry.

    Raises:
        NotFoundError: unknown tracking number or wrong secret (the same answer).
    """
    number = normal_tracking(tracking[:40])
    row = (
        session.scalars(select(InquiryRow).where(InquiryRow.tracking == number)).first()
        if number
        else None
    )
    typed = unicodedata.normalize("NFKC", secret[:200]).strip()  # a full-width copy
    matches = secret_matches(typed, row.secret_hash if row else _DUMMY_HASH)
    if row is None or not matches:
        raise not_found()
    org = session.get(OrgRow, row.org_id)
    assert org is not None
    system = session.get(SystemRow, row.system_id) if row.system_id else None
    replies = session.scalars(
        select(InquiryEntryRow)
        .where(
            InquiryEntryRow.inquiry_id == row.id,
            InquiryEntryRow.kind == EntryKind.REPLY.value,
        )
        .order_by(InquiryEntryRow.id)
    )
    return PublicStatus(
        tracking=row.tracking,
        organisation=org.name,
        system=system.name if system else None,
        kind=InquiryKind(row.kind),
        state=InquiryState(row.state),
        received_at=row.received_at,
        due_at=row.due_at,
        ended_at=row.ended_at,
        reason=row.reason if row.state == InquiryState.REJECTED.value else "",
        subject=row.subject,
        erased=row.erased_at is not None,
        replies=[PublicReply(text=r.text, sent_at=r.created_at) for r in replies],
    )
