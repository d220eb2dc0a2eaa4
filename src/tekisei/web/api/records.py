"""JSON API of the training-data and model records (2(2), fn 17, 2(5))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import BaseModel

from tekisei.core.records import DatasetFields, ModelFields
from tekisei.services import records as record_service
from tekisei.services.people import ActorNames
from tekisei.services.records import DatasetView, ModelView, RecordVersionOut
from tekisei.web.api.common import IdPath, changes_model, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["records"])

if TYPE_CHECKING:
    ModelChanges = BaseModel
    DatasetChanges = BaseModel
else:
    ModelChanges = changes_model("ModelChanges", ModelFields)
    DatasetChanges = changes_model("DatasetChanges", DatasetFields)


@router.get("/api/systems/{system_id}/records/models", response_model=list[ModelView])
def list_models(request: Request, principal: PrincipalDep, system_id: IdPath) -> list[ModelView]:
    """The models a system uses."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = record_service.list_models(session, principal, system_id)
        return [record_service.model_view(r, actors) for r in rows]


@router.post("/api/systems/{system_id}/records/models", response_model=ModelView, status_code=201)
def add_model(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: ModelFields
) -> ModelView:
    """Record a model the system uses (roles that write systems)."""
    with transaction(request) as session:
        row = record_service.add_model(session, principal, system_id, body)
        return record_service.model_view(row, ActorNames(session, principal))


@router.get("/api/systems/{system_id}/records/datasets", response_model=list[DatasetView])
def list_datasets(
    request: Request, principal: PrincipalDep, system_id: IdPath
) -> list[DatasetView]:
    """The datasets a system is trained on or uses."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = record_service.list_datasets(session, principal, system_id)
        return [record_service.dataset_view(r, actors) for r in rows]


@router.post(
    "/api/systems/{system_id}/records/datasets", response_model=DatasetView, status_code=201
)
def add_dataset(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: DatasetFields
) -> DatasetView:
    """Record a dataset the system is trained on or uses (roles that write systems)."""
    with transaction(request) as session:
        row = record_service.add_dataset(session, principal, system_id, body)
        return record_service.dataset_view(row, ActorNames(session, principal))


@router.get("/api/records/models/{model_id}", response_model=ModelView)
def get_model(request: Request, principal: PrincipalDep, model_id: IdPath) -> ModelView:
    """One model record."""
    with reading(request) as session:
        row = record_service.visible_model(session, principal, model_id)
        return record_service.model_view(row, ActorNames(session, principal))


@router.patch("/api/records/models/{model_id}", response_model=ModelView)
def update_model(
    request: Request, principal: PrincipalDep, model_id: IdPath, body: ModelChanges
) -> ModelView:
    """Change a model record (a stale ``version`` gets 409; the previous version is kept)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = record_service.update_model(session, principal, model_id, data, version)
        return record_service.model_view(row, ActorNames(session, principal))


@router.get("/api/records/models/{model_id}/versions", response_model=list[RecordVersionOut])
def model_versions(
    request: Request, principal: PrincipalDep, model_id: IdPath
) -> list[RecordVersionOut]:
    """Every version of a model record, newest first."""
    with reading(request) as session:
        row = record_service.visible_model(session, principal, model_id)
        return record_service.versions(session, principal, row)


@router.get("/api/records/datasets/{dataset_id}", response_model=DatasetView)
def get_dataset(request: Request, principal: PrincipalDep, dataset_id: IdPath) -> DatasetView:
    """One dataset record."""
    with reading(request) as session:
        row = record_service.visible_dataset(session, principal, dataset_id)
        return record_service.dataset_view(row, ActorNames(session, principal))


@router.patch("/api/records/datasets/{dataset_id}", response_model=DatasetView)
def update_dataset(
    request: Request, principal: PrincipalDep, dataset_id: IdPath, body: DatasetChanges
) -> DatasetView:
    """Change a dataset record (a stale ``version`` gets 409; the previous version is
    kept)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = record_service.update_dataset(session, principal, dataset_id, data, version)
        return record_service.dataset_view(row, ActorNames(session, principal))


@router.get("/api/records/datasets/{dataset_id}/versions", response_model=list[RecordVersionOut])
def dataset_versions(
    request: Request, principal: PrincipalDep, dataset_id: IdPath
) -> list[RecordVersionOut]:
    """Every version of a dataset record, newest first."""
    with reading(request) as session:
        row = record_service.visible_dataset(session, principal, dataset_id)
        return record_service.versions(session, principal, row)
