"""The communication log of a data holder and the arrangements returning benefits to it
(guideline 2(5): continuous communication with data holders; a benefit-return ecosystem).

Whoever reads the register (every role but external testers) reads both; administrators and
editors log communications and add and change arrangements, each change audited. A
communication is dated on the organisation's clock, never after today, and kept as written.
An arrangement is checked against the version the writer read; an archived holder gets
neither.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.data_holders import (
    MAX_BENEFITS,
    MAX_COMMUNICATIONS,
    BenefitFields,
    BenefitKind,
    BenefitStatus,
    Channel,
    CommunicationFields,
    in_the_future,
)
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.data_holders import DataHolderBenefitRow, DataHolderCommunicationRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit, policy_versions
from tekisei.services.changes import check_version, merge
from tekisei.services.data_holders import get_holder, org_of, writable
from tekisei.services.people import ActorNames


class CommunicationView(BaseModel):
    """One entry of a holder's communication log."""

    id: int
    holder_id: int
    happened_on: date
    channel: Channel
    summary: str
    outcome: str
    created_at: datetime
    created_by: str


class BenefitView(BaseModel):
    """One benefit-return arrangement."""

    id: int
    holder_id: int
    kind: BenefitKind
    recipient: str
    method: str
    since: date
    until: date | None
    status: BenefitStatus
    updated_at: datetime
    updated_by: str
    version: int


def communication_view(row: DataHolderCommunicationRow, actors: ActorNames) -> CommunicationView:
    """The reader's view of a communication."""
    return CommunicationView(
        id=row.id, holder_id=row.holder_id, happened_on=row.happened_on,
        channel=Channel(row.channel), summary=row.summary, outcome=row.outcome,
        created_at=row.created_at, created_by=actors(row.created_by) or "",
    )  # fmt: skip


def benefit_view(row: DataHolderBenefitRow, actors: ActorNames) -> BenefitView:
    """The reader's view of an arrangement."""
    return BenefitView(
        id=row.id, holder_id=row.holder_id, kind=BenefitKind(row.kind), recipient=row.recipient,
        method=row.method, since=row.since, until=row.until, status=BenefitStatus(row.status),
        updated_at=row.updated_at, updated_by=actors(row.updated_by) or "", version=row.version,
    )  # fmt: skip


