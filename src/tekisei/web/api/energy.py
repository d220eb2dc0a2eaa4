"""JSON API of compute and energy records (guideline 1(2)): a system's records, their
summary, the switch that shows them publicly, the organisation's default for systems that
have not chosen, and the figures anyone may read.

Figures travel as decimal strings (``"1200.000"`` kWh, ``"0.441"`` kg-CO2e/kWh) so that
nothing is lost to floating point; a request may send them as strings or numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.energy import EnergyFields, PublicEnergy
from tekisei.errors import NotFoundError
from tekisei.services import energy as energy_service
from tekisei.services.energy import EnergyDefault, EnergyOverview, EnergyView, Publication
from tekisei.web.api.common import MAX_ID, IdPath, reading, transaction
from tekisei.web.api.notices import PublicId
from tekisei.web.api.statements import OrgSlug
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["energy"])
public_router = APIRouter(tags=["public"])


class PublicationBody(BaseModel):
    """Show the figures publicly or not; ``version``: the one you read (0 the first
    time)."""

    model_config = ConfigDict(extra="forbid")

    published: bool
    show_sources: bool = Field(
        default=False, description="Show the source of each figure too (only when published)"
    )
    version: Annotated[int, Field(ge=0, le=MAX_ID)]


@router.get("/api/orgs/current/energy-default", response_model=EnergyDefault)
def read_default(request: Request, principal: PrincipalDep) -> EnergyDefault:
    """Whether the figures of systems that have not chosen are shown publicly, and how
    many systems follow this default."""
    with reading(request) as session:
        return energy_service.read_default(session, principal)


@router.put("/api/orgs/current/energy-default", response_model=EnergyDefault)
def set_default(request: Request, principal: PrincipalDep, body: PublicationBody) -> EnergyDefault:
    """Show (or stop showing) by default the figures of every system that has not chosen
    itself, today's and those registered later (administrators)."""
    with transaction(request) as session:
        return energy_service.set_default(session, principal, body.published, body.version)


@router.get("/api/systems/{system_id}/energy", response_model=list[EnergyView])
def list_energy(request: Request, principal: PrincipalDep, system_id: IdPath) -> list[EnergyView]:
    """The system's compute and energy records, the latest period first, with emissions."""
    with reading(request) as session:
        return energy_service.list_energy(session, principal, system_id)


@router.post("/api/systems/{system_id}/energy", response_model=EnergyView, status_code=201)
def add_energy(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: EnergyFields
) -> EnergyView:
    """Record a phase and period of the system's energy use (administrators, editors)."""
    with transaction(request) as session:
        return energy_service.add_energy(session, principal, system_id, body)


@router.get("/api/systems/{system_id}/energy/summary", response_model=EnergyOverview)
def summary(request: Request, principal: PrincipalDep, system_id: IdPath) -> EnergyOverview:
    """Totals by phase, emissions, the share estimated, and the public switch."""
    with reading(request) as session:
        return energy_service.energy_overview(session, principal, system_id)


@router.put("/api/systems/{system_id}/energy/publication", response_model=Publication)
def set_publication(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: PublicationBody
) -> Publication:
    """Show (or stop showing) the figures on the system's public notice and the
    organisation's governance statement (administrators, editors)."""
    with transaction(request) as session:
        return energy_service.set_publication(
            session, principal, system_id, body.published, body.version, body.show_sources
        )


@router.get("/api/systems/{system_id}/energy/{energy_id}", response_model=EnergyView)
def get_energy(
    request: Request, principal: PrincipalDep, system_id: IdPath, energy_id: IdPath
) -> EnergyView:
    """One record."""
    with reading(request) as session:
        return energy_service.get_energy(session, principal, system_id, energy_id)


@router.delete("/api/systems/{system_id}/energy/{energy_id}", status_code=204)
def remove_energy(
    request: Request, principal: PrincipalDep, system_id: IdPath, energy_id: IdPath
) -> Response:
    """Remove a record (the audit log keeps what it said)."""
    with transaction(request) as session:
        energy_service.remove_energy(session, principal, system_id, energy_id)
    return Response(status_code=204)


@public_router.get("/api/public/orgs/{org}/energy", response_model=list[PublicEnergy])
def public_org(request: Request, org: OrgSlug) -> list[PublicEnergy]:
    """The figures of every system the organisation shows them for (its governance
    statement shows the same); no sign-in."""
    with reading(request) as session:
        return energy_service.public_for_org(session, org)


@public_router.get("/api/public/notices/{public_id}/energy", response_model=PublicEnergy)
def public_notice(request: Request, public_id: PublicId) -> PublicEnergy:
    """The figures shown on a published notice; 404 when the organisation shows none."""
    with reading(request) as session:
        found = energy_service.public_for_notice(session, public_id)
    if found is None:
        raise NotFoundError(
            "no environmental figures are published with this notice",
            ja="このお知らせには、環境負荷の数値は公開されていません。",
        )
    return found
