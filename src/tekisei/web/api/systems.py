"""JSON API of the AI system inventory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.services import reports as report_service
from tekisei.services import risks as risk_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.services.risks import RiskView
from tekisei.services.sheet_imports import ImportResult
from tekisei.services.systems import RequirementOut, SystemView
from tekisei.web.api.common import (
    IdPath,
    Limit,
    Offset,
    Page,
    Sort,
    changes_model,
    reading,
    transaction,
)
from tekisei.web.api.sheets import (
    IMPORT_BODY,
    IMPORT_DESCRIPTION,
    DryRunQuery,
    FormatQuery,
    LangQuery,
    download,
    imported,
)
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/systems", tags=["systems"])

if TYPE_CHECKING:
    SystemChanges = BaseModel
else:
    SystemChanges = changes_model("SystemChanges", SystemFacts)


class TesterAssignment(BaseModel):
    """An external tester to assign."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]


@router.get("", response_model=Page[SystemView])
def list_systems(
    request: Request,
    principal: PrincipalDep,
    tier: Annotated[str | None, Query(pattern="^(minimal|limited|high|critical)$")] = None,
    stage: Annotated[
        str | None, Query(pattern="^(plan|design|develop|verify|deploy|operate|retire)$")
    ] = None,
    role: Annotated[str | None, Query(pattern="^(developer|provider|user)$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = "name",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[SystemView]:
    """Systems the caller may see; filter by tier, stage, role or text, sort and page."""
    with reading(request) as session:
        total, rows = system_service.list_systems(
            session,
            principal,
            tier=tier,
            stage=stage,
            org_role=role,
            q=q,
            sort=sort,
            offset=offset,
            limit=limit,
        )
        items = [system_service.view(r, principal.org_slug) for r in rows]
    return Page[SystemView](total=total, offset=offset, limit=limit, items=items)


@router.post("", response_model=SystemView, status_code=201)
def create_system(request: Request, principal: PrincipalDep, body: SystemFacts) -> SystemView:
    """Register a system; its tier is computed from the facts."""
    with transaction(request) as session:
        row = system_service.register_system(session, principal, body)
        return system_service.view(row, principal.org_slug)


@router.get("/export", response_class=Response)
def export(
    request: Request, principal: PrincipalDep, format: FormatQuery = "xlsx", lang: LangQuery = "ja"
) -> Response:
    """The inventory of the systems the caller may see as a spreadsheet (XLSX) or CSV
    attachment, in the columns ``POST /api/systems/import`` reads back; text is never
    written as a formula."""
    with reading(request) as session:
        found = report_service.system_inventory(
            session, principal, format, "ja" if lang == "ja" else "en"
        )
    return download(found)


@router.post(
    "/import",
    response_model=ImportResult,
    description=IMPORT_DESCRIPTION,
    openapi_extra=IMPORT_BODY,
)
async def import_systems(
    request: Request, principal: PrincipalDep, dry_run: DryRunQuery = False
) -> Response:
    """Add and change systems from a CSV or XLSX file, all rows or none."""
    return await imported(request, principal, "systems", dry_run)


@router.get("/{system_id}", response_model=SystemView)
def get_system(request: Request, principal: PrincipalDep, system_id: IdPath) -> SystemView:
    """One system with its tier and the reasons for it."""
    with reading(request) as session:
        row = system_service.visible_system(session, principal, system_id)
        return system_service.view(row, principal.org_slug)


@router.patch("/{system_id}", response_model=SystemView)
def update_system(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: SystemChanges
) -> SystemView:
    """Change some facts (a stale ``version`` gets 409 and nothing is overwritten)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = system_service.update_system(session, principal, system_id, data, version)
        return system_service.view(row, principal.org_slug)


@router.get("/{system_id}/requirements", response_model=list[RequirementOut])
def requirements(request: Request, principal: PrincipalDep, system_id: IdPath) -> list[Any]:
    """Guideline items that apply to the system, grouped by chapter."""
    with reading(request) as session:
        return list(system_service.system_requirements(session, principal, system_id))


@router.get("/{system_id}/risks", response_model=Page[RiskView])
def system_risks(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    sort: Sort = "-inherent",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[RiskView]:
    """The system's risk register."""
    with reading(request) as session:
        total, rows = risk_service.list_risks(
            session, principal, system_id=system_id, sort=sort, offset=offset, limit=limit
        )
        items = [risk_service.view(r, ActorNames(session, principal)) for r in rows]
    return Page[RiskView](total=total, offset=offset, limit=limit, items=items)


@router.post("/{system_id}/risks", response_model=RiskView, status_code=201)
def add_risk(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: RiskFields
) -> RiskView:
    """Add a risk to the system's register."""
    with transaction(request) as session:
        return risk_service.view(
            risk_service.add_risk(session, principal, system_id, body),
            ActorNames(session, principal),
        )


@router.post("/{system_id}/testers", status_code=204)
def assign_tester(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: TesterAssignment
) -> None:
    """Let an external tester of the organisation see this system (admins)."""
    with transaction(request) as session:
        system_service.assign_tester(session, principal, system_id, body.email)
