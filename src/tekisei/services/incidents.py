"""The incident register of an organisation (guideline fn 16: responding when risks
materialise; 1(3)④: an incident opens the PDCA review of each system it affected).

Every role of the organisation reads the register except external testers, for whom it
does not exist (everything in it, the list included, is "not found"). Administrators,
editors and assessors (:attr:`Permission.WRITE_INCIDENTS`) report incidents, write their
timeline, corrective actions (``services/incident_actions.py``) and notifications, and move
them from open to contained to closed; closing asks for the lessons learned and makes the
incident evidence for 1(3)④ and fn 16 in the assessments of its systems. Every change is
checked against the version the writer read and audited.

Reporting an incident opens the PDCA review of each affected system at once
(:attr:`Trigger.INCIDENT`) with an automatic note naming the incident by number only (an
external tester of the system reads reviews, never incidents).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.incidents import (
    MAX_ENTRIES,
    MAX_INCIDENTS,
    Harm,
    IncidentFields,
    IncidentReport,
    IncidentState,
    Notification,
    Severity,
    Source,
    TimelineEntry,
    check_move,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, Role, can, require, sees_all_systems
from tekisei.core.reviews import Trigger
from tekisei.db.incidents import IncidentRow, IncidentSystemRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, incident_sources, reviews, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.notifications import Event, notify
from tekisei.services.people import ActorNames

_KIND_JA = "インシデント"
_KIND_EN = "incident"


class TimelineView(BaseModel):
    """One moment of an incident's timeline."""

    at: datetime
    text: str
    by: str


class ActionView(BaseModel):
    """A corrective action and the risk it added or updated."""

    text: str
    system_id: int
    risk_id: int
    kind: str
    """``new_risk`` or ``risk_update``."""
    at: datetime
    by: str


class NotificationView(Notification):
    """Someone the organisation told, and who recorded it."""

    by: str


class IncidentView(BaseModel):
    """An incident as a member reads it."""

    id: int
    title: str
    description: str
    severity: Severity
    state: IncidentState
    occurred_at: datetime | None
    detected_at: datetime | None
    systems: list[int]
    people_affected: int | None
    affected_parties: str
    harms: list[Harm]
    containment: str
    root_cause: str
    lessons: str
    timeline: list[TimelineView]
    actions: list[ActionView]
    notifications: list[NotificationView]
    source: Source
    source_ref: str
    public_id: str
    published_version: int | None
    withdrawn_at: datetime | None
    evidence_id: int | None
    reported_at: datetime
    reported_by: str
    closed_at: datetime | None
    updated_at: datetime
    updated_by: str
    version: int


class ReportedView(IncidentView):
    """A new incident and the reviews its report opened (or extended), one per system."""

    reviews: list[int]


class IncidentStats(BaseModel):
    """The register at a glance, for the dashboard."""

    open_by_severity: dict[Severity, int]
    open: int
    closed: int


@dataclass(frozen=True)
class Reported:
    """What reporting an incident did."""

    row: IncidentRow
    reviews: list[int]


def writes(principal: Principal) -> bool:
    """Whether the principal reports and handles incidents."""
    return can(principal.role, Permission.WRITE_INCIDENTS)


def publishes(principal: Principal) -> bool:
    """Whether the principal publishes incident notices."""
    return can(principal.role, Permission.PUBLISH_INCIDENTS)


def org_of(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(incident_id: int) -> NotFoundError:
    return NotFoundError(
        f"no incident {incident_id} in this organisation",
        ja=f"この組織にインシデント {incident_id} はありません。",
    )


def reads_register(principal: Principal) -> None:
    """Refuse external testers, for whom the register does not exist.

    Raises:
        NotFoundError: an external tester.
    """
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no incidents you can see",
            ja="この組織に、閲覧できるインシデントはありません。",
        )


