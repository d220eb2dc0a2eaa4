"""Procurements of AI systems and services (guideline 3(1)): a system's procurements from
a vendor, each with the procurement checklist filled item by item, and the checklist as a
tender annex (CSV).

Every role of the organisation reads procurements except external testers, for whom they
do not exist ("not found"), as the vendor register does not. Administrators and editors
create and change them. A procurement is evidence for 3(1) in its system's guideline
assessment from the day it is recorded (the answer starts as "partially implemented";
people judge whether the checklist is good enough). Every change is audited and carries
the version read (a stale one is refused).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.catalog import Lang
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.core.procurements import (
    APPLIES,
    AREAS,
    ITEMS,
    KINDS,
    MAX_PROCUREMENTS,
    OUR_WORDING,
    RULES_JA,
    STATUSES,
    Entry,
    Kind,
    Phase,
    ProcurementFields,
    completeness,
    entries_of,
    items_for,
    unknown_items,
)
from tekisei.db.orgs import OrgRow
from tekisei.db.procurements import ProcurementRow
from tekisei.db.systems import SystemRow
from tekisei.db.vendors import VendorRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.render.sheets import Table, csv_text
from tekisei.services import audit, transparency
from tekisei.services import vendors as vendor_service
from tekisei.services.changes import check_version
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible_system

_KIND_JA = "調達"
_KIND_EN = "procurement"


class CompletenessView(BaseModel):
    """How far the checklist got (see :func:`tekisei.core.procurements.completeness`)."""

    applicable: int
    settled: int
    complete: bool
    counts: dict[str, int]
    open: list[str]
    gaps: list[str]


class ProcurementView(BaseModel):
    """A procurement as members read it."""

    id: int
    system_id: int
    system_name: str
    vendor_id: int | None
    vendor_name: str | None
    title: str
    reference: str
    kind: Kind
    phase: Phase
    tender_on: date | None
    contract_on: date | None
    ends_on: date | None
    checklist: dict[str, Entry]
    """Every applicable item, open ones included."""
    completeness: CompletenessView
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int


def _reader(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no procurements you can see",
            ja="この組織に、閲覧できる調達の記録はありません。",
        )


def _not_found(procurement_id: int) -> NotFoundError:
    return NotFoundError(
        f"no procurement {procurement_id} of this system",
        ja=f"このシステムに調達 {procurement_id} はありません。",
    )


def system_of(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """A system whose procurements the principal may read.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
    """
    _reader(principal)
    return visible_system(session, principal, system_id)


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def view(session: Session, row: ProcurementRow, actors: ActorNames) -> ProcurementView:
    """The reader's view of a procurement; members are named as ``actors`` shows them."""
    system = session.get(SystemRow, row.system_id)
    vendor = session.get(VendorRow, row.vendor_id) if row.vendor_id else None
    kind, phase = Kind(row.kind), Phase(row.phase)
    stored = entries_of(row.checklist)
    entries = {item.id: stored.get(item.id, Entry()) for item in items_for(kind)}
    done = completeness(kind, phase, entries)
    return ProcurementView(
        id=row.id, system_id=row.system_id, system_name=system.name if system else "",
        vendor_id=row.vendor_id, vendor_name=vendor.name if vendor else None,
        title=row.title, reference=row.reference, kind=kind, phase=phase,
        tender_on=row.tender_on, contract_on=row.contract_on, ends_on=row.ends_on,
        checklist=entries,
        completeness=CompletenessView(
            applicable=done.applicable, settled=done.settled, complete=done.complete,
            counts=done.counts, open=list(done.open), gaps=list(done.gaps),
        ),
        created_at=row.created_at, created_by=actors(row.created_by) or "",
        updated_at=row.updated_at, updated_by=actors(row.updated_by) or "",
        version=row.version,
    )  # fmt: skip


def list_procurements(
    session: Session, principal: Principal, system_id: int
) -> list[ProcurementRow]:
    """The system's procurements, newest first.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
    """
    system = system_of(session, principal, system_id)
    return list(
        session.scalars(
            select(ProcurementRow)
            .where(ProcurementRow.org_id == principal.org_id, ProcurementRow.system_id == system.id)
            .order_by(ProcurementRow.id.desc())
        )
    )


def for_vendor(session: Session, principal: Principal, vendor_id: int) -> list[ProcurementRow]:
    """The procurements from a vendor, newest first.

    Raises:
        NotFoundError: external testers, or no such vendor in the organisation.
    """
    vendor = vendor_service.get_vendor(session, principal, vendor_id)
    return list(
        session.scalars(
            select(ProcurementRow)
            .where(ProcurementRow.org_id == principal.org_id, ProcurementRow.vendor_id == vendor.id)
            .order_by(ProcurementRow.id.desc())
        )
    )


