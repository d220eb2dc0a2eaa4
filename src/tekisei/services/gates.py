"""Lifecycle gates and executive approvals (1(3)③), and ``tekisei check``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.continuity import REQUIRED_TIERS
from tekisei.core.eval_findings import EvalGate, eval_gate_problems
from tekisei.core.gates import RiskFacts, gate_problems, gated
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.systems import STAGE_NAMES, Stage, Tier
from tekisei.db.approvals import ApprovalRow
from tekisei.db.assessments import AssessmentRow
from tekisei.db.orgs import OrgRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.i18n import messages
from tekisei.services import assessments, audit, gate_facts, scope, systems
from tekisei.services.database import policy_of
from tekisei.services.notifications import Event, notify
from tekisei.services.orgs import approver_facts
from tekisei.services.people import ActorNames

GUIDELINE = assessments.GUIDELINE
CONTINUITY_CODES = frozenset({"no-continuity-plan", "no-recent-drill"})


class MissingOut(BaseModel):
    """One thing a system lacks to pass its gate."""

    code: str
    ja: str
    en: str


class LatestEvalOut(BaseModel):
    """The run an evaluation gate looked at."""

    key: str
    suite: str
    pass_rate: float
    finished_at: datetime


class CheckOut(BaseModel):
    """Whether a system meets its gates (``tekisei check``)."""

    system_id: int
    ok: bool
    tier: str
    stage: str
    completeness: float | None
    threshold: float
    latest_eval: LatestEvalOut | None = None
    """The latest finished evaluation run, when the check asked for one."""
    missing: list[MissingOut]
    to_stage: str | None = None
    """The stage the check is for (the next gate unless asked for another)."""
    before_operation: list[MissingOut] = []
    """When the check is for an earlier stage: what would still block the later move into
    operation (a high or critical tier's continuity plan and drill), so it is known early."""


class ApprovalOut(BaseModel):
    """A stage-change request and its decision."""

    id: int
    system_id: int
    system_name: str
    from_stage: str
    to_stage: str
    status: str
    note: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    decider_added_by: str | None = None
    """Who made the deciding executive a member (separation of duties)."""


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _completeness(session: Session, principal: Principal, system: SystemRow) -> float | None:
    row = session.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.system_id == system.id, AssessmentRow.framework_id == GUIDELINE)
        .order_by(AssessmentRow.id.desc())
    ).first()
    if row is None:
        return None
    return assessments.assessment_report(session, principal, row.id).overall.completeness


def _risks(session: Session, system: SystemRow) -> list[RiskFacts]:
    return [
        RiskFacts(r.id, r.title, r.inherent, r.residual, r.status)
        for r in session.scalars(select(RiskRow).where(RiskRow.system_id == system.id))
    ]


def _target(system: SystemRow, to_stage: Stage | None) -> Stage | None:
    """The stage a check is for: ``to_stage``, else the next gated stage, else the
    system's own stage when it operates already."""
    if to_stage is not None:
        return to_stage
    ahead = [stage for stage in Stage if gated(Stage(system.stage), stage)]
    if ahead:
        return ahead[0]
    return Stage.OPERATE if system.stage == Stage.OPERATE.value else None


def check_system(
    session: Session,
    principal: Principal,
    system_id: int,
    min_completeness: float | None = None,
    eval_gate: EvalGate | None = None,
    require_provenance: bool = False,
    to_stage: Stage | None = None,
) -> CheckOut:
    """Whether a system meets its gates: a complete enough guideline assessment, no
    critical risk left unaccepted and, when ``eval_gate`` is given, a recent enough
    evaluation run that passes it (approvals are not part of the check). Moving into
    operation (``to_stage``, by default the next gated stage, or operation itself for a
    system already operating) also needs, for a high or critical tier, a business
    continuity plan and a recent drill (2(4)).

    Raises:
        InvalidInputError: ``min_completeness`` outside 0-1.
    """
    if min_completeness is not None and not 0 <= min_completeness <= 1:
        raise InvalidInputError(
            "--min-completeness is between 0 and 1",
            ja="--min-completeness は0から1の間で指定してください。",
        )
    system = systems.visible_system(session, principal, system_id)
    tier = Tier.parse(system.tier)
    completeness = _completeness(session, principal, system)
    threshold = (
        policy_of(session).completeness[tier] if min_completeness is None else min_completeness
    )
    missing = gate_problems(
        tier=tier,
        completeness=completeness,
        risks=_risks(session, system),
        approved=None,
        min_completeness=threshold,
    )
    latest = None
    if eval_gate is not None:
        latest = gate_facts.latest_finished(session, system.id, eval_gate.suite)
        missing += eval_gate_problems(eval_gate, latest, datetime.now(UTC))
    if require_provenance:
        missing += gate_facts.gate_problems(session, system.id)
    # An external tester sees the system, not its continuity plan (2(4) is the
    # organisation's own business), so the check they see leaves that line out.
    target = _target(system, to_stage)
    later = []
    if scope.sees_every_system(principal):
        if target is Stage.OPERATE:
            missing += gate_facts.continuity_gate(session, system)
        elif target is not None and gated(Stage(system.stage), Stage.OPERATE):
            later = gate_facts.continuity_gate(session, system)
    return CheckOut(
        system_id=system.id,
        ok=not missing,
        tier=system.tier,
        stage=system.stage,
        completeness=None if completeness is None else round(completeness, 4),
        threshold=threshold,
        latest_eval=None if latest is None else LatestEvalOut(**vars(latest)),
        missing=[MissingOut(code=m.code, ja=m.ja, en=m.en) for m in missing],
        to_stage=None if target is None else target.value,
        before_operation=[MissingOut(code=m.code, ja=m.ja, en=m.en) for m in later],
    )


