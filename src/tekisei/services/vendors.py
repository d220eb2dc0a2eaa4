"""The vendor register of an organisation (guideline 2(4): business continuity with the
services a system depends on; APPI art. 28: personal data processed abroad).

A vendor belongs to the organisation; systems of the organisation depend on it. Every role
of the organisation reads the register except external testers, for whom it does not exist
(everything in it, the list included, is "not found"). Administrators and editors add,
change, mark as changed and archive vendors, and they alone see a vendor's contact; the
audit log records that a contact changed, never the contact itself. Every change is checked
against the version the writer read, audited and kept in the vendor's history. A vendor is
archived (the organisation stopped using it), never deleted.

When a vendor changes (its model, its terms, a security incident) or is archived, each
system that depends on it gets a PDCA review opened (1(3)④) with an automatic note naming
the vendor and why. A vendor is evidence for 2(4) in the open guideline assessments of the
systems that depend on it (``services/transparency.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, can, require, sees_all_systems
from tekisei.core.reviews import Trigger
from tekisei.core.systems import DataCategory
from tekisei.core.vendors import (
    MAX_EVENTS,
    MAX_VENDORS,
    ChangeReason,
    EventKind,
    VendorChange,
    VendorFields,
    VendorKind,
    named_in,
)
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.db.vendors import VendorEventRow, VendorRow, VendorSystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, reviews, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.people import ActorNames

_KIND_JA = "ベンダー"
_KIND_EN = "vendor"

CHANGE_NOTES: dict[ChangeReason, NoteKey] = {
    ChangeReason.MODEL_CHANGE: NoteKey.VENDOR_MODEL_CHANGED,
    ChangeReason.TERMS_CHANGE: NoteKey.VENDOR_TERMS_CHANGED,
    ChangeReason.SECURITY_INCIDENT: NoteKey.VENDOR_SECURITY_INCIDENT,
    ChangeReason.OTHER: NoteKey.VENDOR_CHANGED,
}
"""The note a review opened by a vendor's change gets, per reason (names the vendor)."""


class VendorView(BaseModel):
    """A vendor as one reader sees it (``contact`` is None for roles that may not see it;
    ``named_by`` lists the systems whose ``vendors`` facts name it)."""

    id: int
    name: str
    kind: VendorKind
    region: str
    abroad: bool
    abroad_basis: str
    contract_ref: str
    contract_start: date | None
    contract_end: date | None
    covers_ai_use: bool
    covers_data_use: bool
    covers_incidents: bool
    covers_exit: bool
    data_categories: list[DataCategory]
    last_review: date | None
    review_result: str
    next_review: date | None
    contact: str | None
    systems: list[int]
    named_by: list[int]
    archived_at: datetime | None
    evidence_id: int | None
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


class EventView(BaseModel):
    """One entry of a vendor's history."""

    id: int
    kind: EventKind
    reason: ChangeReason | None
    detail: str
    fields: list[str]
    reviews: list[int]
    created_at: datetime
    created_by: str


def sees_contacts(principal: Principal) -> bool:
    """Whether the principal sees vendors' contacts (administrators and editors)."""
    return can(principal.role, Permission.WRITE_SYSTEMS)


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(vendor_id: int) -> NotFoundError:
    return NotFoundError(
        f"no vendor {vendor_id} in this organisation",
        ja=f"この組織にベンダー {vendor_id} はありません。",
    )


def _reads_register(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no vendor register you can see",
            ja="この組織に、閲覧できるベンダー一覧はありません。",
        )