def get_incident(session: Session, principal: Principal, incident_id: int) -> IncidentRow:
    """An incident of the principal's organisation.

    Raises:
        NotFoundError: no such incident here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(IncidentRow, incident_id)
    if row is None or row.org_id != principal.org_id or not sees_all_systems(principal.role):
        raise _not_found(incident_id)
    return row


def systems_of(session: Session, row: IncidentRow) -> list[int]:
    """The systems an incident affected."""
    return list(
        session.scalars(
            select(IncidentSystemRow.system_id)
            .where(IncidentSystemRow.incident_id == row.id)
            .order_by(IncidentSystemRow.system_id)
        )
    )


def view(session: Session, row: IncidentRow, actors: ActorNames) -> IncidentView:
    """The reader's view of an incident."""
    return IncidentView(
        id=row.id, title=row.title, description=row.description,
        severity=Severity(row.severity), state=IncidentState(row.state),
        occurred_at=row.occurred_at, detected_at=row.detected_at,
        systems=systems_of(session, row), people_affected=row.people_affected,
        affected_parties=row.affected_parties, harms=[Harm(h) for h in row.harms],
        containment=row.containment, root_cause=row.root_cause, lessons=row.lessons,
        timeline=[
            TimelineView(at=e["at"], text=e["text"], by=actors(e.get("by")) or "")
            for e in row.timeline
        ],
        actions=[ActionView(**(a | {"by": actors(a.get("by")) or ""})) for a in row.actions],
        notifications=[
            NotificationView(**(n | {"by": actors(n.get("by")) or ""})) for n in row.notifications
        ],
        source=Source(row.source), source_ref=row.source_ref, public_id=row.public_id,
        published_version=row.published_version, withdrawn_at=row.withdrawn_at,
        evidence_id=row.evidence_id, reported_at=row.reported_at,
        reported_by=actors(row.reported_by) or "", closed_at=row.closed_at,
        updated_at=row.updated_at, updated_by=actors(row.updated_by) or "", version=row.version,
    )  # fmt: skip


def list_incidents(
    session: Session,
    principal: Principal,
    *,
    state: IncidentState | None = None,
    severity: Severity | None = None,
    system_id: int | None = None,
    source: Source | None = None,
    source_ref: str | None = None,
    limit: int = 500,
) -> list[IncidentRow]:
    """The organisation's incidents, newest first: in ``state``, of ``severity``,
    affecting ``system_id``, from ``source`` (and ``source_ref``), when given.

    Raises:
        NotFoundError: external testers, or ``system_id`` is not the organisation's.
    """
    reads_register(principal)
    query = select(IncidentRow).where(IncidentRow.org_id == principal.org_id)
    if state is not None:
        query = query.where(IncidentRow.state == state.value)
    if severity is not None:
        query = query.where(IncidentRow.severity == severity.value)
    if system_id is not None:
        incident_sources.check_systems(session, principal, [system_id])
        query = query.where(
            IncidentRow.id.in_(
                select(IncidentSystemRow.incident_id).where(
                    IncidentSystemRow.system_id == system_id
                )
            )
        )
    if source is not None:
        query = query.where(IncidentRow.source == source.value)
    if source_ref is not None:
        query = query.where(IncidentRow.source_ref == source_ref)
    return list(session.scalars(query.order_by(IncidentRow.id.desc()).limit(limit)))


def _stored(fields: IncidentFields) -> dict[str, Any]:
    data = fields.model_dump(exclude={"systems"})
    data["severity"] = fields.severity.value
    data["harms"] = [h.value for h in fields.harms]
    return data


def _set_systems(session: Session, row: IncidentRow, system_ids: list[int]) -> None:
    session.execute(delete(IncidentSystemRow).where(IncidentSystemRow.incident_id == row.id))
    for system_id in system_ids:
        session.add(IncidentSystemRow(org_id=row.org_id, incident_id=row.id, system_id=system_id))
    session.flush()


def _audit(
    session: Session, principal: Principal, row: IncidentRow, action: str, summary: dict[str, Any]
) -> None:
    audit.record(
        session, org_of(session, principal), principal.email, action, "incident", row.id,
        {"version": row.version, **summary},
    )  # fmt: skip


def _open_reviews(
    session: Session, principal: Principal, row: IncidentRow, systems: list[int]
) -> list[int]:
    opened: list[int] = []
    note = AutoNote.of(NoteKey.INCIDENT_REPORTED, number=row.id)
    for system_id in systems:
        system = session.get(SystemRow, system_id)
        if system is None or system.org_id != row.org_id:
            continue
        opened.append(reviews.open_for(session, principal, system, Trigger.INCIDENT, note).id)
    return opened