def count_for_system(session: Session, principal: Principal, system_id: int) -> int | None:
    """How many procurements the system has; None for external testers (they see none)."""
    if not sees_all_systems(principal.role):
        return None
    count = session.scalar(
        select(func.count(ProcurementRow.id)).where(
            ProcurementRow.org_id == principal.org_id, ProcurementRow.system_id == system_id
        )
    )
    return count or 0


def get_procurement(
    session: Session, principal: Principal, system_id: int, procurement_id: int
) -> ProcurementRow:
    """One procurement of the system.

    Raises:
        NotFoundError: external testers, the system or the procurement is not visible.
    """
    system = system_of(session, principal, system_id)
    row = session.get(ProcurementRow, procurement_id)
    if row is None or row.org_id != principal.org_id or row.system_id != system.id:
        raise _not_found(procurement_id)
    return row


def _check_vendor(session: Session, principal: Principal, vendor_id: int | None) -> None:
    if vendor_id is not None:
        vendor_service.get_vendor(session, principal, vendor_id)


def _fields(fields: ProcurementFields) -> dict[str, Any]:
    data = fields.model_dump()
    data["kind"] = fields.kind.value
    data["phase"] = fields.phase.value
    return data


def _audited(fields: ProcurementFields) -> dict[str, Any]:
    return fields.model_dump(mode="json")


def create_procurement(
    session: Session, principal: Principal, system_id: int, fields: ProcurementFields
) -> ProcurementRow:
    """Record a procurement for the system, with every checklist item open; it becomes
    evidence for 3(1) in the system's open guideline assessment.

    Raises:
        NotFoundError: external testers, or the system or the vendor is not the
            organisation's.
        PermissionDeniedError: the role may not write systems.
        InvalidInputError: the system has :data:`MAX_PROCUREMENTS` already.
    """
    system = system_of(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    _check_vendor(session, principal, fields.vendor_id)
    held = session.scalar(
        select(func.count(ProcurementRow.id)).where(ProcurementRow.system_id == system.id)
    )
    if (held or 0) >= MAX_PROCUREMENTS:
        raise InvalidInputError(
            f"a system has at most {MAX_PROCUREMENTS} procurements",
            ja=f"調達の記録は1システムにつき{MAX_PROCUREMENTS}件までです。",
        )
    now = datetime.now(UTC)
    row = ProcurementRow(
        org_id=principal.org_id, system_id=system.id, **_fields(fields), checklist={},
        created_at=now, created_by=principal.email, updated_at=now,
        updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "procurement.create",
        "procurement", row.id, {"system": system.id, "after": _audited(fields)},
    )  # fmt: skip
    evidence = transparency.reference(
        session, principal, ref=f"procurement:{system.id}:{row.id}",
        title=AutoNote.of(NoteKey.PROCUREMENT_EVIDENCE, title=fields.title),
    )  # fmt: skip
    row.evidence_id = evidence.id
    session.flush()
    transparency.link(session, principal, system.id, evidence.id, "procurement")
    return row


def _writable(
    session: Session, principal: Principal, system_id: int, procurement_id: int, version: int
) -> ProcurementRow:
    row = get_procurement(session, principal, system_id, procurement_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    return row


def _bump(row: ProcurementRow, principal: Principal) -> None:
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email


def fields_of(row: ProcurementRow) -> ProcurementFields:
    """The procurement's fields as stored."""
    return ProcurementFields(
        title=row.title, reference=row.reference, kind=Kind(row.kind), phase=Phase(row.phase),
        vendor_id=row.vendor_id, tender_on=row.tender_on, contract_on=row.contract_on,
        ends_on=row.ends_on,
    )  # fmt: skip


def validated(data: dict[str, Any]) -> ProcurementFields:
    """``data`` as procurement fields.

    Raises:
        InvalidInputError: unknown fields or invalid values, the rules named in Japanese too.
    """
    unknown = sorted(set(data) - set(ProcurementFields.model_fields))
    if unknown:
        raise InvalidInputError(
            f"unknown fields: {', '.join(unknown)}", ja=f"不明な項目: {'、'.join(unknown)}"
        )
    try:
        return ProcurementFields.model_validate(data)
    except ValidationError as exc:
        problems = [(str(e["msg"]).removeprefix("Value error, "), e["loc"]) for e in exc.errors()]
        field = next((str(loc[0]) for _, loc in problems if loc), None)
        raise InvalidInputError(
            "; ".join(
                f"{'.'.join(map(str, loc)) or 'procurement'}: {msg}" for msg, loc in problems
            ),
            ja="".join(RULES_JA.get(msg, "入力内容に誤りがあります。") for msg, _ in problems[:1]),
            field=field,
        ) from None


def update_procurement(
    session: Session,
    principal: Principal,
    system_id: int,
    procurement_id: int,
    changes: dict[str, Any],
    version: int,
) -> ProcurementRow:
    """Change the fields named in ``changes`` (the rest stay).

    Raises:
        NotFoundError: the system, the procurement or the vendor is not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not the current one.
        InvalidInputError: unknown fields, or the result breaks a rule (a field's limit,
            dates out of order, a signed contract without a vendor).
    """
    row = _writable(session, principal, system_id, procurement_id, version)
    before = fields_of(row)
    fields = validated(before.model_dump() | changes)
    if fields.vendor_id != before.vendor_id:
        _check_vendor(session, principal, fields.vendor_id)
    old, new = _audited(before), _audited(fields)
    changed = sorted(k for k in new if new[k] != old[k])
    for key, value in _fields(fields).items():
        setattr(row, key, value)
    _bump(row, principal)
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "procurement.update",
        "procurement", row.id,
        {"system": row.system_id, "fields": changed,
         "before": {k: old[k] for k in changed}, "after": {k: new[k] for k in changed}},
    )  # fmt: skip
    return row


def set_items(
    session: Session,
    principal: Principal,
    system_id: int,
    procurement_id: int,
    entries: dict[str, Entry],
    version: int,
) -> ProcurementRow:
    """Fill checklist items: the entries given replace those of the same items.

    Raises:
        NotFoundError: the system or the procurement is not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not the current one.
        InvalidInputError: an item is not on the checklist or does not apply to the
            procurement's kind.
    """
    row = _writable(session, principal, system_id, procurement_id, version)
    unknown, other = unknown_items(Kind(row.kind), set(entries))
    if unknown:
        raise InvalidInputError(
            f"no item {', '.join(unknown)} on the checklist; "
            "'tekisei procurements checklist' lists the items",
            ja=f"チェックリストに項目 {'、'.join(unknown)} はありません。"
            "項目の一覧はチェックリストで確認してください。",
        )
    if other:
        raise InvalidInputError(
            f"item {', '.join(other)} does not apply to a procurement of an AI {row.kind}",
            ja=f"項目 {'、'.join(other)} はこの種類の調達（{KINDS[Kind(row.kind)][0]}）には"
            "含まれません。",
        )
    current = {k: v.model_dump(mode="json") for k, v in entries_of(row.checklist).items()}
    given = {k: v.model_dump(mode="json") for k, v in entries.items()}
    changed = sorted(k for k, v in given.items() if current.get(k) != v)
    row.checklist = current | given
    _bump(row, principal)
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "procurement.checklist",
        "procurement", row.id,
        {"system": row.system_id, "items": {k: given[k]["status"] for k in changed}},
    )  # fmt: skip
    return row


