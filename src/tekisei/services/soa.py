"""The ISO/IEC 42001 Statement of Applicability of an organisation (guideline 2(1), fn 16):
what it states about each of the 38 controls of Annex A, changed one control at a time.

Every change is checked against the version of the control the writer read (a stale one is
refused and nothing is overwritten), makes the statement's next version, is kept as
written and leaves an audit event. The statement covers every system of the organisation,
so the roles that see every system read it; an external tester, who sees only the systems
assigned to them, does not. Roles that answer assessments write it; an executive approves
it (``services/soa_approvals.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerState
from tekisei.core.catalog import urn
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.soa import (
    CONTROL_PATTERN,
    FIELDS,
    FRAMEWORK,
    MAX_TEXT,
    ControlFields,
    ControlLine,
)
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.soa import SoaChangeRow, SoaControlRow, SoaRow
from tekisei.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import audit, scope, soa_views
from tekisei.services.changes import check_version, merge
from tekisei.services.owners import OwnerView, check_owner, owner_email
from tekisei.services.people import ActorNames


class ChangeOut(BaseModel):
    """One change of the statement: the control's fields as they became."""

    soa_version: int
    control: str
    control_version: int
    applicable: bool
    justification: str
    notes: str
    owner: OwnerView | None
    changed: list[str]
    changed_by: str
    changed_at: datetime


class ControlView(BaseModel):
    """One control as it stands, with every change made to it (newest first)."""

    soa_version: int
    control: ControlLine
    history: list[ChangeOut]


def readable(principal: Principal) -> None:
    """Refuse a principal who may not read the statement.

    Raises:
        PermissionDeniedError: an external tester (the statement covers every system).
    """
    require(principal, Permission.READ)
    if not scope.sees_every_system(principal):
        raise PermissionDeniedError(
            "the Statement of Applicability covers every system of the organisation; an "
            "external tester sees only the systems assigned to them",
            ja="適用宣言書は組織の全てのAIシステムにわたるため、割り当てられたシステムだけを"
            "見る外部テスターは閲覧できません。",
        )


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def control_node(session: Session, control: str) -> CatalogNodeRow:
    """The control ``control`` (``A.6.2.4``) of Annex A.

    Raises:
        NotFoundError: no such control.
    """
    cleaned = control.strip()
    node = None
    if re.fullmatch(CONTROL_PATTERN, cleaned):
        node = session.scalars(
            select(CatalogNodeRow).where(
                CatalogNodeRow.urn == urn(FRAMEWORK, cleaned), CatalogNodeRow.assessable
            )
        ).first()
    if node is None:
        shown = cleaned[:20]
        raise NotFoundError(
            f"ISO/IEC 42001 Annex A has no control {shown!r}; controls run from A.2.2 to A.10.4",
            ja=f"ISO/IEC 42001 附属書Aに管理策「{shown}」はありません（A.2.2〜A.10.4）。",
        )
    return node


def _row(session: Session, org_id: int, control_urn: str) -> SoaControlRow | None:
    return session.scalars(
        select(SoaControlRow).where(
            SoaControlRow.org_id == org_id, SoaControlRow.control_urn == control_urn
        )
    ).first()


def head(session: Session, org_id: int) -> SoaRow | None:
    """The organisation's statement row (None until a control is first stated)."""
    return session.scalars(select(SoaRow).where(SoaRow.org_id == org_id)).first()


def lock(session: Session, principal: Principal) -> OrgRow:
    """The organisation, locked (PostgreSQL) so that changes of its statement are made one
    after another: versions are then checked against what the last writer left."""
    org = _org(session, principal)
    session.refresh(org, with_for_update={"key_share": True})
    return org


def _checked(changes: dict[str, Any]) -> None:
    """Refuse what the fields' own limits refuse, with words for people."""
    for name in ("justification", "notes"):
        value = changes.get(name)
        if isinstance(value, str) and len(value.strip()) > MAX_TEXT:
            raise InvalidInputError(
                f"{name} is longer than {MAX_TEXT} characters",
                ja=f"{'理由' if name == 'justification' else 'メモ'}が長すぎます"
                f"（{MAX_TEXT}文字まで）。",
                field=name,
            )


