"""JSON API of the data-holder register, the communication log and the benefit-return
arrangements (2(5))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from tekisei.core.data_holders import (
    BenefitFields,
    CommunicationFields,
    DataHolderFields,
    HolderKind,
    Right,
)
from tekisei.services import data_holder_logs
from tekisei.services import data_holders as holder_service
from tekisei.services.data_holder_logs import BenefitView, CommunicationView
from tekisei.services.data_holders import DataHolderView
from tekisei.services.people import ActorNames
from tekisei.web.api.common import (
    IdPath,
    IdQuery,
    VersionField,
    changes_model,
    reading,
    transaction,
)
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["data-holders"])

if TYPE_CHECKING:
    DataHolderChanges = BaseModel
    BenefitChanges = BaseModel
else:
    DataHolderChanges = changes_model("DataHolderChanges", DataHolderFields)
    BenefitChanges = changes_model("BenefitChanges", BenefitFields)


class Archive(BaseModel):
    """Archive a data holder: ``version`` is the version you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


@router.get("/api/data-holders", response_model=list[DataHolderView])
def list_holders(
    request: Request,
    principal: PrincipalDep,
    dataset: IdQuery = None,
    kind: HolderKind | None = None,
    right: Right | None = None,
    archived: bool = False,
) -> list[DataHolderView]:
    """The register: those linked to ``dataset``, of ``kind`` and with ``right`` when given;
    archived ones only with ``archived=true``."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = holder_service.list_holders(
            session, principal, dataset_id=dataset, kind=kind, right=right, archived=archived
        )
        return [holder_service.view(session, principal, r, actors) for r in rows]


@router.post("/api/data-holders", response_model=DataHolderView, status_code=201)
def add_holder(request: Request, principal: PrincipalDep, body: DataHolderFields) -> DataHolderView:
    """Add a data holder (administrators and editors)."""
    with transaction(request) as session:
        row = holder_service.add_holder(session, principal, body)
        return holder_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/data-holders/{holder_id}", response_model=DataHolderView)
def get_holder(request: Request, principal: PrincipalDep, holder_id: IdPath) -> DataHolderView:
    """One data holder with its dataset records (its contact only for administrators and
    editors)."""
    with reading(request) as session:
        row = holder_service.get_holder(session, principal, holder_id)
        return holder_service.view(session, principal, row, ActorNames(session, principal))


@router.patch("/api/data-holders/{holder_id}", response_model=DataHolderView)
def update_holder(
    request: Request, principal: PrincipalDep, holder_id: IdPath, body: DataHolderChanges
) -> DataHolderView:
    """Change a data holder (a stale ``version`` gets 409)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = holder_service.update_holder(session, principal, holder_id, data, version)
        return holder_service.view(session, principal, row, ActorNames(session, principal))


@router.post("/api/data-holders/{holder_id}/archive", response_model=DataHolderView)
def archive_holder(
    request: Request, principal: PrincipalDep, holder_id: IdPath, body: Archive
) -> DataHolderView:
    """Archive a data holder (kept with its log; a stale ``version`` gets 409)."""
    with transaction(request) as session:
        row = holder_service.archive_holder(session, principal, holder_id, body.version)
        return holder_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/data-holders/{holder_id}/communications", response_model=list[CommunicationView])
def list_communications(
    request: Request, principal: PrincipalDep, holder_id: IdPath
) -> list[CommunicationView]:
    """A data holder's communication log, newest first."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = data_holder_logs.communications(session, principal, holder_id)
        return [data_holder_logs.communication_view(r, actors) for r in rows]


@router.post(
    "/api/data-holders/{holder_id}/communications",
    response_model=CommunicationView,
    status_code=201,
)
def log_communication(
    request: Request, principal: PrincipalDep, holder_id: IdPath, body: CommunicationFields
) -> CommunicationView:
    """Log a communication (dated today on the organisation's clock when no date is given)."""
    with transaction(request) as session:
        row = data_holder_logs.log_communication(session, principal, holder_id, body)
        return data_holder_logs.communication_view(row, ActorNames(session, principal))


@router.get("/api/data-holders/{holder_id}/benefits", response_model=list[BenefitView])
def list_benefits(
    request: Request, principal: PrincipalDep, holder_id: IdPath
) -> list[BenefitView]:
    """A data holder's benefit-return arrangements, newest start first."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = data_holder_logs.benefits(session, principal, holder_id)
        return [data_holder_logs.benefit_view(r, actors) for r in rows]


@router.post("/api/data-holders/{holder_id}/benefits", response_model=BenefitView, status_code=201)
def add_benefit(
    request: Request, principal: PrincipalDep, holder_id: IdPath, body: BenefitFields
) -> BenefitView:
    """Add a benefit-return arrangement (administrators and editors)."""
    with transaction(request) as session:
        row = data_holder_logs.add_benefit(session, principal, holder_id, body)
        return data_holder_logs.benefit_view(row, ActorNames(session, principal))


@router.patch("/api/data-holder-benefits/{benefit_id}", response_model=BenefitView)
def update_benefit(
    request: Request, principal: PrincipalDep, benefit_id: IdPath, body: BenefitChanges
) -> BenefitView:
    """Change a benefit-return arrangement, e.g. end it (a stale ``version`` gets 409)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = data_holder_logs.update_benefit(session, principal, benefit_id, data, version)
        return data_holder_logs.benefit_view(row, ActorNames(session, principal))