def get_vendor(session: Session, principal: Principal, vendor_id: int) -> VendorRow:
    """A vendor of the principal's organisation.

    Raises:
        NotFoundError: no such vendor here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(VendorRow, vendor_id)
    if row is None or row.org_id != principal.org_id or not sees_all_systems(principal.role):
        raise _not_found(vendor_id)
    return row


def systems_of(session: Session, row: VendorRow) -> list[int]:
    """The systems that depend on a vendor."""
    return list(
        session.scalars(
            select(VendorSystemRow.system_id)
            .where(VendorSystemRow.vendor_id == row.id)
            .order_by(VendorSystemRow.system_id)
        )
    )


def named_by(session: Session, row: VendorRow) -> list[int]:
    """The organisation's systems whose ``vendors`` facts name the vendor
    (case-insensitively)."""
    return [
        system_id
        for system_id, vendors in session.execute(
            select(SystemRow.id, SystemRow.vendors)
            .where(SystemRow.org_id == row.org_id)
            .order_by(SystemRow.id)
        )
        if named_in(row.name, list(vendors or []))
    ]


_STORED = (
    "name", "kind", "region", "abroad", "abroad_basis", "contract_ref", "contract_start",
    "contract_end", "covers_ai_use", "covers_data_use", "covers_incidents", "covers_exit",
    "data_categories", "last_review", "review_result", "next_review", "contact",
)  # fmt: skip


def fields_of(session: Session, row: VendorRow) -> VendorFields:
    """What a person wrote about a vendor."""
    return VendorFields.model_validate(
        {name: getattr(row, name) for name in _STORED} | {"systems": systems_of(session, row)}
    )


def view(session: Session, principal: Principal, row: VendorRow, actors: ActorNames) -> VendorView:
    """The reader's view of a vendor."""
    fields = fields_of(session, row)
    return VendorView(
        **fields.model_dump(exclude={"contact"}),
        contact=fields.contact if sees_contacts(principal) else None,
        named_by=named_by(session, row),
        id=row.id,
        archived_at=row.archived_at,
        evidence_id=row.evidence_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "",
        version=row.version,
    )