ANNEX_HEADER: dict[Lang, tuple[str, ...]] = {
    "ja": ("項目ID", "分野", "要求事項", "対象", "状況", "備考"),
    "en": ("Item", "Area", "Requirement", "Applies to", "Status", "Note"),
}
"""The columns of the checklist as a tender annex (docs/procurements.md)."""


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "ja" else pair[1]


def annex_table(shown: ProcurementView, lang: Lang) -> Table:
    """The procurement's checklist as a table for a tender annex, in ``lang``: every
    applicable item with its area, its text, its status and note."""
    rows = []
    for item_id, entry in shown.checklist.items():
        item = ITEMS[item_id]
        rows.append([
            item.id, _pick(AREAS[item.area], lang), item.ja if lang == "ja" else item.en,
            _pick(APPLIES[item.applies], lang), _pick(STATUSES[entry.status], lang),
            entry.note,
        ])  # fmt: skip
    kind = _pick(KINDS[shown.kind], lang)
    label = ("調達", "種類", "番号") if lang == "ja" else ("Procurement", "Kind", "Reference")
    preamble = [
        [label[0], shown.title],
        [label[1], kind],
        [label[2], shown.reference],
        [_pick(OUR_WORDING, lang)],
    ]
    return Table(title="checklist", header=ANNEX_HEADER[lang], rows=rows, preamble=preamble)


def annex_csv(shown: ProcurementView, lang: Lang) -> str:
    """The annex as CSV (UTF-8 with a BOM for spreadsheet software; a cell that starts
    like a formula is kept as text)."""
    return "\ufeff" + csv_text(annex_table(shown, lang))
