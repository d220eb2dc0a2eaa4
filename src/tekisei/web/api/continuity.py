"""JSON API of business continuity (2(4)): a system's plan, its drills, the overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.continuity import (
    MAX_CONTACTS,
    MAX_DEPENDENCIES,
    MAX_SCENARIOS,
    Contact,
    Dependency,
    DrillFields,
    Scenario,
    Text,
)
from tekisei.core.orgs import Principal
from tekisei.services import continuity as continuity_service
from tekisei.services.continuity import DrillView, PlanView, SystemContinuity
from tekisei.web.api.common import MAX_ID, IdPath, VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["continuity"])


class PlanChanges(BaseModel):
    """Fields of the plan to set; ``version`` is the version you read (0 creates the plan
    from the draft; a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=0, le=MAX_ID)]
    dependencies: Annotated[list[Dependency], Field(max_length=MAX_DEPENDENCIES)] | None = None
    scenarios: Annotated[list[Scenario], Field(max_length=MAX_SCENARIOS)] | None = None
    contacts: Annotated[list[Contact], Field(max_length=MAX_CONTACTS)] | None = None
    notes: Text | None = None


class Review(BaseModel):
    """Mark the plan reviewed today by you; ``version`` is the version you read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


def _plan(request: Request, principal: Principal, system_id: int) -> PlanView:
    with reading(request) as session:
        return continuity_service.get_plan(session, principal, system_id)


@router.get("/api/continuity", response_model=list[SystemContinuity])
def overview(request: Request, principal: PrincipalDep) -> list[SystemContinuity]:
    """Every system with its plan and latest drill; high and critical tiers first."""
    with reading(request) as session:
        return continuity_service.overview(session, principal)


@router.get("/api/systems/{system_id}/continuity", response_model=PlanView)
def get_plan(request: Request, principal: PrincipalDep, system_id: IdPath) -> PlanView:
    """The system's plan, or (``exists`` false, ``version`` 0) the draft filled from its
    facts, records and linked vendors."""
    return _plan(request, principal, system_id)


@router.put("/api/systems/{system_id}/continuity", response_model=PlanView)
def save_plan(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: PlanChanges
) -> PlanView:
    """Create (``version`` 0) or change the plan (only the fields sent)."""
    data = body.model_dump(exclude_unset=True, exclude_none=True)
    version = data.pop("version")
    with transaction(request) as session:
        continuity_service.save_plan(session, principal, system_id, data, version)
    return _plan(request, principal, system_id)


@router.post("/api/systems/{system_id}/continuity/review", response_model=PlanView)
def review_plan(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: Review
) -> PlanView:
    """Mark the plan reviewed today by you."""
    with transaction(request) as session:
        continuity_service.review_plan(session, principal, system_id, body.version)
    return _plan(request, principal, system_id)


@router.get("/api/systems/{system_id}/continuity/drills", response_model=list[DrillView])
def list_drills(request: Request, principal: PrincipalDep, system_id: IdPath) -> list[DrillView]:
    """The system's drills, latest first."""
    with reading(request) as session:
        return [
            continuity_service.drill_view(session, principal, row)
            for row in continuity_service.list_drills(session, principal, system_id)
        ]


@router.post(
    "/api/systems/{system_id}/continuity/drills", response_model=DrillView, status_code=201
)
def record_drill(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: DrillFields
) -> DrillView:
    """Record a drill of one of the plan's scenarios."""
    with transaction(request) as session:
        row = continuity_service.record_drill(session, principal, system_id, body)
        return continuity_service.drill_view(session, principal, row)