def event_view(row: VendorEventRow, actors: ActorNames) -> EventView:
    """The reader's view of an entry of a vendor's history."""
    return EventView(
        id=row.id,
        kind=EventKind(row.kind),
        reason=ChangeReason(row.reason) if row.reason else None,
        detail=row.detail,
        fields=list(row.fields),
        reviews=list(row.reviews),
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
    """What the audit log keeps of a vendor's fields: the contact only as whether there
    is one."""
    return {k: (bool(v) if k == "contact" else v) for k, v in fields.items()}


def _set_systems(session: Session, row: VendorRow, system_ids: list[int]) -> None:
    session.execute(delete(VendorSystemRow).where(VendorSystemRow.vendor_id == row.id))
    for system_id in system_ids:
        session.add(VendorSystemRow(org_id=row.org_id, vendor_id=row.id, system_id=system_id))
    session.flush()


def _event(
    session: Session,
    principal: Principal,
    row: VendorRow,
    kind: EventKind,
    *,
    reason: ChangeReason | None = None,
    detail: str = "",
    fields: list[str] | None = None,
    opened: list[int] | None = None,
) -> VendorEventRow:
    held = session.scalar(
        select(func.count(VendorEventRow.id)).where(VendorEventRow.vendor_id == row.id)
    )
    if (held or 0) >= MAX_EVENTS:
        raise InvalidInputError(
            f"a vendor's history holds at most {MAX_EVENTS} entries; archive it and add the "
            "vendor again",
            ja=f"1つのベンダーの履歴は{MAX_EVENTS}件までです。アーカイブして登録し直してください。",
        )
    event = VendorEventRow(
        org_id=row.org_id, vendor_id=row.id, kind=kind.value,
        reason=reason.value if reason else "", detail=detail, fields=fields or [],
        reviews=opened or [], created_at=datetime.now(UTC), created_by=principal.email,
    )  # fmt: skip
    session.add(event)
    session.flush()
    return event


def add_vendor(session: Session, principal: Principal, fields: VendorFields) -> VendorRow:
    """Add a vendor to the organisation's register.

    Raises:
        NotFoundError: an external tester, or a linked system is not the organisation's.
        PermissionDeniedError: the role may not write systems.
        InvalidInputError: the register holds :data:`MAX_VENDORS` already.
    """
    _reads_register(principal)
    require(principal, Permission.WRITE_SYSTEMS)
    _check_systems(session, principal, fields.systems)
    held = session.scalar(
        select(func.count(VendorRow.id)).where(VendorRow.org_id == principal.org_id)
    )
    if (held or 0) >= MAX_VENDORS:
        raise InvalidInputError(
            f"an organisation holds at most {MAX_VENDORS} vendors, archived ones included; "
            "change one that no longer applies instead of adding another",
            ja=f"ベンダーは1組織につき{MAX_VENDORS}件（アーカイブ済みを含む）までです。"
            "不要になったものを書き換えてお使いください。",
        )
    now = datetime.now(UTC)
    data = fields.model_dump(exclude={"systems"})
    data["data_categories"] = [c.value for c in fields.data_categories]
    data["kind"] = fields.kind.value
    row = VendorRow(
        org_id=principal.org_id, **data, archived_at=None, created_at=now, updated_at=now,
        updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _set_systems(session, row, fields.systems)
    audit.record(
        session, _org(session, principal), principal.email, "vendor.create", "vendor", row.id,
        {"after": _audited(fields.model_dump(mode="json"))},
    )  # fmt: skip
    _event(session, principal, row, EventKind.CREATED)
    evidence = transparency.reference(
        session, principal, ref=f"vendor:{row.id}",
        title=AutoNote.of(NoteKey.VENDOR_EVIDENCE, name=fields.name),
    )  # fmt: skip
    row.evidence_id = evidence.id
    session.flush()
    for system_id in fields.systems:
        transparency.link(session, principal, system_id, evidence.id, "vendor")
    return row


def _writable(session: Session, principal: Principal, vendor_id: int, version: int) -> VendorRow:
    row = get_vendor(session, principal, vendor_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    if row.archived_at is not None:
        raise ConflictError(
            f"vendor {vendor_id} is archived and can no longer change",
            ja=f"ベンダー {vendor_id} はアーカイブ済みのため変更できません。",
        )
    return row


def _bump(row: VendorRow, principal: Principal) -> None:
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email


def update_vendor(
    session: Session, principal: Principal, vendor_id: int, changes: dict[str, Any], version: int
) -> VendorRow:
    """Change a vendor (only the fields in ``changes``).

    Raises:
        NotFoundError: not visible, or a linked system is not the organisation's.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or the vendor is archived.
        InvalidInputError: unknown fields or invalid values (the APPI rule included).
    """
    row = _writable(session, principal, vendor_id, version)
    change = merge(fields_of(session, row), changes)
    if not change.fields:
        return row
    after = change.after
    _check_systems(session, principal, after.systems)
    data = after.model_dump(exclude={"systems"})
    data["data_categories"] = [c.value for c in after.data_categories]
    data["kind"] = after.kind.value
    for name, value in data.items():
        setattr(row, name, value)
    _bump(row, principal)
    session.flush()
    if "systems" in change.fields:
        _set_systems(session, row, after.systems)
    summary = {
        "version": row.version,
        "before": _audited(change.summary["before"]),
        "after": _audited(change.summary["after"]),
    }
    audit.record(
        session, _org(session, principal), principal.email, "vendor.update", "vendor", row.id,
        summary,
    )  # fmt: skip
    _event(session, principal, row, EventKind.UPDATED, fields=sorted(change.fields))
    if row.evidence_id is not None and "systems" in change.fields:
        for system_id in after.systems:
            transparency.link(session, principal, system_id, row.evidence_id, "vendor")
    return row


def _open_reviews(
    session: Session, principal: Principal, row: VendorRow, note: AutoNote
) -> list[int]:
    opened: list[int] = []
    for system_id in systems_of(session, row):
        system = session.get(SystemRow, system_id)
        if system is None or system.org_id != row.org_id:
            continue
        reviews.open_for(session, principal, system, Trigger.MODEL_CHANGE, note)
        opened.append(system_id)
    return opened


def mark_changed(
    session: Session, principal: Principal, vendor_id: int, change: VendorChange, version: int
) -> VendorEventRow:
    """Record that a vendor changed and open the PDCA review of each system that depends
    on it, with a note naming the vendor and the reason.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or the vendor is archived.
    """
    row = _writable(session, principal, vendor_id, version)
    _bump(row, principal)
    session.flush()
    note = AutoNote.of(CHANGE_NOTES[change.reason], name=row.name)
    opened = _open_reviews(session, principal, row, note)
    audit.record(
        session, _org(session, principal), principal.email, "vendor.change", "vendor", row.id,
        {"version": row.version, "reason": change.reason.value, "detail": change.detail,
         "reviews": opened},
    )  # fmt: skip
    return _event(
        session, principal, row, EventKind.CHANGED, reason=change.reason,
        detail=change.detail, opened=opened,
    )  # fmt: skip


def archive_vendor(
    session: Session, principal: Principal, vendor_id: int, version: int, detail: str = ""
) -> VendorRow:
    """Archive a vendor (the organisation exits it): it stays in the register with its
    history, is no longer evidence for new assessments, and each system that depended on it
    gets its PDCA review opened.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or it is archived already.
        InvalidInputError: ``detail`` is over 4000 characters.
    """
    detail = VendorChange(reason=ChangeReason.OTHER, detail=detail).detail
    row = _writable(session, principal, vendor_id, version)
    now = datetime.now(UTC)
    row.archived_at = now
    _bump(row, principal)
    session.flush()
    opened = _open_reviews(
        session, principal, row, AutoNote.of(NoteKey.VENDOR_EXITED, name=row.name)
    )
    audit.record(
        session, _org(session, principal), principal.email, "vendor.archive", "vendor", row.id,
        {"version": row.version, "detail": detail, "reviews": opened},
    )  # fmt: skip
    _event(session, principal, row, EventKind.ARCHIVED, detail=detail, opened=opened)
    return row


def list_vendors(
    session: Session,
    principal: Principal,
    *,
    system_id: int | None = None,
    kind: VendorKind | None = None,
    abroad: bool | None = None,
    archived: bool = False,
) -> list[VendorRow]:
    """The organisation's vendors, by name: only those ``system_id`` depends on, of
    ``kind``, and that send personal data abroad (or not) when given; archived ones only
    when ``archived``.

    Raises:
        NotFoundError: external testers, or ``system_id`` is not the organisation's.
    """
    _reads_register(principal)
    query = select(VendorRow).where(VendorRow.org_id == principal.org_id)
    if system_id is not None:
        _check_systems(session, principal, [system_id])
        query = query.where(
            VendorRow.id.in_(
                select(VendorSystemRow.vendor_id).where(VendorSystemRow.system_id == system_id)
            )
        )
    if kind is not None:
        query = query.where(VendorRow.kind == kind.value)
    if abroad is not None:
        query = query.where(VendorRow.abroad.is_(abroad))
    if not archived:
        query = query.where(VendorRow.archived_at.is_(None))
    return list(session.scalars(query.order_by(VendorRow.name, VendorRow.id)))


def history(session: Session, principal: Principal, vendor_id: int) -> list[VendorEventRow]:
    """A vendor's history, newest first.

    Raises:
        NotFoundError: the vendor is not visible.
    """
    row = get_vendor(session, principal, vendor_id)
    return list(
        session.scalars(
            select(VendorEventRow)
            .where(VendorEventRow.vendor_id == row.id)
            .order_by(VendorEventRow.id.desc())
        )
    )


class SystemVendors(BaseModel):
    """The vendors of one system, for its page."""

    linked: list[VendorView]
    """Current vendors the system depends on."""
    named: list[VendorView]
    """Current vendors the system's ``vendors`` facts name but that are not linked."""


def for_system(session: Session, principal: Principal, system_id: int) -> SystemVendors | None:
    """The vendors of a visible system, for its page; None for external testers, who do
    not see the register.

    Raises:
        NotFoundError: the system is not the organisation's.
    """
    if not sees_all_systems(principal.role):
        return None
    actors = ActorNames(session, principal)
    linked = list_vendors(session, principal, system_id=system_id)
    system = session.get(SystemRow, system_id)
    assert system is not None
    facts = list(system.vendors or [])
    ids = {r.id for r in linked}
    named = [
        r for r in list_vendors(session, principal) if r.id not in ids and named_in(r.name, facts)
    ]
    return SystemVendors(
        linked=[view(session, principal, r, actors) for r in linked],
        named=[view(session, principal, r, actors) for r in named],
    )