class ChecklistItem(BaseModel):
    """One line of a system's gate checklist."""

    code: str
    state: Literal["met", "missing", "info"]
    """``met`` and ``missing`` decide whether an executive may approve the move;
    ``info`` lines (evaluation, provenance, the request itself) are shown, not required."""
    ja: str
    en: str
    link: str | None = None
    """Where the item is seen or put right."""


class ChecklistOut(BaseModel):
    """What stands between a system and its next gated stage."""

    system_id: int
    stage: str
    tier: str
    next_gate: str | None
    """The next stage that needs an executive's approval (None when none is ahead)."""
    ready: bool
    """Whether an executive could approve the move now (no ``missing`` line)."""
    pending_approval: int | None
    items: list[ChecklistItem]


def gate_checklist(session: Session, principal: Principal, system_id: int) -> ChecklistOut:
    """The gate checklist of a system, each line with a link to where it is put right:
    the assessment's completeness against the tier's threshold and the critical risks no
    executive has accepted (both decide an approval), the latest evaluation run and
    provenance check, and the stage-change request (shown for information)."""
    system = systems.visible_system(session, principal, system_id)
    check = check_system(session, principal, system.id)
    tier = system.tier
    base = f"/systems/{system.id}"
    items: list[ChecklistItem] = []
    missing = {m.code: m for m in check.missing}
    threshold = f"{check.threshold:.0%}"
    tier_ja, tier_en = messages("ja").words("tier", tier), messages("en").words("tier", tier)
    if "no-assessment" in missing:
        items.append(
            ChecklistItem(
                code="assessment",
                state="missing",
                ja=f"指針に基づくアセスメントがまだありません（リスク区分「{tier_ja}」では回答率"
                f"{threshold}以上が必要です）。",
                en=f"No guideline assessment yet (a {tier_en} tier system needs {threshold} of it "
                "answered).",
                link=f"{base}/assessment",
            )
        )
    else:
        done = f"{(check.completeness or 0):.0%}"
        items.append(
            ChecklistItem(
                code="assessment",
                state="missing" if "completeness" in missing else "met",
                ja=f"アセスメントの回答率 {done}"
                f"（リスク区分「{tier_ja}」で必要な回答率 {threshold}）",
                en=f"Assessment {done} answered ({threshold} needed for the {tier_en} tier)",
                link=f"{base}/assessment",
            )
        )
    blocking = [m for code, m in missing.items() if code.startswith("risk-")]
    for problem in blocking:
        risk_id = problem.code.removeprefix("risk-")
        items.append(
            ChecklistItem(
                code=problem.code,
                state="missing",
                ja=problem.ja + "対応するか、経営層が受容してください。",
                en=problem.en + " Treat it, or have an executive accept it.",
                link=f"/risks/{risk_id}",
            )
        )
    if not blocking:
        items.append(
            ChecklistItem(
                code="risks",
                state="met",
                ja="経営層が受容していない重大なリスクはありません。",
                en="No critical risk is left unaccepted.",
                link=f"/risks?system={system.id}",
            )
        )
    latest = gate_facts.latest_finished(session, system.id)
    items.append(
        ChecklistItem(
            code="evaluation",
            state="info",
            ja=(
                f"最新のモデル評価: {latest.suite}、合格率 {latest.pass_rate:.0%}"
                f"（{latest.finished_at:%Y-%m-%d}）"
                if latest
                else "モデル評価の実行はまだありません（承認の条件ではありません。"
                "tekisei check --eval-pass-rate で条件にできます）。"
            ),
            en=(
                f"Latest model evaluation: {latest.suite}, {latest.pass_rate:.0%} passed "
                f"({latest.finished_at:%Y-%m-%d})"
                if latest
                else "No model evaluation run yet (not required for the approval; "
                "tekisei check --eval-pass-rate can require one)."
            ),
            link=f"/evals/runs/{latest.key}" if latest else f"/evals?system={system.id}",
        )
    )
    provenance = gate_facts.gate_problems(session, system.id)
    items.append(
        ChecklistItem(
            code="provenance",
            state="info",
            ja=provenance[0].ja if provenance else "最新の来歴の確認は合格しています。",
            en=provenance[0].en if provenance else "The latest provenance check passed.",
            link=f"{base}#provenance",
        )
    )
    if scope.sees_every_system(principal):
        items.append(_continuity_item(session, system, missing))
    ahead = [stage for stage in Stage if gated(Stage(system.stage), stage)]
    next_gate = ahead[0].value if ahead else None
    pending = session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.system_id == system.id, ApprovalRow.status == "pending"
        )
    ).first()
    if pending is not None:
        to_ja, to_en = STAGE_NAMES[Stage(pending.to_stage)]
        items.append(
            ChecklistItem(
                code="approval",
                state="info",
                ja=f"「{to_ja}」への移行の承認を待っています（申請 {pending.id}）。",
                en=f"The move to {to_en} waits for an executive's approval (request {pending.id}).",
                link="/approvals",
            )
        )
    elif next_gate is not None:
        gate_ja, gate_en = STAGE_NAMES[Stage(next_gate)]
        items.append(
            ChecklistItem(
                code="approval",
                state="info",
                ja=f"「{gate_ja}」へ進めるには、経営層の承認が必要です"
                "（このページから申請できます）。",
                en=f"Moving to {gate_en} needs an executive's approval (request "
                "it from this page).",
                link=base,
            )
        )
    return ChecklistOut(
        system_id=system.id,
        stage=system.stage,
        tier=tier,
        next_gate=next_gate,
        ready=all(item.state != "missing" for item in items),
        pending_approval=pending.id if pending is not None else None,
        items=items,
    )


