"""JSON API of lifecycle gates: check, stage-change requests, the approvals inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.systems import Stage
from tekisei.services import gate_facts
from tekisei.services import gates as gate_service
from tekisei.services.gates import ApprovalOut, ChecklistOut, CheckOut
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["gates"])


class StageRequest(BaseModel):
    """Ask to move a system to a gated stage."""

    model_config = ConfigDict(extra="forbid")

    to_stage: Stage
    note: Annotated[str, Field(max_length=4000)] = ""


class Decision(BaseModel):
    """An executive's decision on a stage-change request."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: Annotated[str, Field(max_length=4000)]


@router.get("/api/systems/{system_id}/check", response_model=CheckOut)
def check(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    min_completeness: Annotated[float | None, Query(ge=0, le=1)] = None,
    eval_pass_rate: Annotated[float | None, Query(ge=0, le=1)] = None,
    eval_max_age: Annotated[int | None, Query(ge=1, le=3650)] = None,
    eval_suite: Annotated[str | None, Query(max_length=200)] = None,
    to_stage: Stage | None = None,
) -> CheckOut:
    """Whether the system meets its gates, and what is missing. With ``eval_pass_rate``
    the latest finished evaluation run must pass at least that share and be no older
    than ``eval_max_age`` days (90 by default). ``to_stage`` checks the move to that stage
    (by default the next gated one): moving into operation also needs, for a high or
    critical tier, a business continuity plan and a recent drill."""
    gate = gate_facts.parse_gate(eval_pass_rate, eval_max_age, eval_suite)
    with reading(request) as session:
        return gate_service.check_system(
            session, principal, system_id, min_completeness, gate, to_stage=to_stage
        )


@router.get("/api/systems/{system_id}/gate", response_model=ChecklistOut)
def checklist(request: Request, principal: PrincipalDep, system_id: IdPath) -> ChecklistOut:
    """The gate checklist: what an executive's approval of the next gated stage needs
    (assessment completeness for the tier, critical risks accepted) and, for information,
    the latest evaluation run, provenance check and stage-change request, each with a
    link to where it is put right."""
    with reading(request) as session:
        return gate_service.gate_checklist(session, principal, system_id)


@router.post("/api/systems/{system_id}/stage-requests", response_model=ApprovalOut, status_code=201)
def request_stage(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: StageRequest
) -> ApprovalOut:
    """Ask an executive to approve a gated stage change."""
    with transaction(request) as session:
        row = gate_service.request_stage_change(
            session, principal, system_id, body.to_stage, body.note
        )
        return next(
            a for a in gate_service.list_approvals(session, principal, None) if a.id == row.id
        )


@router.get("/api/approvals", response_model=list[ApprovalOut])
def approvals(
    request: Request,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(pattern="^(pending|approved|rejected)$")] = "pending",
) -> list[ApprovalOut]:
    """The approvals inbox (pending requests by default)."""
    with reading(request) as session:
        return gate_service.list_approvals(session, principal, status)


@router.post("/api/approvals/{approval_id}/decision", response_model=ApprovalOut)
def decide(
    request: Request, principal: PrincipalDep, approval_id: IdPath, body: Decision
) -> ApprovalOut:
    """Approve (the system moves; refused with what is missing while the gate is not met)
    or reject, with a reason (executives only)."""
    with transaction(request) as session:
        row = gate_service.decide(session, principal, approval_id, body.approve, body.reason)
        return next(
            a for a in gate_service.list_approvals(session, principal, None) if a.id == row.id
        )
