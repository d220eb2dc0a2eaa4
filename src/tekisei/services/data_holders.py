"""The data-holder register of an organisation (guideline 2(5): care for the holders of the
data an AI system learns from or uses, such as intellectual-property holders).

A data holder belongs to the organisation and is linked to the organisation's dataset
records that hold its data. Every role of the organisation reads the register except
external testers, for whom it does not exist (everything in it, the list included, is "not
found"). Roles that write systems (administrators and editors) add, change and archive
holders, and they alone see a holder's contact, which is personal data; the audit log
records that a contact changed, never the contact itself. Every change is checked against
the version the writer read and audited. A holder is archived, never deleted. The
communication log and the benefit-return arrangements are in
``services/data_holder_logs.py``.

A holder linked to a dataset record of a system is evidence for 2(5) in that system's open
guideline assessment (``services/transparency.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.data_holders import MAX_HOLDERS, DataHolderFields, HolderKind, Right
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, can, require
from tekisei.db.data_holders import DataHolderDatasetRow, DataHolderRow
from tekisei.db.orgs import OrgRow
from tekisei.db.records import DatasetRecordRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, scope, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.people import ActorNames

_KIND_JA = "データ保有者"
_KIND_EN = "data holder"
MAX_CHOICES = 500
"""Dataset records offered in a form at most."""


class LinkedDataset(BaseModel):
    """A dataset record a holder is linked to, as the register shows it."""

    id: int
    name: str
    system_id: int


class DataHolderView(BaseModel):
    """A data holder as one reader sees it (``contact`` is None for roles that may not see
    it)."""

    id: int
    name: str
    kind: HolderKind
    data: str
    rights: list[Right]
    interests: str
    contact: str | None
    datasets: list[LinkedDataset]
    archived_at: datetime | None
    evidence_id: int | None
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


def sees_contacts(principal: Principal) -> bool:
    """Whether the principal sees holders' contacts (administrators and editors)."""
    return can(principal.role, Permission.WRITE_SYSTEMS)


def org_of(session: Session, principal: Principal) -> OrgRow:
    """The principal's organisation."""
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(holder_id: int) -> NotFoundError:
    return NotFoundError(
        f"no data holder {holder_id} in this organisation",
        ja=f"この組織にデータ保有者 {holder_id} はありません。",
    )


def reads_register(principal: Principal) -> None:
    """Check the principal may read the register.

    Raises:
        NotFoundError: an external tester, for whom the register does not exist.
    """
    require(principal, Permission.READ)
    if not scope.sees_every_system(principal):
        raise NotFoundError(
            "this organisation has no data-holder register you can see",
            ja="この組織に、閲覧できるデータ保有者の一覧はありません。",
        )


def get_holder(session: Session, principal: Principal, holder_id: int) -> DataHolderRow:
    """A data holder of the principal's organisation.

    Raises:
        NotFoundError: no such holder here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(DataHolderRow, holder_id)
    if row is None or row.org_id != principal.org_id or not scope.sees_every_system(principal):
        raise _not_found(holder_id)
    return row


def writable(session: Session, principal: Principal, holder_id: int) -> DataHolderRow:
    """A holder the principal may change.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: the holder is archived.
    """
    row = get_holder(session, principal, holder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    if row.archived_at is not None:
        raise ConflictError(
            f"data holder {holder_id} is archived and can no longer change",
            ja=f"データ保有者 {holder_id} はアーカイブ済みのため変更できません。",
        )
    return row


def datasets_of(session: Session, row: DataHolderRow) -> list[DatasetRecordRow]:
    """The dataset records a holder is linked to, by name."""
    return list(
        session.scalars(
            select(DatasetRecordRow)
            .join(DataHolderDatasetRow, DataHolderDatasetRow.dataset_id == DatasetRecordRow.id)
            .where(DataHolderDatasetRow.holder_id == row.id)
            .order_by(DatasetRecordRow.name, DatasetRecordRow.id)
        )
    )


def fields_of(session: Session, row: DataHolderRow) -> DataHolderFields:
    """What a person wrote about a holder."""
    return DataHolderFields(
        name=row.name,
        kind=HolderKind(row.kind),
        data=row.data,
        rights=[Right(r) for r in row.rights],
        interests=row.interests,
        contact=row.contact,
        datasets=[d.id for d in datasets_of(session, row)],
    )


def view(
    session: Session, principal: Principal, row: DataHolderRow, actors: ActorNames
) -> DataHolderView:
    """The reader's view of a holder."""
    fields = fields_of(session, row)
    return DataHolderView(
        **fields.model_dump(exclude={"contact", "datasets"}),
        contact=fields.contact if sees_contacts(principal) else None,
        datasets=[
            LinkedDataset(id=d.id, name=d.name, system_id=d.system_id)
            for d in datasets_of(session, row)
        ],
        id=row.id,
        archived_at=row.archived_at,
        evidence_id=row.evidence_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "",
        version=row.version,
    )


