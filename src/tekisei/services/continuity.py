"""Business continuity plans and drills (guideline 2(4): prepare for the system failing and
keep the business running safely).

Each system has at most one plan: what it depends on, how it can fail, what is done then
(the fallback or manual procedure, the recovery time and point objectives) and whom to
call. Until a plan exists, reading it gives a draft whose dependencies come from the
system's facts, its model and dataset records and the vendors linked to it; saving the
draft creates the plan. Every edit is checked against the version the writer read and
audited. A person may mark the plan reviewed (on a day, by them).

Drills test one of the plan's scenarios; they are recorded, never changed. A high or
critical tier system goes into operation only with a plan and a drill no older than the
deployment's ``drill_days`` (``services/gates.py`` through ``gate_facts``). A plan that a
drill has tested is evidence for 2(4) in the system's guideline assessments.

Every role of the organisation reads plans and drills of the systems it sees, except
external testers, for whom they do not exist; administrators and editors write them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.continuity import (
    MAX_DEPENDENCIES,
    MAX_DRILLS,
    REQUIRED_TIERS,
    Dependency,
    DependencyKind,
    DrillFields,
    Outcome,
    PlanFields,
    ScenarioKind,
    continuity_problems,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.core.systems import Tier
from tekisei.db.continuity import ContinuityDrillRow, ContinuityPlanRow
from tekisei.db.orgs import OrgRow
from tekisei.db.records import DatasetRecordRow, ModelRecordRow
from tekisei.db.systems import SystemRow
from tekisei.db.vendors import VendorRow, VendorSystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, policy_versions, scope, transparency
from tekisei.services.changes import check_version, merge
from tekisei.services.database import policy_of
from tekisei.services.people import ActorNames

_KIND_JA = "事業継続計画"
_KIND_EN = "the continuity plan of system"


class PlanView(PlanFields):
    """A system's plan as a reader sees it; ``exists`` is False for the draft offered
    before the first save (its ``version`` is then 0)."""

    system_id: int
    exists: bool
    version: int
    reviewed_on: date | None
    reviewed_by: str | None
    updated_at: datetime | None
    updated_by: str | None


class DrillView(DrillFields):
    """A recorded drill."""

    id: int
    system_id: int
    created_at: datetime
    created_by: str


class SystemContinuity(BaseModel):
    """Where one system stands on business continuity (the overview, the dashboard)."""

    system_id: int
    name: str
    tier: str
    stage: str
    required: bool
    """The tier is high or critical: operation needs a plan and a recent drill."""
    has_plan: bool
    reviewed_on: date | None
    last_drill: date | None
    last_outcome: Outcome | None
    drill_due: bool
    """No drill within the deployment's ``drill_days``."""
    missing: list[str]
    """The gate codes a move into operation would be refused for (required tiers)."""


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _hidden() -> NotFoundError:
    return NotFoundError(
        "this organisation has no continuity plans you can see",
        ja="この組織に、閲覧できる事業継続計画はありません。",
    )


