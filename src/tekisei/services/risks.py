"""The risk register: risks per system, treatments, executive acceptance, heat maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.risks import (
    RISK_TAXONOMY,
    RiskFields,
    RiskStatus,
    Treatment,
    heat_map,
    level,
    unknown_taxonomy,
)
from tekisei.db.audit import AuditEventRow
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version, merge
from tekisei.services.orgs import approver_facts
from tekisei.services.owners import OwnerView, check_owner, check_owner_text, owner_email
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible, visible_row, visible_system

FIELDS = tuple(RiskFields.model_fields)
SHOWN_AS = {"owner_id": "owner", "owner_text": "owner"}
"""Fields a risk's history names by another name: both are who owns it."""
SORTS = {"-inherent", "inherent", "-residual", "residual", "due", "title", "-updated"}


class RiskView(RiskFields):
    """A risk as readers see it."""

    id: int
    system_id: int
    inherent_score: int
    inherent_level: str
    residual_score: int | None
    residual_level: str | None
    status: RiskStatus
    accepted_by: int | None
    accepted_at: datetime | None
    acceptance_note: str | None
    acceptor_added_by: str | None = None
    """Who made the accepting executive a member (separation of duties)."""
    owner: OwnerView | None = None
    """Who owns the risk, as the reader is shown them (``owner_id``, or ``owner_text``)."""
    created_at: datetime
    updated_at: datetime
    version: int


class HeatMap(BaseModel):
    """Counts of risks per likelihood × impact cell, before and after treatment."""

    inherent: list[list[int]]
    residual: list[list[int]]
    total: int


def _fields(row: RiskRow) -> RiskFields:
    return RiskFields.model_validate({name: getattr(row, name) for name in FIELDS})


def view(row: RiskRow, actors: ActorNames) -> RiskView:
    """The reader's view of ``row`` (``actors``: how people are shown to the reader)."""
    return RiskView(
        **_fields(row).model_dump(),
        id=row.id,
        system_id=row.system_id,
        inherent_score=row.inherent,
        inherent_level=level(row.inherent).value,
        residual_score=row.residual,
        residual_level=level(row.residual).value if row.residual is not None else None,
        status=RiskStatus(row.status),
        accepted_by=row.accepted_by,
        accepted_at=row.accepted_at,
        acceptance_note=row.acceptance_note,
        acceptor_added_by=actors(row.acceptor_added_by),
        owner=actors.owner(row.owner_id, row.owner_text),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def known_taxonomy(session: Session) -> set[str]:
    """The ids of the risk taxonomy (``social.bias`` …).

    Raises:
        NotFoundError: the taxonomy is not loaded.
    """
    known = set(
        session.scalars(
            select(CatalogNodeRow.ref).where(CatalogNodeRow.framework_id == RISK_TAXONOMY)
        )
    )
    if not known:
        raise NotFoundError(
            f"the risk taxonomy {RISK_TAXONOMY} is not loaded; run 'tekisei catalog load'",
            ja=f"リスク分類 {RISK_TAXONOMY} が読み込まれていません。"
            "tekisei catalog load を実行してください。",
        )
    return known


def _check_taxonomy(session: Session, ids: list[str]) -> None:
    unknown = unknown_taxonomy(ids, known_taxonomy(session))
    if unknown:
        raise InvalidInputError(
            f"unknown risk ids: {', '.join(unknown)}; use ids of {RISK_TAXONOMY} such as "
            "social.bias (see 'tekisei catalog show tekisei-risks-1')",
            ja=f"不明なリスクID: {'、'.join(unknown)}。{RISK_TAXONOMY} のID（例: social.bias）を"
            "指定してください。",
            field="taxonomy",
        )


def _apply(row: RiskRow, fields: RiskFields) -> None:
    for name, value in fields.model_dump().items():
        setattr(row, name, value.value if isinstance(value, Treatment) else value)
    row.inherent = fields.inherent
    row.residual = fields.residual


def _status_after_edit(fields: RiskFields) -> RiskStatus:
    if fields.treatment in (Treatment.MITIGATE, Treatment.AVOID, Treatment.TRANSFER):
        return RiskStatus.TREATING
    return RiskStatus.OPEN


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def add_risk(session: Session, principal: Principal, system_id: int, fields: RiskFields) -> RiskRow:
    """Add a risk to a system's register. Accepting it is a separate executive decision.

    Raises:
        PermissionDeniedError: the role may not write risks.
        NotFoundError: the system is not visible.
        InvalidInputError: unknown taxonomy ids, or an owner who is not a member of the
            organisation (or written as text).
    """
    system = visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_RISKS)
    _check_taxonomy(session, fields.taxonomy)
    check_owner_text(fields.owner_text, "")
    check_owner(session, principal, fields.owner_id)
    now = datetime.now(UTC)
    row = RiskRow(
        org_id=principal.org_id,
        system_id=system.id,
        created_at=now,
        updated_at=now,
        version=1,
        status=_status_after_edit(fields).value,
    )
    _apply(row, fields)
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "risk.create",
        "risk",
        row.id,
        {
            "system": system.id,
            "after": fields.model_dump(mode="json")
            | {"owner_email": owner_email(session, fields.owner_id)},
        },
    )
    return row


