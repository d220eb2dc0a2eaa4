"""Public incident notices (fn 16: disclosing how the organisation responded when a risk
materialised).

A member who publishes incidents (:attr:`Permission.PUBLISH_INCIDENTS`) chooses what the
notice shows (:class:`PublicChoice`): its own title and summary, and which parts of the
record. Each publication is a new immutable version at the incident's unguessable public
address; anyone reads the latest without signing in, and every earlier one at its own
address. Taking a notice down leaves a record of when and why (410), never pretends it did
not exist. Internal notes, the timeline, notifications, who reported it and the root cause
(unless chosen) are never in a notice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.incidents import Harm, IncidentState, PublicChoice, Severity
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.incidents import IncidentNoticeVersionRow, IncidentRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, incidents
from tekisei.services.changes import check_version
from tekisei.services.orgs import time_zone_name

MAX_REASON = 2000


class NoticeContent(BaseModel):
    """What one version of an incident notice says, exactly as published."""

    title: str
    summary: str
    severity: Severity
    state: IncidentState
    occurred_at: datetime | None
    detected_at: datetime | None
    closed_at: datetime | None
    systems: list[str] | None = None
    harms: list[Harm] | None = None
    people_affected: int | None = None
    affected_parties: str | None = None
    containment: str | None = None
    root_cause: str | None = None
    actions: list[str] | None = None
    lessons: str | None = None


class VersionSummary(BaseModel):
    """One published version, for the list of versions."""

    number: int
    published_at: datetime


class PublicIncident(BaseModel):
    """A published incident notice: the version asked for (the latest by default) and the
    list of every version, newest first."""

    public_id: str
    organisation: str
    org_slug: str = ""
    """The organisation's short id: its page is ``/orgs/{org_slug}``."""
    time_zone: str
    latest: int
    number: int
    published_at: datetime
    content: NoticeContent
    versions: list[VersionSummary]
    state_now: IncidentState
    """The incident's state today; a version keeps the state it was published with, so a
    reader is told when the incident has moved on since (closed, for one)."""
    closed_at: datetime | None = None
    """When the incident was closed, if it is."""


class IncidentWithdrawal(BaseModel):
    """What the address of a notice that was taken down says."""

    public_id: str
    organisation: str
    time_zone: str
    withdrawn_at: datetime
    reason: str


def public_path(public_id: str) -> str:
    """The public address of an incident notice, relative to the site."""
    return f"/public/incidents/{public_id}"


def content_of(session: Session, row: IncidentRow, choice: PublicChoice) -> NoticeContent:
    """What a notice of the incident says now, for ``choice``."""
    names = list(
        session.scalars(
            select(SystemRow.name)
            .where(SystemRow.id.in_(incidents.systems_of(session, row)))
            .order_by(SystemRow.id)
        )
    )
    affected = choice.show_affected
    return NoticeContent(
        title=choice.title, summary=choice.summary, severity=Severity(row.severity),
        state=IncidentState(row.state), occurred_at=row.occurred_at,
        detected_at=row.detected_at, closed_at=row.closed_at,
        systems=names if choice.show_systems else None,
        harms=[Harm(h) for h in row.harms] if choice.show_harms else None,
        people_affected=row.people_affected if affected else None,
        affected_parties=row.affected_parties if affected else None,
        containment=row.containment if choice.show_containment else None,
        root_cause=row.root_cause if choice.show_root_cause else None,
        actions=[a["text"] for a in row.actions] if choice.show_actions else None,
        lessons=row.lessons if choice.show_lessons else None,
    )  # fmt: skip


def latest_version(session: Session, row: IncidentRow) -> IncidentNoticeVersionRow | None:
    """The version the public reads (None: never published)."""
    if row.published_version is None:
        return None
    return session.scalars(
        select(IncidentNoticeVersionRow).where(
            IncidentNoticeVersionRow.incident_id == row.id,
            IncidentNoticeVersionRow.number == row.published_version,
        )
    ).first()


