"""Pages of the training-data and model records: add, read, edit (with the fields to
disclose) and the versions kept of each record."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.records import (
    DATASET_FIELDS,
    MODEL_FIELDS,
    Copyrighted,
    DatasetFields,
    ModelFields,
    OptOut,
    PersonalData,
)
from tekisei.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tekisei.services import data_holders as data_holder_service
from tekisei.services import records as record_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/records", include_in_schema=False)
Kind = Literal["model", "dataset"]
SystemQuery = Annotated[int, Query(ge=1, le=2**31 - 1)]

LISTS = {"disclosed", "personal_data"}
"""Checkbox groups: every ticked value is kept."""
LINES = {"data_holders"}
"""Text areas read as one item per line."""

CHOICES: dict[str, list[str]] = {
    "personal_data": [p.value for p in PersonalData],
    "copyrighted": [c.value for c in Copyrighted],
    "opt_out": [o.value for o in OptOut],
}


async def _read(request: Request) -> dict[str, Any]:
    """The form's fields: checkbox groups as lists, data holders one per line."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key in LISTS:
            data[key] = [v for v in values if v]
        elif key in LINES:
            data[key] = [line.strip() for line in values[-1].splitlines() if line.strip()]
        else:
            data[key] = values[-1].strip() if values else ""
    return data


def _fields_of(kind: Kind) -> type[BaseModel]:
    return ModelFields if kind == "model" else DatasetFields


def _blank(kind: Kind) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(MODEL_FIELDS if kind == "model" else DATASET_FIELDS, "")
    values["disclosed"] = []
    if kind == "dataset":
        values |= {
            "personal_data": [],
            "data_holders": [],
            "copyrighted": Copyrighted.UNKNOWN.value,
            "opt_out": OptOut.UNSTATED.value,
        }
    return values


def _system(request: Request, principal: Principal, system_id: int) -> Any:
    with reading(request) as session:
        return system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )


