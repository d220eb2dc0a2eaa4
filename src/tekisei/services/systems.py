"""The AI system inventory: register, update, list, and what the guideline asks of each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from tekisei.core.gates import gated
from tekisei.core.judgements import tier_reason
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.core.systems import (
    RECOMMENDED,
    Requirement,
    Stage,
    SystemFacts,
    Tier,
    TierReason,
    applicable,
    risk_tier,
)
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.orgs import OrgRow, UserRow
from tekisei.db.systems import SystemAssignmentRow, SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version, merge
from tekisei.services.orgs import membership, org_actors
from tekisei.services.scope import visible
from tekisei.services.scope import visible_system as visible_system  # where callers look

GUIDELINE = "jp-ai-appropriateness-2025"
SORTS = {"name", "-name", "tier", "-tier", "stage", "updated", "-updated"}
FACT_FIELDS = tuple(SystemFacts.model_fields)


class TierReasonOut(BaseModel):
    """Why a system has its tier."""

    code: str
    tier: str
    ja: str
    en: str


class SystemView(SystemFacts):
    """A system as readers see it: its facts, tier with reasons, and version."""

    id: int
    org: str
    tier: str
    tier_reasons: list[TierReasonOut]
    created_at: datetime
    updated_at: datetime
    version: int


class RequirementOut(BaseModel):
    """A guideline item that applies to a system."""

    urn: str
    section: str
    title_ja: str
    title_en: str
    group: str
    group_title_ja: str
    group_title_en: str
    recommended: bool = False
    """The guideline words it as possible or expected, not as a duty."""


def _facts(row: SystemRow) -> SystemFacts:
    return SystemFacts.model_validate({name: getattr(row, name) for name in FACT_FIELDS})


def facts_of(row: SystemRow) -> SystemFacts:
    """The facts recorded for ``row``."""
    return _facts(row)


def view(row: SystemRow, org_slug: str) -> SystemView:
    """The reader's view of ``row``: validated once, then given the tier and reasons its
    facts imply (a SystemView is a SystemFacts, so the rules read it directly)."""
    out = SystemView.model_validate(
        {name: getattr(row, name) for name in FACT_FIELDS}
        | {
            "id": row.id,
            "org": org_slug,
            "tier": "",
            "tier_reasons": [],
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "version": row.version,
        }
    )
    result = risk_tier(out, judged(row))
    out.tier = result.tier.label
    out.tier_reasons = [
        TierReasonOut(code=r.code, tier=r.tier.label, ja=r.ja, en=r.en) for r in result.reasons
    ]
    return out


def judged(row: SystemRow) -> TierReason | None:
    """The tier reason the system's signed high-risk DS-920 judgement gives, if any."""
    return tier_reason(row.judged_high_risk) if row.judged_high_risk else None


def _apply(row: SystemRow, facts: SystemFacts) -> None:
    for name, value in facts.model_dump(mode="json").items():
        setattr(row, name, value)
    row.tier = risk_tier(facts, judged(row)).tier.label


def register_system(session: Session, principal: Principal, facts: SystemFacts) -> SystemRow:
    """Add a system to the organisation's inventory.

    Raises:
        PermissionDeniedError: the role may not write systems.
    """
    require(principal, Permission.WRITE_SYSTEMS)
    now = datetime.now(UTC)
    row = SystemRow(org_id=principal.org_id, created_at=now, updated_at=now, version=1)
    _apply(row, facts)
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "system.create",
        "system",
        row.id,
        {"after": facts.model_dump(mode="json") | {"tier": row.tier}},
    )
    return row


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def gate_refusal(before: Stage, after: Stage) -> ConflictError | None:
    """Why a plain edit may not move a system from ``before`` to ``after`` (the move passes
    a lifecycle gate, which needs an executive's approval), or None when it may."""
    if not gated(before, after):
        return None
    return ConflictError(
        f"moving from {before.value} to {after.value} passes a lifecycle gate; "
        "request an executive's approval ('tekisei approvals request')",
        ja=f"{before.value} から {after.value} への移行には経営層の承認が必要です。"
        "承認を申請してください。",
    )