def publish_incident(
    session: Session, principal: Principal, incident_id: int, choice: PublicChoice, version: int
) -> IncidentNoticeVersionRow:
    """Publish the incident's notice as its next version, showing what ``choice`` picks.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not publish incident notices.
        ConflictError: ``version`` is not current, or nothing changed since the version
            the public reads.
    """
    row = incidents.get_incident(session, principal, incident_id)
    require(principal, Permission.PUBLISH_INCIDENTS)
    check_version("インシデント", row.id, version, row.version, kind_en="incident")
    content = content_of(session, row, choice).model_dump(mode="json")
    latest = latest_version(session, row)
    if latest is not None and row.withdrawn_at is None and latest.content == content:
        raise ConflictError(
            f"nothing changed since version {latest.number}, which the public reads now",
            ja=f"公開中の第{latest.number}版から変更がありません。",
        )
    number = (
        session.scalar(
            select(func.max(IncidentNoticeVersionRow.number)).where(
                IncidentNoticeVersionRow.incident_id == row.id
            )
        )
        or 0
    ) + 1
    published = IncidentNoticeVersionRow(
        org_id=row.org_id, incident_id=row.id, number=number, content=content,
        published_at=datetime.now(UTC), published_by=principal.email,
    )  # fmt: skip
    session.add(published)
    row.public_choice = choice.model_dump(mode="json")
    row.published_version = number
    row.withdrawn_at = row.withdrawn_by = row.withdrawal_reason = None
    incidents.bump(row, principal)
    session.flush()
    audit.record(
        session, incidents.org_of(session, principal), principal.email, "incident.publish",
        "incident", row.id,
        {"version": row.version, "number": number, "public_id": row.public_id,
         "choice": row.public_choice},
    )  # fmt: skip
    return published


def unpublish_incident(
    session: Session, principal: Principal, incident_id: int, reason: str
) -> IncidentRow:
    """Take the notice down; its address then says when and why.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not publish incident notices.
        ConflictError: it is not published.
        InvalidInputError: no reason, or too long a one.
    """
    row = incidents.get_incident(session, principal, incident_id)
    require(principal, Permission.PUBLISH_INCIDENTS)
    if row.published_version is None or row.withdrawn_at is not None:
        raise ConflictError(
            "the incident's notice is not published",
            ja="このインシデントのお知らせは公開されていません。",
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"say why the notice is taken down (at most {MAX_REASON} characters); the public "
            "page shows the reason",
            ja=f"公開を取り下げる理由を記入してください（{MAX_REASON}文字まで）。"
            "理由は公開ページに表示されます。",
            field="reason",
        )
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawn_by = principal.email
    row.withdrawal_reason = reason.strip()
    incidents.bump(row, principal)
    session.flush()
    audit.record(
        session, incidents.org_of(session, principal), principal.email, "incident.unpublish",
        "incident", row.id,
        {"version": row.version, "number": row.published_version, "reason": reason.strip()},
    )  # fmt: skip
    return row


def versions_of(session: Session, row: IncidentRow) -> list[VersionSummary]:
    """Every published version of the incident's notice, newest first."""
    return [
        VersionSummary(number=v.number, published_at=v.published_at)
        for v in session.scalars(
            select(IncidentNoticeVersionRow)
            .where(IncidentNoticeVersionRow.incident_id == row.id)
            .order_by(IncidentNoticeVersionRow.number.desc())
        )
    ]


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no incident notice is published at this address; check it",
        ja="このアドレスで公開されているインシデントのお知らせはありません。"
        "アドレスを確かめてください。",
    )


def read_public(
    session: Session, public_id: str, number: int | None = None
) -> PublicIncident | IncidentWithdrawal:
    """The published notice at ``public_id`` (version ``number``, else the latest), or the
    record of its withdrawal; no sign-in.

    Raises:
        NotFoundError: nothing was ever published there, or there is no such version.
    """
    row = session.scalars(select(IncidentRow).where(IncidentRow.public_id == public_id)).first()
    if row is None or row.published_version is None:
        raise _not_found()
    org = session.get(OrgRow, row.org_id)
    assert org is not None
    zone = time_zone_name(session, org)
    if row.withdrawn_at is not None:
        return IncidentWithdrawal(
            public_id=row.public_id, organisation=org.name, time_zone=zone,
            withdrawn_at=row.withdrawn_at, reason=row.withdrawal_reason or "",
        )  # fmt: skip
    wanted = row.published_version if number is None else number
    found = session.scalars(
        select(IncidentNoticeVersionRow).where(
            IncidentNoticeVersionRow.incident_id == row.id,
            IncidentNoticeVersionRow.number == wanted,
        )
    ).first()
    if found is None:
        raise _not_found()
    return PublicIncident(
        public_id=row.public_id, organisation=org.name, org_slug=org.slug, time_zone=zone,
        latest=row.published_version, number=found.number, published_at=found.published_at,
        content=NoticeContent.model_validate(found.content), versions=versions_of(session, row),
        state_now=IncidentState(row.state), closed_at=row.closed_at,
    )  # fmt: skip


def status_of(row: IncidentRow) -> str:
    """``draft`` (never published), ``published`` or ``withdrawn``."""
    if row.published_version is None:
        return "draft"
    return "withdrawn" if row.withdrawn_at is not None else "published"