def _system(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """A visible system whose continuity the principal may read (not external testers)."""
    system = scope.visible_system(session, principal, system_id)
    if not sees_all_systems(principal.role):
        raise _hidden()
    return system


def _plan_row(session: Session, system_id: int) -> ContinuityPlanRow | None:
    return session.scalars(
        select(ContinuityPlanRow).where(ContinuityPlanRow.system_id == system_id)
    ).first()


def fields_of(row: ContinuityPlanRow) -> PlanFields:
    """What a person wrote in a plan."""
    return PlanFields.model_validate(
        {
            "dependencies": row.dependencies,
            "scenarios": row.scenarios,
            "contacts": row.contacts,
            "notes": row.notes,
        }
    )


def draft_fields(session: Session, system: SystemRow) -> PlanFields:
    """A first plan for a system: its dependencies from its facts (models, vendors, the
    responsible person), its model and dataset records and the current vendors linked to
    it, each named once."""
    found: list[Dependency] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: DependencyKind, name: str, link: str = "") -> None:
        name = name.strip()[:200]
        key = (kind.value, name.casefold())
        if name and key not in seen and len(found) < MAX_DEPENDENCIES:
            seen.add(key)
            found.append(Dependency(kind=kind, name=name, link=link))

    for model in session.scalars(
        select(ModelRecordRow)
        .where(ModelRecordRow.system_id == system.id)
        .order_by(ModelRecordRow.id)
    ):
        add(DependencyKind.MODEL, model.name, f"/records/models/{model.id}")
    for name in system.models or []:
        add(DependencyKind.MODEL, str(name))
    for vendor in session.scalars(
        select(VendorRow)
        .join(VendorSystemRow, VendorSystemRow.vendor_id == VendorRow.id)
        .where(VendorSystemRow.system_id == system.id, VendorRow.archived_at.is_(None))
        .order_by(VendorRow.id)
    ):
        kind = DependencyKind.API if vendor.kind == "ai_api" else DependencyKind.VENDOR
        add(kind, vendor.name, f"/vendors/{vendor.id}")
    for name in system.vendors or []:
        if (DependencyKind.API.value, str(name).strip().casefold()) not in seen:
            add(DependencyKind.VENDOR, str(name))
    for dataset in session.scalars(
        select(DatasetRecordRow)
        .where(DatasetRecordRow.system_id == system.id)
        .order_by(DatasetRecordRow.id)
    ):
        add(DependencyKind.DATA, dataset.name, f"/records/datasets/{dataset.id}")
    if system.responsible_person:
        add(DependencyKind.PEOPLE, system.responsible_person)
    return PlanFields(dependencies=found)


def _view(
    system_id: int, fields: PlanFields, row: ContinuityPlanRow | None, actors: ActorNames
) -> PlanView:
    return PlanView(
        **fields.model_dump(),
        system_id=system_id,
        exists=row is not None,
        version=row.version if row else 0,
        reviewed_on=row.reviewed_on if row else None,
        reviewed_by=actors(row.reviewed_by) if row else None,
        updated_at=row.updated_at if row else None,
        updated_by=actors(row.updated_by) if row else None,
    )


def get_plan(session: Session, principal: Principal, system_id: int) -> PlanView:
    """The system's plan, or the draft offered before the first save.

    Raises:
        NotFoundError: the system is not visible, or the principal is an external tester.
    """
    system = _system(session, principal, system_id)
    row = _plan_row(session, system.id)
    fields = fields_of(row) if row else draft_fields(session, system)
    return _view(system.id, fields, row, ActorNames(session, principal))


def _audited(fields: PlanFields) -> dict[str, Any]:
    """What the audit log keeps of a plan: counts and scenario kinds, not contacts."""
    return {
        "dependencies": len(fields.dependencies),
        "scenarios": [s.kind.value for s in fields.scenarios],
        "contacts": len(fields.contacts),
    }