def _page(
    request: Request,
    principal: Principal,
    kind: Kind,
    system: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    record: Any = None,
    history: list[Any] | None = None,
    holders: list[Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "records/form.html",
        {
            "kind": kind,
            "system": system,
            "values": values,
            "errors": errors,
            "record": record,
            "history": history or [],
            "holders": holders,
            "fields": MODEL_FIELDS if kind == "model" else DATASET_FIELDS,
            "choices": CHOICES,
            "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        },
        status_code=status,
    )


def _new_page(request: Request, principal: Principal, kind: Kind, system: int) -> HTMLResponse:
    shown = _system(request, principal, system)  # an invisible system is 404, before 403
    if not can(principal.role, Permission.WRITE_SYSTEMS):
        raise PermissionDeniedError(
            "your role may not add records", ja="この権限では記録を追加できません。"
        )
    return _page(request, principal, kind, shown, _blank(kind), {})


async def _create(request: Request, principal: Principal, kind: Kind, system: int) -> Response:
    data = await _read(request)
    check_csrf(request, data)
    values = _blank(kind) | data
    try:
        fields = _fields_of(kind).model_validate(values)
    except ValidationError as exc:
        return _page(
            request,
            principal,
            kind,
            _system(request, principal, system),
            values,
            field_errors(exc, request.state.lang),
            status=422,
        )
    with transaction(request) as session:
        if isinstance(fields, ModelFields):
            record_id = record_service.add_model(session, principal, system, fields).id
        else:
            assert isinstance(fields, DatasetFields)
            record_id = record_service.add_dataset(session, principal, system, fields).id
    return RedirectResponse(f"/records/{kind}s/{record_id}", status_code=303)


def _loaded(
    request: Request, principal: Principal, kind: Kind, record_id: int
) -> tuple[Any, list[Any]]:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        if kind == "model":
            row: Any = record_service.visible_model(session, principal, record_id)
            view: Any = record_service.model_view(row, actors)
        else:
            row = record_service.visible_dataset(session, principal, record_id)
            view = record_service.dataset_view(row, actors)
        versions = record_service.versions(session, principal, row)
    history = []
    for newer, older in zip(versions, [*versions[1:], None], strict=True):
        changed = (
            []
            if older is None
            else [f for f in newer.fields if newer.fields.get(f) != older.fields.get(f)]
        )
        history.append({"version": newer, "changed": changed})
    return view, history


def _detail(
    request: Request,
    principal: Principal,
    kind: Kind,
    record_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view, history = _loaded(request, principal, kind, record_id)
    shown = values if values is not None else view.model_dump(mode="json")
    holders = None
    if kind == "dataset":
        with reading(request) as session:
            holders = data_holder_service.for_dataset(session, principal, record_id)
    return _page(
        request,
        principal,
        kind,
        _system(request, principal, view.system_id),
        shown,
        errors or {},
        record=view,
        history=history,
        holders=holders,
        status=status,
    )


async def _update(request: Request, principal: Principal, kind: Kind, record_id: int) -> Response:
    data = await _read(request)
    check_csrf(request, data)
    version = int(data.pop("version", "0") or 0)
    values = _blank(kind) | data
    try:
        _fields_of(kind).model_validate(values)
        with transaction(request) as session:
            if kind == "model":
                record_service.update_model(session, principal, record_id, values, version)
            else:
                record_service.update_dataset(session, principal, record_id, values, version)
    except ValidationError as exc:
        return _detail(
            request, principal, kind, record_id, values, field_errors(exc, request.state.lang), 422
        )
    except (ConflictError, InvalidInputError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        message = {"__all__": exc.localized(request.state.lang)}
        return _detail(request, principal, kind, record_id, values, message, status)
    return RedirectResponse(f"/records/{kind}s/{record_id}", status_code=303)


@router.get("/models/new", response_class=HTMLResponse)
def new_model(request: Request, principal: PrincipalDep, system: SystemQuery) -> HTMLResponse:
    """The form for a model the system uses."""
    return _new_page(request, principal, "model", system)


@router.post("/models/new", response_model=None)
async def create_model(request: Request, principal: PrincipalDep, system: SystemQuery) -> Response:
    """Record the model; errors are shown next to their fields."""
    return await _create(request, principal, "model", system)


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(request: Request, principal: PrincipalDep, model_id: IdPath) -> HTMLResponse:
    """A model record, its edit form and its versions (JSON twin:
    /api/records/models/{id})."""
    return _detail(request, principal, "model", model_id)


@router.post("/models/{model_id}", response_model=None)
async def update_model(request: Request, principal: PrincipalDep, model_id: IdPath) -> Response:
    """Save the edit; a stale version re-shows the form with the conflict."""
    return await _update(request, principal, "model", model_id)


@router.get("/datasets/new", response_class=HTMLResponse)
def new_dataset(request: Request, principal: PrincipalDep, system: SystemQuery) -> HTMLResponse:
    """The form for a dataset the system is trained on or uses."""
    return _new_page(request, principal, "dataset", system)


@router.post("/datasets/new", response_model=None)
async def create_dataset(
    request: Request, principal: PrincipalDep, system: SystemQuery
) -> Response:
    """Record the dataset; errors are shown next to their fields."""
    return await _create(request, principal, "dataset", system)


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(request: Request, principal: PrincipalDep, dataset_id: IdPath) -> HTMLResponse:
    """A dataset record, its edit form and its versions (JSON twin:
    /api/records/datasets/{id})."""
    return _detail(request, principal, "dataset", dataset_id)


@router.post("/datasets/{dataset_id}", response_model=None)
async def update_dataset(request: Request, principal: PrincipalDep, dataset_id: IdPath) -> Response:
    """Save the edit; a stale version re-shows the form with the conflict."""
    return await _update(request, principal, "dataset", dataset_id)