def log_communication(
    session: Session,
    principal: Principal,
    holder_id: int,
    fields: CommunicationFields,
    *,
    now: datetime | None = None,
) -> DataHolderCommunicationRow:
    """Log a communication with a data holder (dated today on the organisation's clock when
    no date is given).

    Raises:
        NotFoundError: the holder is not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: the holder is archived.
        InvalidInputError: a date after today, or the log is full.
    """
    holder = writable(session, principal, holder_id)
    org = org_of(session, principal)
    today = policy_versions.today(session, org, now)
    day = fields.happened_on or today
    if in_the_future(day, today):
        raise InvalidInputError(
            f"{day.isoformat()} is after today ({today.isoformat()}) on the organisation's "
            "clock; log a communication once it has happened",
            ja=f"{day.isoformat()} は組織の時刻で今日（{today.isoformat()}）より後です。"
            "やり取りをしてから記録してください。",
            field="happened_on",
        )
    held = session.scalar(
        select(func.count(DataHolderCommunicationRow.id)).where(
            DataHolderCommunicationRow.holder_id == holder.id
        )
    )
    if (held or 0) >= MAX_COMMUNICATIONS:
        raise InvalidInputError(
            f"a data holder's log holds at most {MAX_COMMUNICATIONS} communications",
            ja=f"1つのデータ保有者に記録できるやり取りは{MAX_COMMUNICATIONS}件までです。",
        )
    entry = DataHolderCommunicationRow(
        org_id=holder.org_id, holder_id=holder.id, happened_on=day,
        channel=fields.channel.value, summary=fields.summary, outcome=fields.outcome,
        created_at=now or datetime.now(UTC), created_by=principal.email,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    audit.record(
        session, org, principal.email, "data_holder.communicate", "data_holder", holder.id,
        {"communication": entry.id, "day": day.isoformat(), "channel": entry.channel},
    )  # fmt: skip
    return entry


def communications(
    session: Session, principal: Principal, holder_id: int
) -> list[DataHolderCommunicationRow]:
    """A holder's communication log, newest first.

    Raises:
        NotFoundError: the holder is not visible.
    """
    holder = get_holder(session, principal, holder_id)
    return list(
        session.scalars(
            select(DataHolderCommunicationRow)
            .where(DataHolderCommunicationRow.holder_id == holder.id)
            .order_by(
                DataHolderCommunicationRow.happened_on.desc(), DataHolderCommunicationRow.id.desc()
            )
        )
    )


def add_benefit(
    session: Session, principal: Principal, holder_id: int, fields: BenefitFields
) -> DataHolderBenefitRow:
    """Add an arrangement returning benefits to a data holder.

    Raises:
        NotFoundError: the holder is not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: the holder is archived.
        InvalidInputError: the holder has :data:`MAX_BENEFITS` arrangements already.
    """
    holder = writable(session, principal, holder_id)
    held = session.scalar(
        select(func.count(DataHolderBenefitRow.id)).where(
            DataHolderBenefitRow.holder_id == holder.id
        )
    )
    if (held or 0) >= MAX_BENEFITS:
        raise InvalidInputError(
            f"a data holder has at most {MAX_BENEFITS} benefit arrangements; change one "
            "that has ended instead of adding another",
            ja=f"1つのデータ保有者への利益還元の取り決めは{MAX_BENEFITS}件までです。"
            "終了したものを書き換えてお使いください。",
        )
    now = datetime.now(UTC)
    row = DataHolderBenefitRow(
        org_id=holder.org_id, holder_id=holder.id, **fields.model_dump(mode="python"),
        created_at=now, updated_at=now, updated_by=principal.email, version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, org_of(session, principal), principal.email, "data_holder.add_benefit",
        "data_holder", holder.id, {"benefit": row.id, "after": fields.model_dump(mode="json")},
    )  # fmt: skip
    return row


def _benefit_not_found(benefit_id: int) -> NotFoundError:
    return NotFoundError(
        f"no benefit arrangement {benefit_id} in this organisation",
        ja=f"この組織に利益還元の取り決め {benefit_id} はありません。",
    )


def get_benefit(session: Session, principal: Principal, benefit_id: int) -> DataHolderBenefitRow:
    """An arrangement of a holder the principal sees.

    Raises:
        NotFoundError: no such arrangement here, or the principal is an external tester.
    """
    row = session.get(DataHolderBenefitRow, benefit_id)
    if row is None or row.org_id != principal.org_id:
        raise _benefit_not_found(benefit_id)
    try:
        get_holder(session, principal, row.holder_id)
    except NotFoundError:
        raise _benefit_not_found(benefit_id) from None
    return row


def _fields(row: DataHolderBenefitRow) -> BenefitFields:
    return BenefitFields(
        kind=BenefitKind(row.kind), recipient=row.recipient, method=row.method,
        since=row.since, until=row.until, status=BenefitStatus(row.status),
    )  # fmt: skip


def update_benefit(
    session: Session,
    principal: Principal,
    benefit_id: int,
    changes: dict[str, Any],
    version: int,
    *,
    holder_id: int | None = None,
) -> DataHolderBenefitRow:
    """Change an arrangement (only the fields in ``changes``), e.g. end it; when
    ``holder_id`` is given, the arrangement must be that holder's.

    Raises:
        NotFoundError: not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or the holder is archived.
        InvalidInputError: unknown fields or invalid values (an end before the start).
    """
    row = get_benefit(session, principal, benefit_id)
    if holder_id is not None and row.holder_id != holder_id:
        raise _benefit_not_found(benefit_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version("利益還元の取り決め", row.id, version, row.version, kind_en="benefit arrangement")
    writable(session, principal, row.holder_id)
    change = merge(_fields(row), changes)
    if not change.fields:
        return row
    for name, value in change.after.model_dump(mode="python").items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    audit.record(
        session, org_of(session, principal), principal.email, "data_holder.update_benefit",
        "data_holder", row.holder_id,
        {"benefit": row.id, "version": row.version, **change.summary},
    )  # fmt: skip
    return row


def benefits(session: Session, principal: Principal, holder_id: int) -> list[DataHolderBenefitRow]:
    """A holder's arrangements, newest start first.

    Raises:
        NotFoundError: the holder is not visible.
    """
    holder = get_holder(session, principal, holder_id)
    return list(
        session.scalars(
            select(DataHolderBenefitRow)
            .where(DataHolderBenefitRow.holder_id == holder.id)
            .order_by(DataHolderBenefitRow.since.desc(), DataHolderBenefitRow.id.desc())
        )
    )
