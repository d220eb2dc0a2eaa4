"""The stakeholder register and the engagement log of an organisation (guideline 1(3)②:
the active involvement of stakeholders, including indirect ones).

A stakeholder belongs to the organisation and is concerned with some of its systems, or
with all of them when linked to none. Every role of the organisation reads the register
except external testers, who see only the systems assigned to them: for them the register
does not exist (everything in it, the list included, is "not found"). Roles that write systems
(administrators and editors) add, change, archive and engage stakeholders, and they alone
see a stakeholder's contact, which is personal data; the audit log records that a contact
changed, never the contact itself. Every change is checked against the version the writer
read and audited. A stakeholder is archived, never deleted.

A stakeholder and each engagement with one are evidence for 1(3)② and 2(2) in the open
guideline assessments of the systems they concern (``services/transparency.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, can, require, sees_all_systems
from tekisei.core.stakeholders import (
    MAX_ENGAGEMENTS,
    MAX_STAKEHOLDERS,
    EngagementFields,
    EngagementKind,
    Relation,
    StakeholderFields,
    StakeholderKind,
    in_the_future,
)
from tekisei.db.orgs import OrgRow
from tekisei.db.stakeholders import EngagementRow, StakeholderRow, StakeholderSystemRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, policy_versions, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.people import ActorNames
from tekisei.services.stakeholder_evidence import links

_KIND_JA = "ステークホルダー"
_KIND_EN = "stakeholder"


class StakeholderView(BaseModel):
    """A stakeholder as one reader sees it (``contact`` is None for roles that may not see
    it)."""

    id: int
    name: str
    kind: StakeholderKind
    relation: Relation
    interests: str
    engagement: str
    contact: str | None
    systems: list[int]
    archived_at: datetime | None
    evidence_id: int | None
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


class EngagementView(BaseModel):
    """One entry of the engagement log."""

    id: int
    stakeholder_id: int
    happened_on: date
    kind: EngagementKind
    summary: str
    outcome: str
    systems: list[int]
    evidence_id: int | None
    created_at: datetime
    created_by: str


def sees_contacts(principal: Principal) -> bool:
    """Whether the principal sees stakeholders' contacts (administrators and editors)."""
    return can(principal.role, Permission.WRITE_SYSTEMS)


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(stakeholder_id: int) -> NotFoundError:
    return NotFoundError(
        f"no stakeholder {stakeholder_id} in this organisation",
        ja=f"この組織にステークホルダー {stakeholder_id} はありません。",
    )


def _reads_register(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no stakeholder register you can see",
            ja="この組織に、閲覧できるステークホルダー一覧はありません。",
        )


def get_stakeholder(session: Session, principal: Principal, stakeholder_id: int) -> StakeholderRow:
    """A stakeholder of the principal's organisation.

    Raises:
        NotFoundError: no such stakeholder here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(StakeholderRow, stakeholder_id)
    if row is None or row.org_id != principal.org_id or not sees_all_systems(principal.role):
        raise _not_found(stakeholder_id)
    return row


def systems_of(session: Session, row: StakeholderRow) -> list[int]:
    """The systems a stakeholder is linked to (empty: every system)."""
    return list(
        session.scalars(
            select(StakeholderSystemRow.system_id)
            .where(StakeholderSystemRow.stakeholder_id == row.id)
            .order_by(StakeholderSystemRow.system_id)
        )
    )


def fields_of(session: Session, row: StakeholderRow) -> StakeholderFields:
    """What a person wrote about a stakeholder."""
    return StakeholderFields(
        name=row.name,
        kind=StakeholderKind(row.kind),
        relation=Relation(row.relation),
        interests=row.interests,
        engagement=row.engagement,
        contact=row.contact,
        systems=systems_of(session, row),
    )


def view(
    session: Session, principal: Principal, row: StakeholderRow, actors: ActorNames
) -> StakeholderView:
    """The reader's view of a stakeholder."""
    fields = fields_of(session, row)
    return StakeholderView(
        **fields.model_dump(exclude={"contact"}),
        contact=fields.contact if sees_contacts(principal) else None,
        id=row.id,
        archived_at=row.archived_at,
        evidence_id=row.evidence_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "",
        version=row.version,
    )


def engagement_view(row: EngagementRow, actors: ActorNames) -> EngagementView:
    """The reader's view of an engagement."""
    return EngagementView(
        id=row.id,
        stakeholder_id=row.stakeholder_id,
        happened_on=row.happened_on,
        kind=EngagementKind(row.kind),
        summary=row.summary,
        outcome=row.outcome,
        systems=list(row.systems),
        evidence_id=row.evidence_id,
        created_at=row.created_at,
        created_by=actors(row.created_by) or "",
    )