def report_incident(session: Session, principal: Principal, report: IncidentReport) -> Reported:
    """Report an incident on systems of the organisation; the PDCA review of each is
    opened at once (or, when one is open, noted in it).

    Raises:
        NotFoundError: an external tester, an affected system or the source is not the
            organisation's.
        PermissionDeniedError: the role may not write incidents.
        InvalidInputError: the register holds :data:`MAX_INCIDENTS` already, or the source
            reference is malformed.
    """
    reads_register(principal)
    require(principal, Permission.WRITE_INCIDENTS)
    incident_sources.check_systems(session, principal, report.systems)
    ref = incident_sources.check_source(session, principal, report.source, report.source_ref)
    held = session.scalar(
        select(func.count(IncidentRow.id)).where(IncidentRow.org_id == principal.org_id)
    )
    if (held or 0) >= MAX_INCIDENTS:
        raise InvalidInputError(
            f"an organisation holds at most {MAX_INCIDENTS} incidents; export and archive "
            "the register before adding more",
            ja=f"インシデントは1組織につき{MAX_INCIDENTS}件までです。",
        )
    now = datetime.now(UTC)
    fields = IncidentFields.model_validate(
        report.model_dump(include=set(IncidentFields.model_fields))
    )
    row = IncidentRow(
        org_id=principal.org_id, **_stored(fields), state=IncidentState.OPEN.value,
        lessons="", timeline=[], actions=[], notifications=[], source=report.source.value,
        source_ref=ref, public_id=secrets.token_urlsafe(16), public_choice=None,
        published_version=None, reported_at=now, reported_by=principal.email,
        updated_at=now, updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _set_systems(session, row, fields.systems)
    opened = _open_reviews(session, principal, row, fields.systems)
    _audit(
        session, principal, row, "incident.report",
        {"after": fields.model_dump(mode="json"), "source": report.source.value,
         "source_ref": ref, "reviews": opened},
    )  # fmt: skip
    _tell(session, principal, row)
    return Reported(row, opened)


def _tell(session: Session, principal: Principal, row: IncidentRow) -> None:
    """Tell the administrators and executives (fn 16: the management knows of a realised
    risk at once); the reporter is not told of their own report. The title names the
    incident's number and severity only, not what the report says."""
    severity_ja = {"low": "低", "medium": "中", "high": "高", "critical": "重大"}[row.severity]
    notify(
        session, row.org_id, Event.INCIDENT_REPORTED, roles=[Role.ADMIN, Role.EXECUTIVE],
        permission=Permission.WRITE_INCIDENTS, link=f"/incidents/{row.id}",
        key=f"incident-reported:{row.id}", skip=principal.user_id,
        title_ja=f"インシデント #{row.id}（深刻度: {severity_ja}）が報告されました",
        title_en=f"Incident #{row.id} ({row.severity} severity) was reported",
    )  # fmt: skip


def writable(session: Session, principal: Principal, incident_id: int, version: int) -> IncidentRow:
    """An incident the principal may change, at the version they read.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write incidents.
        ConflictError: ``version`` is not current.
    """
    row = get_incident(session, principal, incident_id)
    require(principal, Permission.WRITE_INCIDENTS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    return row


def bump(row: IncidentRow, principal: Principal) -> None:
    """Count a change of the incident."""
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email


def fields_of(session: Session, row: IncidentRow) -> IncidentFields:
    """What a person wrote about an incident."""
    names = set(IncidentFields.model_fields) - {"systems"}
    return IncidentFields.model_validate(
        {name: getattr(row, name) for name in names} | {"systems": systems_of(session, row)}
    )


def update_incident(
    session: Session, principal: Principal, incident_id: int, changes: dict[str, Any], version: int
) -> IncidentRow:
    """Change an incident (only the fields in ``changes``); a system newly named as
    affected gets its PDCA review opened too.

    Raises:
        NotFoundError: not visible, or a system is not the organisation's.
        PermissionDeniedError: the role may not write incidents.
        ConflictError: ``version`` is not current, or the incident is closed.
        InvalidInputError: unknown fields or invalid values.
    """
    row = writable(session, principal, incident_id, version)
    refuse_closed(row)
    before = fields_of(session, row)
    change = merge(before, changes)
    if not change.fields:
        return row
    after = change.after
    incident_sources.check_systems(session, principal, after.systems)
    for name, value in _stored(after).items():
        setattr(row, name, value)
    bump(row, principal)
    session.flush()
    opened: list[int] = []
    if "systems" in change.fields:
        _set_systems(session, row, after.systems)
        added = [s for s in after.systems if s not in before.systems]
        opened = _open_reviews(session, principal, row, added)
    _audit(session, principal, row, "incident.update", {**change.summary, "reviews": opened})
    return row


def _append(row: IncidentRow, name: str, entry: dict[str, Any]) -> None:
    held: list[dict[str, Any]] = list(getattr(row, name))
    if len(held) >= MAX_ENTRIES:
        raise InvalidInputError(
            f"an incident holds at most {MAX_ENTRIES} entries of each kind",
            ja=f"1件のインシデントに記録できるのは各{MAX_ENTRIES}件までです。",
        )
    setattr(row, name, [*held, entry])


def add_timeline(
    session: Session, principal: Principal, incident_id: int, entry: TimelineEntry, version: int
) -> IncidentRow:
    """Add a moment to the incident's timeline (kept in time order).

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write incidents.
        ConflictError: ``version`` is not current, or the incident is closed.
        InvalidInputError: the timeline is full.
    """
    row = writable(session, principal, incident_id, version)
    refuse_closed(row)
    _append(row, "timeline", entry.model_dump(mode="json") | {"by": principal.email})
    row.timeline = sorted(row.timeline, key=lambda e: datetime.fromisoformat(e["at"]))
    bump(row, principal)
    session.flush()
    _audit(session, principal, row, "incident.timeline", {"at": entry.at.isoformat()})
    return row


def add_notification(
    session: Session, principal: Principal, incident_id: int, told: Notification, version: int
) -> IncidentRow:
    """Record that someone was told about the incident (whom, when, how).

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write incidents.
        ConflictError: ``version`` is not current.
        InvalidInputError: the list is full.
    """
    row = writable(session, principal, incident_id, version)
    _append(row, "notifications", told.model_dump(mode="json") | {"by": principal.email})
    bump(row, principal)
    session.flush()
    _audit(session, principal, row, "incident.notification", told.model_dump(mode="json"))
    return row


def move(
    session: Session,
    principal: Principal,
    incident_id: int,
    to: IncidentState,
    version: int,
    lessons: str = "",
) -> IncidentRow:
    """Move an incident: open → contained → closed (or back to open while not closed).
    Closing keeps the lessons learned and makes the incident evidence for 1(3)④ and
    fn 16 in the open guideline assessments of its systems.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write incidents.
        ConflictError: ``version`` is not current, or the move is not allowed.
        InvalidInputError: closing without lessons learned, or lessons over 4,000
            characters.
    """
    row = writable(session, principal, incident_id, version)
    before = IncidentState(row.state)
    check_move(row.id, before, to, lessons)
    if len(lessons) > 4000:
        raise InvalidInputError(
            "write the lessons learned in at most 4,000 characters",
            ja="教訓は4,000文字以内で書いてください。",
            field="lessons",
        )
    row.state = to.value
    if to is IncidentState.CLOSED:
        row.lessons = lessons.strip()
        row.closed_at = datetime.now(UTC)
    bump(row, principal)
    session.flush()
    _audit(session, principal, row, "incident.state", {"from": before.value, "to": to.value})
    if to is IncidentState.CLOSED:
        _evidence(session, principal, row)
    return row


def _evidence(session: Session, principal: Principal, row: IncidentRow) -> None:
    if row.evidence_id is None:
        kept = transparency.reference(
            session, principal, ref=f"incident:{row.id}",
            title=AutoNote.of(NoteKey.INCIDENT_EVIDENCE, number=row.id),
        )  # fmt: skip
        row.evidence_id = kept.id
        session.flush()
    for system_id in systems_of(session, row):
        transparency.link(session, principal, system_id, row.evidence_id, "incident")


def for_system(session: Session, principal: Principal, system_id: int) -> list[IncidentView] | None:
    """The incidents that affected a visible system, newest first; None for external
    testers, who do not see the register.

    Raises:
        NotFoundError: the system is not the organisation's.
    """
    if not sees_all_systems(principal.role):
        return None
    actors = ActorNames(session, principal)
    rows = list_incidents(session, principal, system_id=system_id)
    return [view(session, r, actors) for r in rows]


def stats(session: Session, principal: Principal) -> IncidentStats | None:
    """Open incidents by severity and the closed ones (None for external testers)."""
    if not sees_all_systems(principal.role):
        return None
    counts = dict.fromkeys(Severity, 0)
    closed = 0
    for severity, state, count in session.execute(
        select(IncidentRow.severity, IncidentRow.state, func.count(IncidentRow.id))
        .where(IncidentRow.org_id == principal.org_id)
        .group_by(IncidentRow.severity, IncidentRow.state)
    ):
        if state == IncidentState.CLOSED.value:
            closed += count
        else:
            counts[Severity(severity)] += count
    return IncidentStats(open_by_severity=counts, open=sum(counts.values()), closed=closed)


def refuse_closed(row: IncidentRow) -> None:
    """Refuse to change what a closed incident recorded.

    Raises:
        ConflictError: the incident is closed.
    """
    if row.state == IncidentState.CLOSED.value:
        raise ConflictError(
            f"incident {row.id} is closed; its record no longer changes",
            ja=f"インシデント {row.id} は完了しているため、記録は変更できません。",
        )
