"""Pages of the data-holder register (2(5)): the register with filters by dataset record,
kind and right and a form to add one, and a holder's page with its dataset records, its
communication log and benefit-return arrangements, and the forms to change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from tekisei.core.data_holders import (
    BenefitFields,
    BenefitKind,
    BenefitStatus,
    Channel,
    CommunicationFields,
    DataHolderFields,
    HolderKind,
    Right,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import data_holder_logs
from tekisei.services import data_holders as holder_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/data-holders", include_in_schema=False)
KindQuery = Annotated[HolderKind | None, Query()]
RightQuery = Annotated[Right | None, Query()]
Failure = ConflictError | InvalidInputError
_LISTS = ("datasets", "rights")


async def _read(request: Request) -> dict[str, Any]:
    """The form's fields; ``datasets`` and ``rights`` keep every ticked box."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key in _LISTS:
            data[key] = [v for v in values if v]
        else:
            data[key] = values[-1].strip() if values else ""
    check_csrf(request, data)
    return data


def _blank() -> dict[str, Any]:
    return {"name": "", "kind": HolderKind.CREATORS.value, "data": "", "rights": [],
            "interests": "", "contact": "", "datasets": []}  # fmt: skip


def _blank_communication() -> dict[str, Any]:
    return {"happened_on": "", "channel": Channel.MEETING.value, "summary": "", "outcome": ""}


def _blank_benefit() -> dict[str, Any]:
    return {"kind": BenefitKind.ATTRIBUTION.value, "recipient": "", "method": "", "since": "",
            "until": "", "status": BenefitStatus.PLANNED.value}  # fmt: skip


def _common(request: Request, principal: Principal) -> dict[str, Any]:
    with reading(request) as session:
        datasets = holder_service.dataset_choices(session, principal)
    return {
        "datasets": datasets,
        "kinds": [k.value for k in HolderKind],
        "rights": [r.value for r in Right],
        "channels": [c.value for c in Channel],
        "benefit_kinds": [k.value for k in BenefitKind],
        "statuses": [s.value for s in BenefitStatus],
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "sees_contacts": holder_service.sees_contacts(principal),
    }