def save_plan(
    session: Session, principal: Principal, system_id: int, changes: dict[str, Any], version: int
) -> ContinuityPlanRow:
    """Create the plan (``version`` 0: the draft, with ``changes`` applied) or change it
    (only the fields in ``changes``).

    Raises:
        NotFoundError: the system is not visible, or an external tester.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current (0 while no plan exists).
        InvalidInputError: unknown fields or invalid values.
    """
    system = _system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    row = _plan_row(session, system.id)
    check_version(_KIND_JA, system.id, version, row.version if row else 0, kind_en=_KIND_EN)
    before = fields_of(row) if row else draft_fields(session, system)
    change = merge(before, changes)
    after = change.after
    data = after.model_dump(mode="json")
    now = datetime.now(UTC)
    org = _org(session, principal)
    if row is None:
        row = ContinuityPlanRow(
            org_id=principal.org_id, system_id=system.id, **data, reviewed_on=None,
            reviewed_by=None, created_at=now, updated_at=now, updated_by=principal.email,
            version=1,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(
            session, org, principal.email, "continuity.create", "system", system.id,
            {"plan": row.id, "after": _audited(after)},
        )  # fmt: skip
        return row
    if not change.fields:
        return row
    for name, value in data.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = now
    row.updated_by = principal.email
    session.flush()
    audit.record(
        session, org, principal.email, "continuity.update", "system", system.id,
        {"plan": row.id, "version": row.version, "fields": sorted(change.fields),
         "before": _audited(before), "after": _audited(after)},
    )  # fmt: skip
    return row


def _existing(session: Session, system: SystemRow) -> ContinuityPlanRow:
    row = _plan_row(session, system.id)
    if row is None:
        raise ConflictError(
            f"system {system.id} has no continuity plan yet; save one first",
            ja=f"システム {system.id} にはまだ事業継続計画がありません。先に保存してください。",
        )
    return row


def review_plan(
    session: Session, principal: Principal, system_id: int, version: int
) -> ContinuityPlanRow:
    """Record that the principal reviewed the plan today.

    Raises:
        NotFoundError: the system is not visible, or an external tester.
        PermissionDeniedError: the role may not write systems.
        ConflictError: no plan yet, or ``version`` is not current.
    """
    system = _system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    row = _existing(session, system)
    check_version(_KIND_JA, system.id, version, row.version, kind_en=_KIND_EN)
    org = _org(session, principal)
    row.reviewed_on = policy_versions.today(session, org)
    row.reviewed_by = principal.email
    row.version += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = principal.email
    session.flush()
    audit.record(
        session, org, principal.email, "continuity.review", "system", system.id,
        {"plan": row.id, "version": row.version, "reviewed_on": row.reviewed_on.isoformat()},
    )  # fmt: skip
    return row


def _drill_view(row: ContinuityDrillRow, actors: ActorNames) -> DrillView:
    return DrillView(
        id=row.id,
        system_id=row.system_id,
        held_on=row.held_on,
        scenario=ScenarioKind(row.scenario),
        outcome=Outcome(row.outcome),
        findings=row.findings,
        actions=row.actions,
        created_at=row.created_at,
        created_by=actors(row.created_by) or "",
    )


def drill_view(session: Session, principal: Principal, row: ContinuityDrillRow) -> DrillView:
    """The reader's view of a drill."""
    return _drill_view(row, ActorNames(session, principal))


def record_drill(
    session: Session, principal: Principal, system_id: int, fields: DrillFields
) -> ContinuityDrillRow:
    """Record a drill of one of the plan's scenarios; the first makes the plan evidence for
    2(4) in the system's open guideline assessment.

    Raises:
        NotFoundError: the system is not visible, or an external tester.
        PermissionDeniedError: the role may not write systems.
        ConflictError: the system has no plan yet.
        InvalidInputError: the scenario is not in the plan, the day is in the future, or
            the system holds :data:`MAX_DRILLS` drills.
    """
    system = _system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    plan = _existing(session, system)
    org = _org(session, principal)
    kinds = [s.kind for s in fields_of(plan).scenarios]
    if fields.scenario not in kinds:
        raise InvalidInputError(
            f"the plan has no {fields.scenario.value} scenario; drill one of "
            f"{', '.join(k.value for k in kinds) or '(none yet: add a scenario first)'}",
            ja="計画にないシナリオです。計画のシナリオから選ぶか、先に計画へ追加してください。",
        )
    if fields.held_on > policy_versions.today(session, org):
        raise InvalidInputError(
            "a drill cannot be recorded before it is held (the day is in the future)",
            ja="訓練日が未来の日付です。実施後に記録してください。",
        )
    held = session.scalar(
        select(func.count(ContinuityDrillRow.id)).where(ContinuityDrillRow.system_id == system.id)
    )
    if (held or 0) >= MAX_DRILLS:
        raise InvalidInputError(
            f"a system holds at most {MAX_DRILLS} drills",
            ja=f"訓練の記録は1つのシステムにつき{MAX_DRILLS}件までです。",
        )
    row = ContinuityDrillRow(
        org_id=principal.org_id, system_id=system.id, held_on=fields.held_on,
        scenario=fields.scenario.value, outcome=fields.outcome.value, findings=fields.findings,
        actions=fields.actions, created_at=datetime.now(UTC), created_by=principal.email,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, org, principal.email, "continuity.drill", "system", system.id,
        {"drill": row.id, "held_on": row.held_on.isoformat(), "scenario": row.scenario,
         "outcome": row.outcome},
    )  # fmt: skip
    if plan.evidence_id is None:
        evidence = transparency.reference(
            session, principal, ref=f"continuity:{system.id}",
            title=AutoNote.of(NoteKey.CONTINUITY_EVIDENCE, name=system.name),
        )  # fmt: skip
        plan.evidence_id = evidence.id
        session.flush()
        transparency.link(session, principal, system.id, evidence.id, "continuity")
    return row


def list_drills(session: Session, principal: Principal, system_id: int) -> list[ContinuityDrillRow]:
    """The system's drills, latest first.

    Raises:
        NotFoundError: the system is not visible, or an external tester.
    """
    system = _system(session, principal, system_id)
    return list(
        session.scalars(
            select(ContinuityDrillRow)
            .where(ContinuityDrillRow.system_id == system.id)
            .order_by(ContinuityDrillRow.held_on.desc(), ContinuityDrillRow.id.desc())
        )
    )


def overview(session: Session, principal: Principal) -> list[SystemContinuity]:
    """Every system of the organisation with its plan and latest drill, those that need
    them first (high and critical tiers), then by name.

    Raises:
        NotFoundError: external testers.
    """
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise _hidden()
    today = policy_versions.today(session, _org(session, principal))
    days = policy_of(session).drill_days
    plans = {
        r.system_id: r
        for r in session.scalars(
            select(ContinuityPlanRow).where(ContinuityPlanRow.org_id == principal.org_id)
        )
    }
    latest: dict[int, ContinuityDrillRow] = {}
    for found in session.scalars(
        select(ContinuityDrillRow)
        .where(ContinuityDrillRow.org_id == principal.org_id)
        .order_by(ContinuityDrillRow.held_on, ContinuityDrillRow.id)
    ):
        latest[found.system_id] = found
    out: list[SystemContinuity] = []
    for system in session.scalars(
        select(SystemRow).where(SystemRow.org_id == principal.org_id).order_by(SystemRow.name)
    ):
        tier = Tier.parse(system.tier)
        plan, drill = plans.get(system.id), latest.get(system.id)
        missing = continuity_problems(
            tier=tier,
            has_plan=plan is not None,
            last_drill=drill.held_on if drill else None,
            today=today,
            drill_days=days,
        )
        out.append(
            SystemContinuity(
                system_id=system.id,
                name=system.name,
                tier=system.tier,
                stage=system.stage,
                required=tier in REQUIRED_TIERS,
                has_plan=plan is not None,
                reviewed_on=plan.reviewed_on if plan else None,
                last_drill=drill.held_on if drill else None,
                last_outcome=Outcome(drill.outcome) if drill else None,
                drill_due=drill is None or (today - drill.held_on).days > days,
                missing=[m.code for m in missing],
            )
        )
    out.sort(key=lambda s: (not s.required, s.name))
    return out


class ContinuitySummary(BaseModel):
    """For the dashboard: high and critical tier systems lacking a plan or a recent drill."""

    required: int
    without_plan: list[SystemContinuity]
    without_recent_drill: list[SystemContinuity]
    drill_days: int


def summary(session: Session, principal: Principal) -> ContinuitySummary | None:
    """The dashboard's continuity summary; None for external testers."""
    if not sees_all_systems(principal.role):
        return None
    rows = [r for r in overview(session, principal) if r.required and r.stage != "retire"]
    return ContinuitySummary(
        required=len(rows),
        without_plan=[r for r in rows if not r.has_plan],
        without_recent_drill=[r for r in rows if r.drill_due],
        drill_days=policy_of(session).drill_days,
    )
