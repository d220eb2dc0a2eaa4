"""Training-data and model records per system (guideline 2(2), fn 17, 2(5)).

Every record is versioned: each change is checked against the version the writer read
(a stale one is refused, nothing is overwritten) and every version, the first included,
is kept as written. Roles that write systems add and change records; every role that sees
the system reads them. Each record is evidence in the system's guideline assessment
(``services/transparency.py``), and its disclosed fields feed the system's notice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.records import DatasetFields, Kind, ModelFields
from tekisei.db.orgs import OrgRow
from tekisei.db.records import DatasetRecordRow, ModelRecordRow, RecordVersionRow
from tekisei.errors import NotFoundError
from tekisei.services import audit, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible, visible_row, visible_system

RecordRow = ModelRecordRow | DatasetRecordRow
Fields = TypeVar("Fields", ModelFields, DatasetFields)

_TITLES: dict[Kind, NoteKey] = {
    "model": NoteKey.MODEL_RECORD_EVIDENCE,
    "dataset": NoteKey.DATASET_RECORD_EVIDENCE,
}
"""The title a record gets as evidence (worded per reader)."""

_NAMES: dict[Kind, tuple[str, str]] = {
    "model": ("AIモデルの記録", "model record"),
    "dataset": ("学習データの記録", "dataset record"),
}


class RecordMeta(BaseModel):
    """What every record carries besides what a person wrote."""

    id: int
    system_id: int
    evidence_id: int | None
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int


class ModelView(ModelFields, RecordMeta):
    """A model record as readers see it."""


class DatasetView(DatasetFields, RecordMeta):
    """A dataset record as readers see it."""


class RecordVersionOut(BaseModel):
    """One kept version of a record."""

    version: int
    fields: dict[str, Any]
    changed_by: str
    changed_at: datetime


def _kind(row: RecordRow) -> Kind:
    return "model" if isinstance(row, ModelRecordRow) else "dataset"


def model_fields(row: ModelRecordRow) -> ModelFields:
    """What a person wrote in a model record."""
    return ModelFields.model_validate({f: getattr(row, f) for f in ModelFields.model_fields})


def dataset_fields(row: DatasetRecordRow) -> DatasetFields:
    """What a person wrote in a dataset record."""
    return DatasetFields.model_validate({f: getattr(row, f) for f in DatasetFields.model_fields})


def _meta(row: RecordRow, actors: ActorNames) -> dict[str, Any]:
    return {
        "id": row.id,
        "system_id": row.system_id,
        "evidence_id": row.evidence_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "updated_by": actors(row.updated_by) or "",
        "version": row.version,
    }


def model_view(row: ModelRecordRow, actors: ActorNames) -> ModelView:
    """The reader's view of a model record."""
    return ModelView(**model_fields(row).model_dump(), **_meta(row, actors))


def dataset_view(row: DatasetRecordRow, actors: ActorNames) -> DatasetView:
    """The reader's view of a dataset record."""
    return DatasetView(**dataset_fields(row).model_dump(), **_meta(row, actors))


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _apply(row: RecordRow, fields: ModelFields | DatasetFields) -> None:
    for name, value in fields.model_dump(mode="json").items():
        setattr(row, name, value)


def _keep_version(session: Session, principal: Principal, row: RecordRow) -> None:
    fields = model_fields(row) if isinstance(row, ModelRecordRow) else dataset_fields(row)
    session.add(
        RecordVersionRow(
            org_id=row.org_id,
            system_id=row.system_id,
            kind=_kind(row),
            record_id=row.id,
            version=row.version,
            fields=fields.model_dump(mode="json"),
            changed_by=principal.email,
            changed_at=row.updated_at,
        )
    )


def _add(
    session: Session, principal: Principal, system_id: int, row: RecordRow, fields: Fields
) -> None:
    system = visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    now = datetime.now(UTC)
    row.org_id, row.system_id = principal.org_id, system.id
    row.created_at = row.updated_at = now
    row.updated_by = principal.email
    row.version = 1
    _apply(row, fields)
    session.add(row)
    session.flush()
    _keep_version(session, principal, row)
    kind = _kind(row)
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        f"{kind}_record.create",
        f"{kind}_record",
        row.id,
        {"system": system.id, "after": fields.model_dump(mode="json")},
    )
    evidence = transparency.reference(
        session,
        principal,
        ref=f"{kind}:{row.id}",
        title=AutoNote.of(_TITLES[kind], name=fields.name),
    )
    row.evidence_id = evidence.id
    session.flush()
    transparency.link(session, principal, system.id, evidence.id, kind)