def set_control(
    session: Session, principal: Principal, control: str, changes: dict[str, Any], version: int
) -> SoaControlRow | None:
    """Change what the statement says about one control (any of ``applicable``,
    ``justification``, ``notes``, ``owner_id``); ``version`` is the control's version the
    caller read (0 for a control nothing was stated about yet). Nothing changed, nothing
    is written.

    Raises:
        PermissionDeniedError: the role may not answer assessments, or is an external
            tester.
        NotFoundError: no such control.
        ConflictError: ``version`` is not current.
        InvalidInputError: unknown fields, an excluded control without a justification,
            too long a text, or an owner who is not a member.
    """
    readable(principal)
    require(principal, Permission.WRITE_ASSESSMENTS)
    node = control_node(session, control)
    org = lock(session, principal)
    row = _row(session, principal.org_id, node.urn)
    check_version("管理策", node.ref, version, row.version if row else 0, kind_en="control")
    before = soa_views.stated_fields(row)
    _checked(changes)
    after = before.model_dump() | {k: v for k, v in changes.items() if k in FIELDS}
    if not after.get("applicable", True) and not str(after.get("justification") or "").strip():
        raise InvalidInputError(
            "say why the control does not apply: excluding a control needs a justification",
            ja="この管理策を適用しない理由を記入してください（適用除外には理由が必要です）。",
            field="justification",
        )
    change = merge(before, changes)
    check_owner(session, principal, change.after.owner_id, before.owner_id)
    if not change.fields:
        return row
    now = datetime.now(UTC)
    statement = head(session, principal.org_id)
    if statement is None:
        statement = SoaRow(
            org_id=principal.org_id,
            version=0,
            created_at=now,
            updated_at=now,
            updated_by=principal.email,
        )
        session.add(statement)
    statement.version += 1
    statement.updated_at = now
    statement.updated_by = principal.email
    values = change.after.model_dump(mode="json")
    if row is None:
        row = SoaControlRow(
            org_id=principal.org_id, control_urn=node.urn, version=1, **values
        )  # fmt: skip
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
    row.updated_at = now
    row.updated_by = principal.email
    session.flush()
    session.add(
        SoaChangeRow(
            org_id=principal.org_id,
            soa_version=statement.version,
            control_urn=node.urn,
            control_version=row.version,
            fields=values,
            changed=change.fields,
            changed_by=principal.email,
            changed_at=now,
        )
    )
    summary = change.summary
    if "owner_id" in change.fields:
        summary["before"]["owner_email"] = owner_email(session, before.owner_id)
        summary["after"]["owner_email"] = owner_email(session, change.after.owner_id)
    audit.record(
        session,
        org,
        principal.email,
        "soa.update",
        "soa_control",
        node.ref,
        {"version": row.version, "soa_version": statement.version, **summary},
    )
    return row


def current_version(session: Session, principal: Principal) -> int:
    """The statement's version (0 before anything was stated)."""
    found = head(session, principal.org_id)
    return found.version if found else 0


def _change_out(row: SoaChangeRow, actors: ActorNames) -> ChangeOut:
    fields = ControlFields.model_validate(row.fields)
    return ChangeOut(
        soa_version=row.soa_version,
        control=row.control_urn.rsplit(":", 1)[1],
        control_version=row.control_version,
        applicable=fields.applicable,
        justification=fields.justification,
        notes=fields.notes,
        owner=actors.owner(fields.owner_id),
        changed=list(row.changed),
        changed_by=actors(row.changed_by) or "",
        changed_at=row.changed_at,
    )


def history(
    session: Session, principal: Principal, control: str | None = None, limit: int = 200
) -> list[ChangeOut]:
    """The statement's changes, newest first (of one control, when given): each change
    is one version of the statement.

    Raises:
        PermissionDeniedError: an external tester.
        NotFoundError: no such control.
    """
    readable(principal)
    query = select(SoaChangeRow).where(SoaChangeRow.org_id == principal.org_id)
    if control is not None:
        query = query.where(SoaChangeRow.control_urn == control_node(session, control).urn)
    rows = session.scalars(query.order_by(SoaChangeRow.soa_version.desc()).limit(limit))
    actors = ActorNames(session, principal)
    return [_change_out(r, actors) for r in rows]


def control_view(session: Session, principal: Principal, control: str) -> ControlView:
    """One control as it stands, with its history.

    Raises:
        PermissionDeniedError: an external tester.
        NotFoundError: no such control.
    """
    readable(principal)
    node = control_node(session, control)
    statement = soa_views.statement(session, principal)
    line = next(c for c in statement.controls if c.urn == node.urn)
    return ControlView(
        soa_version=statement.version,
        control=line,
        history=history(session, principal, node.ref),
    )


def matches(line: ControlLine, state: AnswerState | None, applicable: bool | None) -> bool:
    """Whether a control passes a filter by state and by applicability."""
    return (state is None or line.state is state) and (
        applicable is None or line.applicable is applicable
    )