def visible_risk(session: Session, principal: Principal, risk_id: int) -> RiskRow:
    """A risk whose system the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    return visible_row(
        session,
        principal,
        session.get(RiskRow, risk_id),
        NotFoundError(
            f"no risk {risk_id} in this organisation",
            ja=f"この組織にリスク {risk_id} はありません。",
        ),
    )


def update_risk(
    session: Session, principal: Principal, risk_id: int, changes: dict[str, Any], version: int
) -> RiskRow:
    """Change a risk. Changing the scores or treatment of an accepted risk withdraws the
    acceptance, since the executive accepted something else. Choosing an owner
    (``owner_id``) replaces an owner written as text before.

    Raises:
        ConflictError: ``version`` is not current.
        InvalidInputError: invalid values or unknown fields, or a new owner who is not a
            member of the organisation (or written as text).
    """
    row = visible_risk(session, principal, risk_id)
    require(principal, Permission.WRITE_RISKS)
    check_version("リスク", risk_id, version, row.version, kind_en="risk")
    before = _fields(row)
    change = merge(before, changes)
    if change.after.owner_id is not None and change.after.owner_text:
        change = merge(before, changes | {"owner_text": ""})
    after = change.after
    if after.taxonomy != before.taxonomy:
        _check_taxonomy(session, after.taxonomy)
    check_owner_text(after.owner_text, before.owner_text)
    check_owner(session, principal, after.owner_id, before.owner_id)
    if not change.fields:
        return row
    changed = change.fields
    summary: dict[str, Any] = dict(change.summary)
    if "owner_id" in changed:  # the audit log records people by email
        summary["before"]["owner_email"] = owner_email(session, before.owner_id)
        summary["after"]["owner_email"] = owner_email(session, after.owner_id)
    material = {"likelihood", "impact", "residual_likelihood", "residual_impact", "treatment"}
    if row.status == RiskStatus.ACCEPTED.value and material & set(changed):
        row.accepted_by = None
        row.accepted_at = None
        row.acceptance_note = None
        row.acceptor_added_by = None
        summary["acceptance_withdrawn"] = True
    if row.status != RiskStatus.CLOSED.value and (
        row.status != RiskStatus.ACCEPTED.value or summary.get("acceptance_withdrawn")
    ):
        row.status = _status_after_edit(after).value
    _apply(row, after)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    audit.record(
        session, _org(session, principal), principal.email, "risk.update", "risk", row.id, summary
    )
    return row


def accept_risk(
    session: Session, principal: Principal, risk_id: int, note: str, version: int
) -> RiskRow:
    """Accept a risk's residual level: the executive's recorded decision (1(3)①).

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: ``version`` is not current.
        InvalidInputError: no residual assessment yet, or no reason given.
    """
    row = visible_risk(session, principal, risk_id)
    require(principal, Permission.ACCEPT_RISK)
    check_version("リスク", risk_id, version, row.version, kind_en="risk")
    if row.residual is None:
        raise InvalidInputError(
            "assess the residual likelihood and impact before accepting the risk",
            ja="受容する前に、対策後の発生可能性と影響度を評価してください。",
        )
    if not note.strip():
        raise InvalidInputError(
            "give the reason for accepting the risk", ja="リスクを受容する理由を記入してください。"
        )
    facts = approver_facts(session, principal)
    row.status = RiskStatus.ACCEPTED.value
    row.accepted_by = principal.user_id
    row.accepted_at = datetime.now(UTC)
    row.acceptance_note = note.strip()
    row.acceptor_added_by = facts["approver_added_by"]
    row.version += 1
    row.updated_at = row.accepted_at
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "risk.accept",
        "risk",
        row.id,
        {
            "residual": row.residual,
            "residual_level": level(row.residual).value,
            "note": row.acceptance_note,
            **facts,
            "subject_created_by": _creator(session, row),
        },
    )
    return row


def _creator(session: Session, row: RiskRow) -> str | None:
    """Who added the risk, as the audit log recorded it."""
    return session.scalars(
        select(AuditEventRow.actor)
        .where(
            AuditEventRow.org_id == row.org_id,
            AuditEventRow.action == "risk.create",
            AuditEventRow.object_id == str(row.id),
        )
        .order_by(AuditEventRow.seq)
        .limit(1)
    ).first()


CURRENT = "current"
"""The status filter for every risk not closed, as the heat maps count them."""


@dataclass(frozen=True)
class HeatCell:
    """One cell of a heat map: a likelihood and an impact (1–5), before or after treatment."""

    likelihood: int
    impact: int
    residual: bool = False

    def __post_init__(self) -> None:
        if not (1 <= self.likelihood <= 5 and 1 <= self.impact <= 5):
            raise InvalidInputError(
                "likelihood and impact are whole numbers from 1 to 5",
                ja="発生可能性と影響度は 1 から 5 の整数です。",
            )


def list_risks(
    session: Session,
    principal: Principal,
    *,
    system_id: int | None = None,
    status: str | None = None,
    min_level: str | None = None,
    taxonomy: str | None = None,
    cell: HeatCell | None = None,
    sort: str = "-inherent",
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[RiskRow]]:
    """Risks the principal may see, filtered, sorted and paged, with the total count.

    ``status`` ``current`` means every status but closed (what the heat maps count);
    ``cell`` keeps the risks in one heat-map cell, before or after treatment.
    """
    require(principal, Permission.READ)
    if sort not in SORTS:
        raise InvalidInputError(
            f"sort must be one of {', '.join(sorted(SORTS))}",
            ja=f"並べ替えは {', '.join(sorted(SORTS))} のいずれかです。",
        )
    query = _visible_risks(principal)
    if system_id is not None:
        visible_system(session, principal, system_id)
        query = query.where(RiskRow.system_id == system_id)
    if status == CURRENT:
        query = query.where(RiskRow.status != RiskStatus.CLOSED.value)
    elif status:
        query = query.where(RiskRow.status == status)
    if cell is not None:
        if cell.residual:
            query = query.where(
                RiskRow.residual_likelihood == cell.likelihood,
                RiskRow.residual_impact == cell.impact,
            )
        else:
            query = query.where(
                RiskRow.likelihood == cell.likelihood, RiskRow.impact == cell.impact
            )
    if min_level:
        floor = {"low": 1, "medium": 5, "high": 10, "critical": 15}.get(min_level)
        if floor is None:
            raise InvalidInputError(
                "min_level is low, medium, high or critical",
                ja="min_level は low、medium、high、critical のいずれかです。",
            )
        query = query.where(RiskRow.inherent >= floor)
    rows = list(session.scalars(query))
    if taxonomy:
        rows = [
            r
            for r in rows
            if any(t == taxonomy or t.startswith(taxonomy + ".") for t in r.taxonomy)
        ]
    rows.sort(key=lambda r: _sort_key(r, sort.lstrip("-")), reverse=sort.startswith("-"))
    return len(rows), rows[offset : offset + limit]


def _sort_key(row: RiskRow, key: str) -> Any:
    if key == "due":
        return (row.due or date.max, row.id)
    if key == "title":
        return (row.title, row.id)
    if key == "updated":
        return (row.updated_at, row.id)
    value = row.residual if key == "residual" else row.inherent
    return (value if value is not None else -1, row.id)


def _visible_risks(principal: Principal) -> Any:
    return select(RiskRow).where(visible(principal, RiskRow.org_id, RiskRow.system_id))


def risk_heat_map(session: Session, principal: Principal, system_id: int | None = None) -> HeatMap:
    """Heat-map counts for one system, or the whole organisation when ``system_id`` is None."""
    require(principal, Permission.READ)
    query = _visible_risks(principal).where(RiskRow.status != RiskStatus.CLOSED.value)
    if system_id is not None:
        visible_system(session, principal, system_id)
        query = query.where(RiskRow.system_id == system_id)
    rows = list(session.scalars(query))
    residual = [
        (r.residual_likelihood, r.residual_impact)
        for r in rows
        if r.residual_likelihood is not None and r.residual_impact is not None
    ]
    return HeatMap(
        inherent=heat_map([(r.likelihood, r.impact) for r in rows]),
        residual=heat_map(residual),
        total=len(rows),
    )


def system_for(session: Session, row: RiskRow) -> SystemRow:
    """The system a risk belongs to."""
    system = session.get(SystemRow, row.system_id)
    assert system is not None
    return system


class RiskEventOut(BaseModel):
    """One change in a risk's history, as its readers see it."""

    at: datetime
    actor: str
    action: str
    """``risk.create``, ``risk.update`` or ``risk.accept``."""
    changed: list[str]
    """The fields the change touched (for an update); ``owner`` for a change of owner."""
    note: str | None = None
    """The reason given with an acceptance."""


def risk_history(session: Session, principal: Principal, risk_id: int) -> list[RiskEventOut]:
    """Who recorded, changed and accepted the risk, oldest first. Part of the risk, so
    every role that may read the risk sees it (with people shown as ``ActorNames`` shows
    them), not only the roles that read the audit log."""
    row = visible_risk(session, principal, risk_id)
    actors = ActorNames(session, principal)
    events = session.scalars(
        select(AuditEventRow)
        .where(
            AuditEventRow.org_id == row.org_id,
            AuditEventRow.object_type == "risk",
            AuditEventRow.object_id == str(row.id),
        )
        .order_by(AuditEventRow.seq)
    )
    out: list[RiskEventOut] = []
    for event in events:
        summary = event.summary if isinstance(event.summary, dict) else {}
        after = summary.get("after")
        changed = sorted(after) if isinstance(after, dict) and event.action != "risk.create" else []
        note = summary.get("note") if event.action == "risk.accept" else None
        out.append(
            RiskEventOut(
                at=datetime.fromisoformat(event.at),
                actor=actors(event.actor) or "",
                action=event.action,
                changed=sorted({SHOWN_AS.get(n, n) for n in changed if n in FIELDS}),
                note=str(note) if note is not None else None,
            )
        )
    return out