def _check_systems(session: Session, principal: Principal, system_ids: list[int]) -> None:
    if not system_ids:
        return
    known = set(
        session.scalars(
            select(SystemRow.id).where(
                SystemRow.org_id == principal.org_id, SystemRow.id.in_(system_ids)
            )
        )
    )
    missing = [str(s) for s in system_ids if s not in known]
    if missing:
        raise NotFoundError(
            f"no system {', '.join(missing)} in this organisation",
            ja=f"この組織にシステム {'、'.join(missing)} はありません。",
        )


def _audited(fields: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a stakeholder's fields: the contact (personal data)
    only as whether there is one."""
    return {k: (bool(v) if k == "contact" else v) for k, v in fields.items()}


def _link(session: Session, principal: Principal, evidence_id: int, system_ids: list[int]) -> None:
    if system_ids:
        for system_id in system_ids:
            transparency.link(session, principal, system_id, evidence_id, "stakeholder")
    else:
        transparency.link_org(session, principal, evidence_id, transparency.USES["stakeholder"])


def _set_systems(session: Session, row: StakeholderRow, system_ids: list[int]) -> None:
    session.execute(
        delete(StakeholderSystemRow).where(StakeholderSystemRow.stakeholder_id == row.id)
    )
    for system_id in system_ids:
        session.add(
            StakeholderSystemRow(org_id=row.org_id, stakeholder_id=row.id, system_id=system_id)
        )
    session.flush()


def add_stakeholder(
    session: Session, principal: Principal, fields: StakeholderFields
) -> StakeholderRow:
    """Add a stakeholder to the organisation's register.

    Raises:
        NotFoundError: an external tester, or a linked system is not the organisation's.
        PermissionDeniedError: the role may not write systems.
        InvalidInputError: the register holds :data:`MAX_STAKEHOLDERS` already.
    """
    _reads_register(principal)
    require(principal, Permission.WRITE_SYSTEMS)
    _check_systems(session, principal, fields.systems)
    held = session.scalar(
        select(func.count(StakeholderRow.id)).where(StakeholderRow.org_id == principal.org_id)
    )
    if (held or 0) >= MAX_STAKEHOLDERS:
        raise InvalidInputError(
            f"an organisation holds at most {MAX_STAKEHOLDERS} stakeholders, archived ones "
            "included; change one that no longer applies instead of adding another",
            ja=f"ステークホルダーは1組織につき{MAX_STAKEHOLDERS}件（アーカイブ済みを含む）まで"
            "です。不要になったものを書き換えてお使いください。",
        )
    now = datetime.now(UTC)
    data = fields.model_dump(mode="json", exclude={"systems"})
    row = StakeholderRow(
        org_id=principal.org_id, **data, archived_at=None, created_at=now, updated_at=now,
        updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _set_systems(session, row, fields.systems)
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "stakeholder.create",
        "stakeholder",
        row.id,
        {"after": _audited(fields.model_dump(mode="json"))},
    )
    evidence = transparency.reference(
        session,
        principal,
        ref=f"stakeholder:{row.id}",
        title=AutoNote.of(NoteKey.STAKEHOLDER_EVIDENCE, name=fields.name),
    )
    row.evidence_id = evidence.id
    session.flush()
    _link(session, principal, evidence.id, fields.systems)
    return row


def _writable(session: Session, principal: Principal, stakeholder_id: int) -> StakeholderRow:
    row = get_stakeholder(session, principal, stakeholder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    if row.archived_at is not None:
        raise ConflictError(
            f"stakeholder {stakeholder_id} is archived and can no longer change",
            ja=f"ステークホルダー {stakeholder_id} はアーカイブ済みのため変更できません。",
        )
    return row


def update_stakeholder(
    session: Session,
    principal: Principal,
    stakeholder_id: int,
    changes: dict[str, Any],
    version: int,
) -> StakeholderRow:
    """Change a stakeholder (only the fields in ``changes``).

    Raises:
        NotFoundError: not visible, or a linked system is not the organisation's.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or the stakeholder is archived.
        InvalidInputError: unknown fields or invalid values.
    """
    row = get_stakeholder(session, principal, stakeholder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    row = _writable(session, principal, stakeholder_id)
    change = merge(fields_of(session, row), changes)
    if not change.fields:
        return row
    after = change.after
    _check_systems(session, principal, after.systems)
    for name, value in after.model_dump(mode="json", exclude={"systems"}).items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    if "systems" in change.fields:
        _set_systems(session, row, after.systems)
    summary = {
        "version": row.version,
        "before": _audited(change.summary["before"]),
        "after": _audited(change.summary["after"]),
    }
    audit.record(
        session, _org(session, principal), principal.email, "stakeholder.update",
        "stakeholder", row.id, summary,
    )  # fmt: skip
    if row.evidence_id is not None and "systems" in change.fields:
        _link(session, principal, row.evidence_id, after.systems)
    return row


def archive_stakeholder(
    session: Session, principal: Principal, stakeholder_id: int, version: int
) -> StakeholderRow:
    """Archive a stakeholder: it stays in the register and its log, but is no longer
    listed by default, engaged or given to new assessments as evidence.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or it is archived already.
    """
    row = get_stakeholder(session, principal, stakeholder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    row = _writable(session, principal, stakeholder_id)
    now = datetime.now(UTC)
    row.archived_at = now
    row.updated_at = now
    row.updated_by = principal.email
    row.version += 1
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "stakeholder.archive",
        "stakeholder", row.id, {"version": row.version},
    )  # fmt: skip
    return row


def list_stakeholders(
    session: Session,
    principal: Principal,
    *,
    system_id: int | None = None,
    kind: StakeholderKind | None = None,
    archived: bool = False,
) -> list[StakeholderRow]:
    """The organisation's stakeholders, by name: only those concerned with ``system_id``
    (linked to it or to no system) and of ``kind`` when given; archived ones only when
    ``archived``.

    Raises:
        NotFoundError: external testers, or ``system_id`` is not the organisation's.
    """
    _reads_register(principal)
    if system_id is not None:
        _check_systems(session, principal, [system_id])
    query = select(StakeholderRow).where(StakeholderRow.org_id == principal.org_id)
    if kind is not None:
        query = query.where(StakeholderRow.kind == kind.value)
    if not archived:
        query = query.where(StakeholderRow.archived_at.is_(None))
    rows = list(session.scalars(query.order_by(StakeholderRow.name, StakeholderRow.id)))
    if system_id is None:
        return rows
    linked = links(session, principal.org_id)
    return [r for r in rows if not linked.get(r.id) or system_id in linked[r.id]]


def engage(
    session: Session,
    principal: Principal,
    stakeholder_id: int,
    fields: EngagementFields,
    *,
    now: datetime | None = None,
) -> EngagementRow:
    """Log an engagement with a stakeholder (dated today on the organisation's clock when
    no date is given).

    Raises:
        NotFoundError: the stakeholder is not visible, or a named system is not the
            organisation's.
        PermissionDeniedError: the role may not write systems.
        ConflictError: the stakeholder is archived.
        InvalidInputError: a date after today, or the log is full.
    """
    row = _writable(session, principal, stakeholder_id)
    _check_systems(session, principal, fields.systems)
    org = _org(session, principal)
    today = policy_versions.today(session, org, now)
    day = fields.happened_on or today
    if in_the_future(day, today):
        raise InvalidInputError(
            f"{day.isoformat()} is after today ({today.isoformat()}) on the organisation's "
            "clock; log an engagement once it has happened",
            ja=f"{day.isoformat()} は組織の時刻で今日（{today.isoformat()}）より後です。"
            "実施してから記録してください。",
            field="happened_on",
        )
    held = session.scalar(
        select(func.count(EngagementRow.id)).where(EngagementRow.stakeholder_id == row.id)
    )
    if (held or 0) >= MAX_ENGAGEMENTS:
        raise InvalidInputError(
            f"a stakeholder's log holds at most {MAX_ENGAGEMENTS} engagements",
            ja=f"1つのステークホルダーに記録できる関与は{MAX_ENGAGEMENTS}件までです。",
        )
    entry = EngagementRow(
        org_id=row.org_id, stakeholder_id=row.id, happened_on=day, kind=fields.kind.value,
        summary=fields.summary, outcome=fields.outcome, systems=fields.systems,
        created_at=now or datetime.now(UTC), created_by=principal.email,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    audit.record(
        session, org, principal.email, "stakeholder.engage", "stakeholder", row.id,
        {"engagement": entry.id, "day": day.isoformat(), "kind": entry.kind,
         "systems": entry.systems},
    )  # fmt: skip
    evidence = transparency.reference(
        session,
        principal,
        ref=f"engagement:{row.id}:{entry.id}",
        title=AutoNote.of(NoteKey.ENGAGEMENT_EVIDENCE, name=row.name, day=day.isoformat()),
    )
    entry.evidence_id = evidence.id
    session.flush()
    _link(session, principal, evidence.id, fields.systems or systems_of(session, row))
    return entry


def engagements(session: Session, principal: Principal, stakeholder_id: int) -> list[EngagementRow]:
    """A stakeholder's engagement log, newest first.

    Raises:
        NotFoundError: the stakeholder is not visible.
    """
    row = get_stakeholder(session, principal, stakeholder_id)
    return list(
        session.scalars(
            select(EngagementRow)
            .where(EngagementRow.stakeholder_id == row.id)
            .order_by(EngagementRow.happened_on.desc(), EngagementRow.id.desc())
        )
    )


def for_system(
    session: Session, principal: Principal, system_id: int
) -> list[StakeholderView] | None:
    """The current stakeholders concerned with a visible system, for its page; None for
    external testers, who do not see the register.

    Raises:
        NotFoundError: the system is not the organisation's.
    """
    if not sees_all_systems(principal.role):
        return None
    actors = ActorNames(session, principal)
    rows = list_stakeholders(session, principal, system_id=system_id)
    return [view(session, principal, r, actors) for r in rows]
