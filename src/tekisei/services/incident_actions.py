"""Corrective actions of an incident (fn 16): each one goes into the risk register of an
affected system, through the risk service (``services/risks.py``), either as a new risk or
as an update of an existing one (its scores, its treatment, and always its treatment plan,
which gains the action). The risk service audits the risk; the incident's own audit event
names the risk, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tekisei.core.incidents import MAX_ENTRIES, CorrectiveAction
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.risks import RiskFields
from tekisei.db.incidents import IncidentRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit, incidents, risks

MAX_PLAN = 4000


def _plan_with(plan: str, incident_id: int, text: str) -> str:
    line = f"[incident {incident_id}] {text}"
    joined = f"{plan}\n{line}".strip() if plan else line
    if len(joined) > MAX_PLAN:
        raise InvalidInputError(
            f"the risk's treatment plan would exceed {MAX_PLAN} characters; shorten the plan "
            "or the action",
            ja=f"リスクの対応計画が{MAX_PLAN}文字を超えます。計画か対策を短くしてください。",
            field="text",
        )
    return joined


def add_action(
    session: Session, principal: Principal, incident_id: int, action: CorrectiveAction, version: int
) -> IncidentRow:
    """Record a corrective action: add a risk to the register of an affected system, or
    update a risk of one (the action is added to its treatment plan).

    Raises:
        NotFoundError: the incident, or the risk, is not visible; or the system is not
            one the incident affected, or the risk is not that system's.
        PermissionDeniedError: the role may not write incidents or risks.
        ConflictError: ``version`` (the incident's, or the risk's) is not current, or the
            incident is closed.
        InvalidInputError: unknown risk taxonomy ids, or the list of actions is full.
    """
    row = incidents.writable(session, principal, incident_id, version)
    incidents.refuse_closed(row)
    require(principal, Permission.WRITE_RISKS)
    if len(row.actions) >= MAX_ENTRIES:
        raise InvalidInputError(
            f"an incident holds at most {MAX_ENTRIES} corrective actions",
            ja=f"1件のインシデントに記録できる是正措置は{MAX_ENTRIES}件までです。",
        )
    if action.system_id not in incidents.systems_of(session, row):
        raise NotFoundError(
            f"system {action.system_id} is not one incident {row.id} affected; add it to the "
            "affected systems first",
            ja=f"システム {action.system_id} はインシデント {row.id} の影響を受けたシステムでは"
            "ありません。先に影響を受けたシステムに追加してください。",
        )
    if action.new_risk is not None:
        wanted = action.new_risk
        fields = RiskFields(
            title=wanted.title, taxonomy=wanted.taxonomy, likelihood=wanted.likelihood,
            impact=wanted.impact, treatment=wanted.treatment,
            treatment_plan=_plan_with("", row.id, action.text),
        )  # fmt: skip
        risk = risks.add_risk(session, principal, action.system_id, fields)
        kind = "new_risk"
    else:
        update = action.update
        assert update is not None
        current = risks.visible_risk(session, principal, update.risk_id)
        if current.system_id != action.system_id:
            raise NotFoundError(
                f"no risk {update.risk_id} in the register of system {action.system_id}",
                ja=f"システム {action.system_id} のリスク一覧にリスク {update.risk_id} は"
                "ありません。",
            )
        changes: dict[str, Any] = {
            k: v
            for k, v in update.model_dump(exclude={"risk_id", "version"}).items()
            if v is not None
        }
        changes["treatment_plan"] = _plan_with(current.treatment_plan, row.id, action.text)
        risk = risks.update_risk(session, principal, update.risk_id, changes, update.version)
        kind = "risk_update"
    entry = {
        "text": action.text, "system_id": action.system_id, "risk_id": risk.id, "kind": kind,
        "at": datetime.now(UTC).isoformat(), "by": principal.email,
    }  # fmt: skip
    row.actions = [*row.actions, entry]
    incidents.bump(row, principal)
    session.flush()
    audit.record(
        session, incidents.org_of(session, principal), principal.email, "incident.action",
        "incident", row.id,
        {"version": row.version, "kind": kind, "risk": risk.id, "system": action.system_id},
    )  # fmt: skip
    return row