def _continuity_item(
    session: Session, system: SystemRow, missing: dict[str, MissingOut]
) -> ChecklistItem:
    """The business continuity line: required (met or missing) when the check is for
    operation and the tier is high or critical; otherwise shown as advice."""
    link = f"/systems/{system.id}/continuity"
    found = [m for code, m in missing.items() if code in CONTINUITY_CODES]
    if found:
        return ChecklistItem(
            code="continuity",
            state="missing",
            ja=" ".join(m.ja for m in found),
            en=" ".join(m.en for m in found),
            link=link,
        )
    if _target(system, None) is Stage.OPERATE and Tier.parse(system.tier) in REQUIRED_TIERS:
        return ChecklistItem(
            code="continuity",
            state="met",
            ja="事業継続計画があり、最近の訓練も記録されています。",
            en="There is a business continuity plan and a recent drill.",
            link=link,
        )
    ahead = gate_facts.continuity_gate(session, system)
    if Tier.parse(system.tier) in REQUIRED_TIERS:
        ja = "運用に移る前に、事業継続計画と訓練の記録が必要です。"
        en = "Before operation, a business continuity plan and a recent drill are required."
        if not ahead:
            ja, en = (
                "事業継続計画と最近の訓練の記録があります。",
                ("There is a business continuity plan and a recent drill."),
            )
    else:
        ja = "事業継続計画と訓練は、このリスク区分では移行の条件ではありませんが、推奨されます。"
        en = "A business continuity plan and drills are advised, though not required for this tier."
    return ChecklistItem(code="continuity", state="info", ja=ja, en=en, link=link)


def _view(row: ApprovalRow, name: str, actors: ActorNames) -> ApprovalOut:
    return ApprovalOut(
        id=row.id,
        system_id=row.system_id,
        system_name=name,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        status=row.status,
        note=row.note,
        requested_by=actors(row.requested_by) or "",
        requested_at=row.requested_at,
        decided_by=actors(row.decided_by),
        decided_at=row.decided_at,
        reason=row.reason,
        decider_added_by=actors(row.decider_added_by),
    )