def add_model(
    session: Session, principal: Principal, system_id: int, fields: ModelFields
) -> ModelRecordRow:
    """Record a model the system uses.

    Raises:
        NotFoundError: the system is not visible.
        PermissionDeniedError: the role may not write systems.
    """
    row = ModelRecordRow()
    _add(session, principal, system_id, row, fields)
    return row


def add_dataset(
    session: Session, principal: Principal, system_id: int, fields: DatasetFields
) -> DatasetRecordRow:
    """Record a dataset the system is trained on or uses.

    Raises:
        NotFoundError: the system is not visible.
        PermissionDeniedError: the role may not write systems.
    """
    row = DatasetRecordRow()
    _add(session, principal, system_id, row, fields)
    return row


def _not_found(kind: Kind, record_id: int) -> NotFoundError:
    return NotFoundError(
        f"no {_NAMES[kind][1]} {record_id} in this organisation",
        ja=f"この組織に{_NAMES[kind][0]} {record_id} はありません。",
    )


def visible_model(session: Session, principal: Principal, model_id: int) -> ModelRecordRow:
    """A model record whose system the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    row = session.get(ModelRecordRow, model_id)
    return visible_row(session, principal, row, _not_found("model", model_id))


def visible_dataset(session: Session, principal: Principal, dataset_id: int) -> DatasetRecordRow:
    """A dataset record whose system the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    row = session.get(DatasetRecordRow, dataset_id)
    return visible_row(session, principal, row, _not_found("dataset", dataset_id))


def _update(
    session: Session,
    principal: Principal,
    row: RecordRow,
    before: Fields,
    changes: dict[str, Any],
    version: int,
) -> None:
    require(principal, Permission.WRITE_SYSTEMS)
    kind = _kind(row)
    check_version(_NAMES[kind][0], row.id, version, row.version, kind_en=_NAMES[kind][1])
    change = merge(before, changes)
    if not change.fields:
        return
    _apply(row, change.after)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    _keep_version(session, principal, row)
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        f"{kind}_record.update",
        f"{kind}_record",
        row.id,
        {"system": row.system_id, "version": row.version, **change.summary},
    )


def update_model(
    session: Session, principal: Principal, model_id: int, changes: dict[str, Any], version: int
) -> ModelRecordRow:
    """Change a model record; the previous version is kept.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current.
        InvalidInputError: unknown fields or invalid values.
    """
    row = visible_model(session, principal, model_id)
    _update(session, principal, row, model_fields(row), changes, version)
    return row


def update_dataset(
    session: Session, principal: Principal, dataset_id: int, changes: dict[str, Any], version: int
) -> DatasetRecordRow:
    """Change a dataset record; the previous version is kept.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current.
        InvalidInputError: unknown fields or invalid values.
    """
    row = visible_dataset(session, principal, dataset_id)
    _update(session, principal, row, dataset_fields(row), changes, version)
    return row


def list_models(session: Session, principal: Principal, system_id: int) -> list[ModelRecordRow]:
    """The models recorded for a system, oldest first.

    Raises:
        NotFoundError: the system is not visible.
    """
    visible_system(session, principal, system_id)
    return list(
        session.scalars(
            select(ModelRecordRow)
            .where(
                visible(principal, ModelRecordRow.org_id, ModelRecordRow.system_id),
                ModelRecordRow.system_id == system_id,
            )
            .order_by(ModelRecordRow.id)
        )
    )


def list_datasets(session: Session, principal: Principal, system_id: int) -> list[DatasetRecordRow]:
    """The datasets recorded for a system, oldest first.

    Raises:
        NotFoundError: the system is not visible.
    """
    visible_system(session, principal, system_id)
    return list(
        session.scalars(
            select(DatasetRecordRow)
            .where(
                visible(principal, DatasetRecordRow.org_id, DatasetRecordRow.system_id),
                DatasetRecordRow.system_id == system_id,
            )
            .order_by(DatasetRecordRow.id)
        )
    )


def versions(session: Session, principal: Principal, row: RecordRow) -> list[RecordVersionOut]:
    """Every kept version of a visible record, newest first (people as the reader may see
    them)."""
    actors = ActorNames(session, principal)
    rows = session.scalars(
        select(RecordVersionRow)
        .where(
            RecordVersionRow.org_id == row.org_id,
            RecordVersionRow.kind == _kind(row),
            RecordVersionRow.record_id == row.id,
        )
        .order_by(RecordVersionRow.version.desc())
    )
    return [
        RecordVersionOut(
            version=v.version,
            fields=v.fields,
            changed_by=actors(v.changed_by) or "",
            changed_at=v.changed_at,
        )
        for v in rows
    ]
