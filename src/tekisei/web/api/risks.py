"""JSON API of the risk register."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.risks import RiskFields
from tekisei.errors import InvalidInputError
from tekisei.services import reports as report_service
from tekisei.services import risks as risk_service
from tekisei.services.people import ActorNames
from tekisei.services.risks import HeatCell, HeatMap, RiskView
from tekisei.services.sheet_imports import ImportResult
from tekisei.web.api.common import (
    IdPath,
    IdQuery,
    Limit,
    Offset,
    Page,
    Sort,
    VersionField,
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

router = APIRouter(prefix="/api/risks", tags=["risks"])

Level = Annotated[int | None, Query(ge=1, le=5)]
Basis = Annotated[str, Query(pattern="^(inherent|residual)$")]


def heat_cell(likelihood: int | None, impact: int | None, basis: str) -> HeatCell | None:
    """The heat-map cell a list is filtered to, when both coordinates are given.

    Raises:
        InvalidInputError: only one of the two is given.
    """
    if likelihood is None and impact is None:
        return None
    if likelihood is None or impact is None:
        raise InvalidInputError(
            "give likelihood and impact together (one heat-map cell)",
            ja="発生可能性と影響度は両方を指定してください（ヒートマップの1マス）。",
        )
    return HeatCell(likelihood, impact, residual=basis == "residual")


if TYPE_CHECKING:
    RiskChanges = BaseModel
else:
    RiskChanges = changes_model("RiskChanges", RiskFields)


class Acceptance(BaseModel):
    """An executive's acceptance of a residual risk."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    note: Annotated[str, Field(min_length=1, max_length=4000)]


@router.get("", response_model=Page[RiskView])
def list_risks(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    status: Annotated[
        str | None, Query(pattern="^(open|treating|accepted|closed|current)$")
    ] = None,
    min_level: Annotated[str | None, Query(pattern="^(low|medium|high|critical)$")] = None,
    taxonomy: Annotated[str | None, Query(max_length=80)] = None,
    likelihood: Level = None,
    impact: Level = None,
    basis: Basis = "inherent",
    sort: Sort = "-inherent",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[RiskView]:
    """Risks of the organisation's (visible) systems; filter, sort and page.

    ``status=current`` is every status but closed; ``likelihood`` and ``impact`` together
    keep one heat-map cell, of the scores before treatment or, with
    ``basis=residual``, after it.
    """
    with reading(request) as session:
        total, rows = risk_service.list_risks(
            session,
            principal,
            system_id=system,
            status=status,
            min_level=min_level,
            taxonomy=taxonomy,
            cell=heat_cell(likelihood, impact, basis),
            sort=sort,
            offset=offset,
            limit=limit,
        )
        items = [risk_service.view(r, ActorNames(session, principal)) for r in rows]
    return Page[RiskView](total=total, offset=offset, limit=limit, items=items)


@router.get("/heatmap", response_model=HeatMap)
def heat_map(request: Request, principal: PrincipalDep, system: IdQuery = None) -> HeatMap:
    """Risk counts per likelihood × impact cell, for a system or the whole organisation."""
    with reading(request) as session:
        return risk_service.risk_heat_map(session, principal, system)


@router.get("/export", response_class=Response)
def export(
    request: Request,
    principal: PrincipalDep,
    format: FormatQuery = "xlsx",
    lang: LangQuery = "ja",
    system: IdQuery = None,
) -> Response:
    """The risk register as a spreadsheet (XLSX) or CSV attachment, in the columns
    ``POST /api/risks/import`` reads back; text is never written as a formula."""
    with reading(request) as session:
        found = report_service.risk_register(
            session, principal, format, "ja" if lang == "ja" else "en", system
        )
    return download(found)


@router.post(
    "/import",
    response_model=ImportResult,
    description=IMPORT_DESCRIPTION,
    openapi_extra=IMPORT_BODY,
)
async def import_risks(
    request: Request, principal: PrincipalDep, dry_run: DryRunQuery = False
) -> Response:
    """Add and change risks from a CSV or XLSX file, all rows or none."""
    return await imported(request, principal, "risks", dry_run)


@router.get("/{risk_id}", response_model=RiskView)
def get_risk(request: Request, principal: PrincipalDep, risk_id: IdPath) -> RiskView:
    """One risk."""
    with reading(request) as session:
        return risk_service.view(
            risk_service.visible_risk(session, principal, risk_id), ActorNames(session, principal)
        )


@router.patch("/{risk_id}", response_model=RiskView)
def update_risk(
    request: Request, principal: PrincipalDep, risk_id: IdPath, body: RiskChanges
) -> RiskView:
    """Change a risk (a stale ``version`` gets 409 and nothing is overwritten)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = risk_service.update_risk(session, principal, risk_id, data, version)
        return risk_service.view(row, ActorNames(session, principal))


@router.post("/{risk_id}/accept", response_model=RiskView)
def accept_risk(
    request: Request, principal: PrincipalDep, risk_id: IdPath, body: Acceptance
) -> RiskView:
    """Accept the residual risk (executives only; recorded in the audit log)."""
    with transaction(request) as session:
        row = risk_service.accept_risk(session, principal, risk_id, body.note, body.version)
        return risk_service.view(row, ActorNames(session, principal))