def update_system(
    session: Session, principal: Principal, system_id: int, changes: dict[str, Any], version: int
) -> SystemRow:
    """Change some facts of a system; the tier is recomputed.

    Raises:
        PermissionDeniedError: the role may not write systems.
        NotFoundError: not visible.
        ConflictError: ``version`` is not current (someone changed it meanwhile).
        InvalidInputError: the changed facts are invalid.
    """
    row = visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version("システム", system_id, version, row.version, kind_en="system")
    change = merge(_facts(row), changes)
    if not change.fields:
        return row
    refusal = gate_refusal(Stage(row.stage), change.after.stage)
    if "stage" in change.fields and refusal is not None:
        raise refusal
    old_tier = row.tier
    _apply(row, change.after)
    row.version += 1
    row.updated_at = datetime.now(UTC)
    summary = dict(change.summary)
    if old_tier != row.tier:
        summary["tier"] = {"before": old_tier, "after": row.tier}
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "system.update",
        "system",
        row.id,
        summary,
    )
    if {"models", "vendors"} & set(change.fields):
        # A model or vendor change reopens the PDCA review (1(3)④); imported here
        # because reviews builds on this module.
        from tekisei.core.reviews import Trigger
        from tekisei.services import reviews

        if {"models", "vendors"} <= set(change.fields):
            key = NoteKey.MODELS_VENDORS_CHANGED
        elif "models" in change.fields:
            key = NoteKey.MODELS_CHANGED
        else:
            key = NoteKey.VENDORS_CHANGED
        reviews.open_for(session, principal, row, Trigger.MODEL_CHANGE, AutoNote.of(key))
    return row


def list_systems(
    session: Session,
    principal: Principal,
    *,
    tier: str | None = None,
    stage: str | None = None,
    org_role: str | None = None,
    q: str | None = None,
    sort: str = "name",
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[SystemRow]]:
    """Systems the principal may see, filtered, sorted and paged, with the total count.

    Raises:
        InvalidInputError: an unknown sort key.
    """
    require(principal, Permission.READ)
    if sort not in SORTS:
        raise InvalidInputError(
            f"sort must be one of {', '.join(sorted(SORTS))}",
            ja=f"並べ替えは {', '.join(sorted(SORTS))} のいずれかです。",
        )
    query = select(SystemRow).where(visible(principal, SystemRow.org_id, SystemRow.id))
    if tier:
        query = query.where(SystemRow.tier == tier)
    if stage:
        query = query.where(SystemRow.stage == stage)
    if org_role:
        query = query.where(SystemRow.org_role == org_role)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                SystemRow.name.ilike(pattern, escape="\\"),
                SystemRow.purpose.ilike(pattern, escape="\\"),
            )
        )
    counting = query.with_only_columns(func.count(), maintain_column_froms=True)
    total = session.scalar(counting) or 0
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = {
        "name": SystemRow.name,
        "stage": SystemRow.stage,
        "updated": SystemRow.updated_at,
        "tier": SystemRow.tier,
    }[key]
    if key == "tier":
        order: Any = _tier_rank()
    else:
        order = column
    query = query.order_by(order.desc() if descending else order, SystemRow.id)
    return total, list(session.scalars(query.offset(offset).limit(limit)))


def _tier_rank() -> Any:
    return case({t.label: t.value for t in Tier}, value=SystemRow.tier, else_=0)