def _check_datasets(session: Session, principal: Principal, dataset_ids: list[int]) -> set[int]:
    """The systems of the named dataset records, all of which must be the organisation's."""
    if not dataset_ids:
        return set()
    rows = session.execute(
        select(DatasetRecordRow.id, DatasetRecordRow.system_id).where(
            DatasetRecordRow.org_id == principal.org_id, DatasetRecordRow.id.in_(dataset_ids)
        )
    )
    known: dict[int, int] = {row.id: row.system_id for row in rows}
    missing = [str(d) for d in dataset_ids if d not in known]
    if missing:
        raise NotFoundError(
            f"no dataset record {', '.join(missing)} in this organisation",
            ja=f"この組織にデータセット記録 {'、'.join(missing)} はありません。",
        )
    return set(known.values())


def _audited(fields: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a holder's fields: the contact (personal data) only as
    whether there is one."""
    return {k: (bool(v) if k == "contact" else v) for k, v in fields.items()}


def _link(session: Session, principal: Principal, evidence_id: int, systems: set[int]) -> None:
    for system_id in sorted(systems):
        transparency.link(session, principal, system_id, evidence_id, "data_holder")


def _set_datasets(session: Session, row: DataHolderRow, dataset_ids: list[int]) -> None:
    session.execute(delete(DataHolderDatasetRow).where(DataHolderDatasetRow.holder_id == row.id))
    for dataset_id in dataset_ids:
        session.add(
            DataHolderDatasetRow(org_id=row.org_id, holder_id=row.id, dataset_id=dataset_id)
        )
    session.flush()


def add_holder(session: Session, principal: Principal, fields: DataHolderFields) -> DataHolderRow:
    """Add a data holder to the organisation's register.

    Raises:
        NotFoundError: an external tester, or a linked dataset record is not the
            organisation's.
        PermissionDeniedError: the role may not write systems.
        InvalidInputError: the register holds :data:`MAX_HOLDERS` already.
    """
    reads_register(principal)
    require(principal, Permission.WRITE_SYSTEMS)
    systems = _check_datasets(session, principal, fields.datasets)
    held = session.scalar(
        select(func.count(DataHolderRow.id)).where(DataHolderRow.org_id == principal.org_id)
    )
    if (held or 0) >= MAX_HOLDERS:
        raise InvalidInputError(
            f"an organisation holds at most {MAX_HOLDERS} data holders, archived ones "
            "included; change one that no longer applies instead of adding another",
            ja=f"データ保有者は1組織につき{MAX_HOLDERS}件（アーカイブ済みを含む）までです。"
            "不要になったものを書き換えてお使いください。",
        )
    now = datetime.now(UTC)
    data = fields.model_dump(mode="json", exclude={"datasets"})
    row = DataHolderRow(
        org_id=principal.org_id, **data, archived_at=None, created_at=now, updated_at=now,
        updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _set_datasets(session, row, fields.datasets)
    audit.record(
        session, org_of(session, principal), principal.email, "data_holder.create",
        "data_holder", row.id, {"after": _audited(fields.model_dump(mode="json"))},
    )  # fmt: skip
    evidence = transparency.reference(
        session,
        principal,
        ref=f"data_holder:{row.id}",
        title=AutoNote.of(NoteKey.DATA_HOLDER_EVIDENCE, name=fields.name),
    )
    row.evidence_id = evidence.id
    session.flush()
    _link(session, principal, evidence.id, systems)
    return row


def update_holder(
    session: Session,
    principal: Principal,
    holder_id: int,
    changes: dict[str, Any],
    version: int,
) -> DataHolderRow:
    """Change a data holder (only the fields in ``changes``).

    Raises:
        NotFoundError: not visible, or a linked dataset record is not the organisation's.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or the holder is archived.
        InvalidInputError: unknown fields or invalid values.
    """
    row = get_holder(session, principal, holder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    row = writable(session, principal, holder_id)
    change = merge(fields_of(session, row), changes)
    if not change.fields:
        return row
    after = change.after
    systems = _check_datasets(session, principal, after.datasets)
    for name, value in after.model_dump(mode="json", exclude={"datasets"}).items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    if "datasets" in change.fields:
        _set_datasets(session, row, after.datasets)
    summary = {
        "version": row.version,
        "before": _audited(change.summary["before"]),
        "after": _audited(change.summary["after"]),
    }
    audit.record(
        session, org_of(session, principal), principal.email, "data_holder.update",
        "data_holder", row.id, summary,
    )  # fmt: skip
    if row.evidence_id is not None and "datasets" in change.fields:
        _link(session, principal, row.evidence_id, systems)
    return row


def archive_holder(
    session: Session, principal: Principal, holder_id: int, version: int
) -> DataHolderRow:
    """Archive a data holder: it stays in the register with its log and arrangements, but
    is no longer listed by default, changed or given to new assessments as evidence.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or it is archived already.
    """
    row = get_holder(session, principal, holder_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version(_KIND_JA, row.id, version, row.version, kind_en=_KIND_EN)
    row = writable(session, principal, holder_id)
    now = datetime.now(UTC)
    row.archived_at = now
    row.updated_at = now
    row.updated_by = principal.email
    row.version += 1
    session.flush()
    audit.record(
        session, org_of(session, principal), principal.email, "data_holder.archive",
        "data_holder", row.id, {"version": row.version},
    )  # fmt: skip
    return row


def list_holders(
    session: Session,
    principal: Principal,
    *,
    dataset_id: int | None = None,
    kind: HolderKind | None = None,
    right: Right | None = None,
    archived: bool = False,
) -> list[DataHolderRow]:
    """The organisation's data holders, by name: only those linked to ``dataset_id``, of
    ``kind`` and with ``right`` when given; archived ones only when ``archived``.

    Raises:
        NotFoundError: external testers, or ``dataset_id`` is not the organisation's.
    """
    reads_register(principal)
    query = select(DataHolderRow).where(DataHolderRow.org_id == principal.org_id)
    if dataset_id is not None:
        _check_datasets(session, principal, [dataset_id])
        query = query.where(
            DataHolderRow.id.in_(
                select(DataHolderDatasetRow.holder_id).where(
                    DataHolderDatasetRow.dataset_id == dataset_id
                )
            )
        )
    if kind is not None:
        query = query.where(DataHolderRow.kind == kind.value)
    if not archived:
        query = query.where(DataHolderRow.archived_at.is_(None))
    rows = list(session.scalars(query.order_by(DataHolderRow.name, DataHolderRow.id)))
    if right is not None:
        rows = [r for r in rows if right.value in r.rights]
    return rows


def dataset_choices(session: Session, principal: Principal) -> list[LinkedDataset]:
    """The organisation's dataset records a holder may be linked to, by name (for forms).

    Raises:
        NotFoundError: external testers.
    """
    reads_register(principal)
    rows = session.scalars(
        select(DatasetRecordRow)
        .where(DatasetRecordRow.org_id == principal.org_id)
        .order_by(DatasetRecordRow.name, DatasetRecordRow.id)
        .limit(MAX_CHOICES)
    )
    return [LinkedDataset(id=r.id, name=r.name, system_id=r.system_id) for r in rows]


def for_dataset(
    session: Session, principal: Principal, dataset_id: int
) -> list[DataHolderView] | None:
    """The holders (archived ones too) linked to a dataset record, for its page; None for
    external testers, who do not see the register.

    Raises:
        NotFoundError: the dataset record is not the organisation's.
    """
    if not scope.sees_every_system(principal):
        return None
    actors = ActorNames(session, principal)
    rows = list_holders(session, principal, dataset_id=dataset_id, archived=True)
    return [view(session, principal, r, actors) for r in rows]