def request_stage_change(
    session: Session, principal: Principal, system_id: int, to_stage: Stage, note: str = ""
) -> ApprovalRow:
    """Ask an executive to approve moving a system through a gate.

    Raises:
        InvalidInputError: the move passes no gate (change the stage directly instead).
        ConflictError: a request for this system is already waiting.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    current = Stage(system.stage)
    if not gated(current, to_stage):
        (from_ja, from_en), (to_ja, to_en) = STAGE_NAMES[current], STAGE_NAMES[to_stage]
        raise InvalidInputError(
            f"moving from {from_en} to {to_en} needs no approval; change the stage directly",
            ja=f"「{from_ja}」から「{to_ja}」への移行に"
            "承認は不要です。システムの編集で直接変更してください。",
        )
    waiting = session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.system_id == system.id, ApprovalRow.status == "pending"
        )
    ).first()
    if waiting is not None:
        raise ConflictError(
            f"request {waiting.id} for this system is already waiting",
            ja=f"このシステムには承認待ちの申請 {waiting.id} があります。",
        )
    row = ApprovalRow(
        org_id=principal.org_id,
        system_id=system.id,
        from_stage=current.value,
        to_stage=to_stage.value,
        status="pending",
        note=note.strip(),
        requested_by=principal.email,
        requested_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "stage.request",
        "system",
        system.id,
        {"approval": row.id, "from": current.value, "to": to_stage.value, "note": row.note},
    )
    (from_ja, from_en), (to_ja, to_en) = STAGE_NAMES[current], STAGE_NAMES[to_stage]
    notify(
        session, principal.org_id, Event.APPROVAL_REQUESTED,
        permission=Permission.APPROVE_STAGE, skip=principal.user_id, link="/approvals",
        title_ja=f"「{system.name}」を「{from_ja}」から「{to_ja}」へ移す承認を求められています",
        title_en=f"Approval asked: move “{system.name}” from {from_en} to {to_en}",
    )  # fmt: skip
    return row


def decide(
    session: Session, principal: Principal, approval_id: int, approve: bool, reason: str
) -> ApprovalRow:
    """An executive approves (the system moves) or rejects a stage change, with a reason.

    Approval is refused, with what is missing, while the gate is not met.

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: already decided, the system moved meanwhile, or the gate is not met.
        InvalidInputError: no reason given.
    """
    row = scope.visible_row(
        session,
        principal,
        session.get(ApprovalRow, approval_id),
        NotFoundError(
            f"no request {approval_id} in this organisation",
            ja=f"この組織に申請 {approval_id} はありません。",
        ),
    )
    require(principal, Permission.APPROVE_STAGE)
    system = systems.visible_system(session, principal, row.system_id)
    if row.status != "pending":
        raise ConflictError(
            f"request {approval_id} was already {row.status}",
            ja=f"申請 {approval_id} はすでに{'承認' if row.status == 'approved' else '却下'}"
            "されています。",
        )
    if not reason.strip():
        raise InvalidInputError(
            "give the reason for the decision", ja="判断の理由を記入してください。"
        )
    if system.stage != row.from_stage:
        raise ConflictError(
            f"the system moved to {STAGE_NAMES[Stage(system.stage)][1]} since the "
            "request; ask again",
            ja=f"申請後にシステムの段階が「{STAGE_NAMES[Stage(system.stage)][0]}」に"
            "変わりました。改めて申請してください。",
        )
    if approve:
        check = check_system(session, principal, system.id, to_stage=Stage(row.to_stage))
        if not check.ok:
            lines = " ".join(m.en for m in check.missing)
            lines_ja = " ".join(m.ja for m in check.missing)
            raise ConflictError(
                f"the gate is not met: {lines}", ja=f"移行の条件を満たしていません。{lines_ja}"
            )
    now = datetime.now(UTC)
    facts = approver_facts(session, principal)
    row.status = "approved" if approve else "rejected"
    row.decided_by = principal.email
    row.decided_at = now
    row.reason = reason.strip()
    row.decider_added_by = facts["approver_added_by"]
    org = _org(session, principal)
    audit.record(
        session,
        org,
        principal.email,
        "stage.approve" if approve else "stage.reject",
        "system",
        system.id,
        {
            "approval": row.id,
            "from": row.from_stage,
            "to": row.to_stage,
            "reason": row.reason,
            **facts,
            "subject_created_by": row.requested_by,
        },
    )
    if approve:
        system.stage = row.to_stage
        system.version += 1
        system.updated_at = now
        session.flush()
        audit.record(
            session,
            org,
            principal.email,
            "system.update",
            "system",
            system.id,
            {
                "before": {"stage": row.from_stage},
                "after": {"stage": row.to_stage},
                "approval": row.id,
            },
        )
    return row


def list_approvals(
    session: Session, principal: Principal, status: str | None = "pending"
) -> list[ApprovalOut]:
    """Stage-change requests of the organisation (the approvals inbox)."""
    require(principal, Permission.READ)
    query = (
        select(ApprovalRow, SystemRow.name)
        .join(SystemRow, SystemRow.id == ApprovalRow.system_id)
        .where(scope.visible(principal, ApprovalRow.org_id, ApprovalRow.system_id))
    )
    if status:
        query = query.where(ApprovalRow.status == status)
    actors = ActorNames(session, principal)
    rows = session.execute(query.order_by(ApprovalRow.id))
    return [_view(row, name, actors) for row, name in rows]