def _problem(exc: ValidationError | Failure, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return field_errors(exc, lang)
    field = exc.field if isinstance(exc, InvalidInputError) else None
    return {field or "__all__": exc.localized(lang)}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _register(
    request: Request,
    principal: Principal,
    *,
    dataset: int | None = None,
    kind: HolderKind | None = None,
    right: Right | None = None,
    archived: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = holder_service.list_holders(
            session, principal, dataset_id=dataset, kind=kind, right=right, archived=archived
        )
        listed = [holder_service.view(session, principal, r, actors) for r in rows]
    return render(
        request,
        "data_holders/index.html",
        _common(request, principal)
        | {
            "holders": listed,
            "dataset_id": dataset,
            "kind": kind.value if kind else "",
            "right": right.value if right else "",
            "archived": archived,
            "values": values or _blank(),
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def index(
    request: Request,
    principal: PrincipalDep,
    dataset: IdQuery = None,
    kind: KindQuery = None,
    right: RightQuery = None,
    archived: bool = False,
) -> HTMLResponse:
    """The data-holder register (JSON twin: /api/data-holders)."""
    return _register(request, principal, dataset=dataset, kind=kind, right=right, archived=archived)


@router.post("/new", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Add a data holder; errors are shown next to their fields."""
    values = _blank() | await _read(request)
    try:
        fields = DataHolderFields.model_validate(values)
        with transaction(request) as session:
            holder_id = holder_service.add_holder(session, principal, fields).id
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _register(
            request, principal, values=values, errors=_problem(exc, request.state.lang),
            status=_status(exc),
        )  # fmt: skip
    return done(f"/data-holders/{holder_id}", "created")


def _detail(
    request: Request,
    principal: Principal,
    holder_id: int,
    *,
    values: dict[str, Any] | None = None,
    communication: dict[str, Any] | None = None,
    benefit: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        row = holder_service.get_holder(session, principal, holder_id)
        shown = holder_service.view(session, principal, row, actors)
        log = [
            data_holder_logs.communication_view(e, actors)
            for e in data_holder_logs.communications(session, principal, holder_id)
        ]
        arrangements = [
            data_holder_logs.benefit_view(b, actors)
            for b in data_holder_logs.benefits(session, principal, holder_id)
        ]
    current = shown.model_dump(mode="json") | {
        "contact": shown.contact or "",
        "datasets": [d.id for d in shown.datasets],
    }
    return render(
        request,
        "data_holders/detail.html",
        _common(request, principal)
        | {
            "holder": shown,
            "log": log,
            "benefits": arrangements,
            "values": values if values is not None else current,
            "communication": communication or _blank_communication(),
            "benefit": benefit or _blank_benefit(),
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/{holder_id}", response_class=HTMLResponse)
def detail(request: Request, principal: PrincipalDep, holder_id: IdPath) -> HTMLResponse:
    """A data holder, its dataset records, log and arrangements, and the forms to change
    them (JSON twin: /api/data-holders/{id})."""
    return _detail(request, principal, holder_id)


def _version(data: dict[str, Any]) -> int:
    """The version the form was read at (0, never current, when missing or not a number)."""
    text = str(data.pop("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _changes(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in model.model_fields}


@router.post("/{holder_id}", response_model=None)
async def update(request: Request, principal: PrincipalDep, holder_id: IdPath) -> Response:
    """Save the edit; a stale version re-shows the form with the conflict."""
    data = await _read(request)
    version = _version(data)
    values = _blank() | _changes(data, DataHolderFields)
    if not holder_service.sees_contacts(principal):
        values.pop("contact", None)
    try:
        DataHolderFields.model_validate(_blank() | values)
        with transaction(request) as session:
            holder_service.update_holder(session, principal, holder_id, values, version)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, holder_id, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/data-holders/{holder_id}")


@router.post("/{holder_id}/archive", response_model=None)
async def archive(request: Request, principal: PrincipalDep, holder_id: IdPath) -> Response:
    """Archive the data holder (kept with its log and arrangements)."""
    version = _version(await _read(request))
    try:
        with transaction(request) as session:
            holder_service.archive_holder(session, principal, holder_id, version)
    except ConflictError as exc:
        return _detail(
            request, principal, holder_id,
            errors={"__all__": exc.localized(request.state.lang)}, status=409,
        )  # fmt: skip
    return done(f"/data-holders/{holder_id}")


@router.post("/{holder_id}/communications", response_model=None)
async def communicate(request: Request, principal: PrincipalDep, holder_id: IdPath) -> Response:
    """Log a communication; errors are shown next to their fields."""
    values = _blank_communication() | _changes(await _read(request), CommunicationFields)
    try:
        fields = CommunicationFields.model_validate(
            values | {"happened_on": values["happened_on"] or None}
        )
        with transaction(request) as session:
            data_holder_logs.log_communication(session, principal, holder_id, fields)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"communication-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(
            request, principal, holder_id, communication=values, errors=problem,
            status=_status(exc),
        )  # fmt: skip
    return done(f"/data-holders/{holder_id}#log", "created")


def _benefit_values(data: dict[str, Any]) -> dict[str, Any]:
    return _blank_benefit() | _changes(data, BenefitFields)


@router.post("/{holder_id}/benefits", response_model=None)
async def add_benefit(request: Request, principal: PrincipalDep, holder_id: IdPath) -> Response:
    """Add a benefit-return arrangement; errors are shown next to their fields."""
    values = _benefit_values(await _read(request))
    try:
        fields = BenefitFields.model_validate(values | {"until": values["until"] or None})
        with transaction(request) as session:
            data_holder_logs.add_benefit(session, principal, holder_id, fields)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"benefit-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(
            request, principal, holder_id, benefit=values, errors=problem, status=_status(exc)
        )
    return done(f"/data-holders/{holder_id}#benefits", "created")


@router.post("/{holder_id}/benefits/{benefit_id}", response_model=None)
async def update_benefit(
    request: Request, principal: PrincipalDep, holder_id: IdPath, benefit_id: IdPath
) -> Response:
    """Change an arrangement's status and end date (a stale version shows the conflict)."""
    data = await _read(request)
    version = _version(data)
    changes = {k: v for k, v in data.items() if k in ("status", "until")}
    if "until" in changes:
        changes["until"] = changes["until"] or None
    try:
        with transaction(request) as session:
            data_holder_logs.update_benefit(
                session, principal, benefit_id, changes, version, holder_id=holder_id
            )
    except (ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, holder_id,
            errors={f"benefit-{benefit_id}": exc.localized(request.state.lang)},
            status=_status(exc),
        )  # fmt: skip
    return done(f"/data-holders/{holder_id}#benefits")
