"""JSON API of the stakeholder register and the engagement log (1(3)②)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from tekisei.core.stakeholders import EngagementFields, StakeholderFields, StakeholderKind
from tekisei.services import stakeholders as stakeholder_service
from tekisei.services.people import ActorNames
from tekisei.services.stakeholders import EngagementView, StakeholderView
from tekisei.web.api.common import (
    IdPath,
    IdQuery,
    VersionField,
    changes_model,
    reading,
    transaction,
)
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["stakeholders"])

if TYPE_CHECKING:
    StakeholderChanges = BaseModel
else:
    StakeholderChanges = changes_model("StakeholderChanges", StakeholderFields)


class Archive(BaseModel):
    """Archive a stakeholder: ``version`` is the version you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


@router.get("/api/stakeholders", response_model=list[StakeholderView])
def list_stakeholders(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    kind: StakeholderKind | None = None,
    archived: bool = False,
) -> list[StakeholderView]:
    """The register: those concerned with ``system`` (linked to it or to no system) and of
    ``kind`` when given; archived ones only with ``archived=true``."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = stakeholder_service.list_stakeholders(
            session, principal, system_id=system, kind=kind, archived=archived
        )
        return [stakeholder_service.view(session, principal, r, actors) for r in rows]


@router.post("/api/stakeholders", response_model=StakeholderView, status_code=201)
def add_stakeholder(
    request: Request, principal: PrincipalDep, body: StakeholderFields
) -> StakeholderView:
    """Add a stakeholder (administrators and editors)."""
    with transaction(request) as session:
        row = stakeholder_service.add_stakeholder(session, principal, body)
        return stakeholder_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/stakeholders/{stakeholder_id}", response_model=StakeholderView)
def get_stakeholder(
    request: Request, principal: PrincipalDep, stakeholder_id: IdPath
) -> StakeholderView:
    """One stakeholder (its contact only for administrators and editors)."""
    with reading(request) as session:
        row = stakeholder_service.get_stakeholder(session, principal, stakeholder_id)
        return stakeholder_service.view(session, principal, row, ActorNames(session, principal))


@router.patch("/api/stakeholders/{stakeholder_id}", response_model=StakeholderView)
def update_stakeholder(
    request: Request, principal: PrincipalDep, stakeholder_id: IdPath, body: StakeholderChanges
) -> StakeholderView:
    """Change a stakeholder (a stale ``version`` gets 409)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = stakeholder_service.update_stakeholder(
            session, principal, stakeholder_id, data, version
        )
        return stakeholder_service.view(session, principal, row, ActorNames(session, principal))


@router.post("/api/stakeholders/{stakeholder_id}/archive", response_model=StakeholderView)
def archive_stakeholder(
    request: Request, principal: PrincipalDep, stakeholder_id: IdPath, body: Archive
) -> StakeholderView:
    """Archive a stakeholder (kept with its log; a stale ``version`` gets 409)."""
    with transaction(request) as session:
        row = stakeholder_service.archive_stakeholder(
            session, principal, stakeholder_id, body.version
        )
        return stakeholder_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/stakeholders/{stakeholder_id}/engagements", response_model=list[EngagementView])
def list_engagements(
    request: Request, principal: PrincipalDep, stakeholder_id: IdPath
) -> list[EngagementView]:
    """A stakeholder's engagement log, newest first."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = stakeholder_service.engagements(session, principal, stakeholder_id)
        return [stakeholder_service.engagement_view(r, actors) for r in rows]


@router.post(
    "/api/stakeholders/{stakeholder_id}/engagements",
    response_model=EngagementView,
    status_code=201,
)
def engage(
    request: Request, principal: PrincipalDep, stakeholder_id: IdPath, body: EngagementFields
) -> EngagementView:
    """Log an engagement (dated today on the organisation's clock when no date is given)."""
    with transaction(request) as session:
        row = stakeholder_service.engage(session, principal, stakeholder_id, body)
        return stakeholder_service.engagement_view(row, ActorNames(session, principal))
