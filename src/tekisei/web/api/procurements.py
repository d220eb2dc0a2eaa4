"""JSON API of procurements (guideline 3(1)): the checklist, a system's procurements,
recording one, changing it, filling its checklist, and the checklist as a tender annex
(CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.procurements import (
    AREAS,
    CHECKLIST,
    OUR_WORDING,
    Entry,
    ProcurementFields,
)
from tekisei.services import procurements as procurement_service
from tekisei.services.people import ActorNames
from tekisei.services.procurements import ProcurementView
from tekisei.web.api.common import IdPath, VersionField, changes_model, reading, transaction
from tekisei.web.api.sheets import LangQuery
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment

router = APIRouter(tags=["procurements"])

if TYPE_CHECKING:
    ProcurementChanges = BaseModel
else:
    ProcurementChanges = changes_model("ProcurementChanges", ProcurementFields)


class ItemOut(BaseModel):
    """One requirement of the checklist (tekisei's wording, not an official text)."""

    id: str
    area: str
    area_ja: str
    area_en: str
    applies: str
    ja: str
    en: str


class Checklist(BaseModel):
    """The procurement checklist, area by area."""

    wording_ja: str
    wording_en: str
    items: list[ItemOut]


class ItemsBody(BaseModel):
    """Checklist entries by item id (the ones given replace those of the same items);
    ``version``: the procurement's version you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    items: dict[str, Entry] = Field(min_length=1, max_length=len(CHECKLIST))
    version: VersionField


def checklist() -> Checklist:
    """The checklist with its wording mark."""
    return Checklist(
        wording_ja=OUR_WORDING[0],
        wording_en=OUR_WORDING[1],
        items=[
            ItemOut(
                id=i.id, area=i.area.value, area_ja=AREAS[i.area][0], area_en=AREAS[i.area][1],
                applies=i.applies.value, ja=i.ja, en=i.en,
            )
            for i in CHECKLIST
        ],
    )  # fmt: skip


@router.get("/api/procurements/checklist", response_model=Checklist)
def get_checklist(principal: PrincipalDep) -> Checklist:
    """The procurement checklist (each item: its area, whether it applies to AI systems,
    services or both, and its text in Japanese and English)."""
    del principal  # signed-in members only, like every workspace route
    return checklist()


@router.get("/api/systems/{system_id}/procurements", response_model=list[ProcurementView])
def list_procurements(
    request: Request, principal: PrincipalDep, system_id: IdPath
) -> list[ProcurementView]:
    """The system's procurements, newest first, each with its checklist."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = procurement_service.list_procurements(session, principal, system_id)
        return [procurement_service.view(session, r, actors) for r in rows]


@router.post(
    "/api/systems/{system_id}/procurements", response_model=ProcurementView, status_code=201
)
def create_procurement(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: ProcurementFields
) -> ProcurementView:
    """Record a procurement for the system (administrators and editors); every item of
    the checklist starts open."""
    with transaction(request) as session:
        row = procurement_service.create_procurement(session, principal, system_id, body)
        return procurement_service.view(session, row, ActorNames(session, principal))


@router.get(
    "/api/systems/{system_id}/procurements/{procurement_id}", response_model=ProcurementView
)
def get_procurement(
    request: Request, principal: PrincipalDep, system_id: IdPath, procurement_id: IdPath
) -> ProcurementView:
    """One procurement with its checklist and its completeness."""
    with reading(request) as session:
        row = procurement_service.get_procurement(session, principal, system_id, procurement_id)
        return procurement_service.view(session, row, ActorNames(session, principal))


@router.patch(
    "/api/systems/{system_id}/procurements/{procurement_id}", response_model=ProcurementView
)
def update_procurement(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    procurement_id: IdPath,
    body: ProcurementChanges,
) -> ProcurementView:
    """Change a procurement's fields (a stale ``version`` gets 409)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = procurement_service.update_procurement(
            session, principal, system_id, procurement_id, data, version
        )
        return procurement_service.view(session, row, ActorNames(session, principal))


@router.put(
    "/api/systems/{system_id}/procurements/{procurement_id}/checklist",
    response_model=ProcurementView,
)
def set_items(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    procurement_id: IdPath,
    body: ItemsBody,
) -> ProcurementView:
    """Fill checklist items: status and note each ("not_applicable" needs the reason in
    the note)."""
    with transaction(request) as session:
        row = procurement_service.set_items(
            session, principal, system_id, procurement_id, body.items, body.version
        )
        return procurement_service.view(session, row, ActorNames(session, principal))


@router.get(
    "/api/systems/{system_id}/procurements/{procurement_id}/checklist.csv",
    response_class=Response,
)
def annex_csv(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    procurement_id: IdPath,
    lang: LangQuery = "ja",
) -> Response:
    """The checklist as a tender annex: CSV in UTF-8 with a BOM, the columns of
    docs/procurements.md; a cell that starts like a formula is kept as text."""
    with reading(request) as session:
        row = procurement_service.get_procurement(session, principal, system_id, procurement_id)
        shown = procurement_service.view(session, row, ActorNames(session, principal))
    text = procurement_service.annex_csv(shown, "ja" if lang == "ja" else "en")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"procurement-{shown.id}-checklist.csv")},
    )