def system_requirements(
    session: Session, principal: Principal, system_id: int
) -> list[RequirementOut]:
    """The guideline items that apply to a system, in guideline order, with their group
    (the numbered chapter 1-4 they sit under).

    Raises:
        NotFoundError: the system is not visible, or the guideline catalog is not loaded.
    """
    row = visible_system(session, principal, system_id)
    nodes = list(
        session.scalars(
            select(CatalogNodeRow)
            .where(CatalogNodeRow.framework_id == GUIDELINE)
            .order_by(CatalogNodeRow.position)
        )
    )
    if not nodes:
        raise NotFoundError(
            "the guideline catalog is not loaded; run 'tekisei catalog load'",
            ja="指針カタログが読み込まれていません。tekisei catalog load を実行してください。",
        )
    by_urn = {n.urn: n for n in nodes}

    def chapter(node: CatalogNodeRow) -> CatalogNodeRow:
        while node.parent_urn is not None:
            node = by_urn[node.parent_urn]
        return node

    requirements = [
        Requirement(
            urn=n.urn,
            ref=n.ref,
            section=n.section,
            actors=tuple(n.actors),
            system_roles=tuple(n.system_roles),
            assessable=n.assessable,
        )
        for n in nodes
    ]
    org = _org(session, principal)
    chosen = applicable(requirements, org_actors(org), _facts(row), judged(row))
    out = []
    for requirement in chosen:
        node = by_urn[requirement.urn]
        top = chapter(node)
        out.append(
            RequirementOut(
                urn=node.urn,
                section=node.section,
                title_ja=node.title_ja,
                title_en=node.title_en,
                group=top.section,
                group_title_ja=top.title_ja,
                group_title_en=top.title_en,
                recommended=node.urn.rsplit(":", 1)[1] in RECOMMENDED,
            )
        )
    return out


def applicable_urns(session: Session, org: OrgRow, rows: list[SystemRow]) -> dict[int, set[str]]:
    """The URNs of the guideline items that apply to each of ``rows`` (systems of
    ``org``), as :func:`system_requirements` chooses them, with the catalog read once and
    each combination of facts and judgement judged once."""
    nodes = list(
        session.scalars(
            select(CatalogNodeRow)
            .where(CatalogNodeRow.framework_id == GUIDELINE)
            .order_by(CatalogNodeRow.position)
        )
    )
    requirements = [
        Requirement(
            urn=n.urn, ref=n.ref, section=n.section, actors=tuple(n.actors),
            system_roles=tuple(n.system_roles), assessable=n.assessable,
        )
        for n in nodes
    ]  # fmt: skip
    actors = org_actors(org)
    chosen: dict[str, set[str]] = {}
    found: dict[int, set[str]] = {}
    for row in rows:
        facts, reason = _facts(row), judged(row)
        key = facts.model_dump_json() + repr(reason)
        if key not in chosen:
            chosen[key] = {r.urn for r in applicable(requirements, actors, facts, reason)}
        found[row.id] = chosen[key]
    return found


def assign_tester(session: Session, principal: Principal, system_id: int, email: str) -> None:
    """Let an external tester see one system (guideline fn 8: independent external testing).

    Raises:
        PermissionDeniedError: not an admin.
        InvalidInputError: the account is not an external tester of this organisation.
    """
    row = visible_system(session, principal, system_id)
    require(principal, Permission.MANAGE_ORG)
    user = session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()
    member = membership(session, user.id, principal.org_id) if user else None
    if user is None or member is None or member.role != Role.EXTERNAL_TESTER.value:
        raise InvalidInputError(
            f"{email} is not an external tester of this organisation",
            ja=f"{email} はこの組織の外部テスターではありません。",
        )
    exists = session.scalars(
        select(SystemAssignmentRow).where(
            SystemAssignmentRow.system_id == row.id, SystemAssignmentRow.user_id == user.id
        )
    ).first()
    if exists is None:
        session.add(SystemAssignmentRow(system_id=row.id, user_id=user.id))
        session.flush()
        audit.record(
            session,
            _org(session, principal),
            principal.email,
            "system.assign_tester",
            "system",
            row.id,
            {"email": user.email},
        )
