"""Pages of the stakeholder register (1(3)②): the register with filters by system and kind
and a form to add one, and a stakeholder's page with its edit form, archiving, its
engagement log and a form to log an engagement."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.stakeholders import (
    EngagementFields,
    EngagementKind,
    Relation,
    StakeholderFields,
    StakeholderKind,
)
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import stakeholders as stakeholder_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/stakeholders", include_in_schema=False)
KindQuery = Annotated[StakeholderKind | None, Query()]
Failure = ConflictError | InvalidInputError


async def _read(request: Request) -> dict[str, Any]:
    """The form's fields; ``systems`` keeps every ticked system."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key == "systems":
            data[key] = [v for v in values if v]
        else:
            data[key] = values[-1].strip() if values else ""
    check_csrf(request, data)
    return data


def _blank() -> dict[str, Any]:
    return {
        "name": "", "kind": StakeholderKind.USERS.value, "relation": Relation.DIRECT.value,
        "interests": "", "engagement": "", "contact": "", "systems": [],
    }  # fmt: skip


def _blank_engagement() -> dict[str, Any]:
    return {"happened_on": "", "kind": EngagementKind.MEETING.value, "summary": "",
            "outcome": "", "systems": []}  # fmt: skip


def _systems(request: Request, principal: Principal) -> dict[int, str]:
    with reading(request) as session:
        return {s.id: s.name for s in system_service.list_systems(session, principal, limit=200)[1]}


def _common(principal: Principal, systems: dict[int, str]) -> dict[str, Any]:
    return {
        "systems": systems,
        "kinds": [k.value for k in StakeholderKind],
        "relations": [r.value for r in Relation],
        "engagement_kinds": [k.value for k in EngagementKind],
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "sees_contacts": stakeholder_service.sees_contacts(principal),
    }


def _register(
    request: Request,
    principal: Principal,
    *,
    system: int | None,
    kind: StakeholderKind | None,
    archived: bool,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = stakeholder_service.list_stakeholders(
            session, principal, system_id=system, kind=kind, archived=archived
        )
        listed = [stakeholder_service.view(session, principal, r, actors) for r in rows]
    return render(
        request,
        "stakeholders/index.html",
        _common(principal, _systems(request, principal))
        | {
            "stakeholders": listed,
            "system_id": system,
            "kind": kind.value if kind else "",
            "archived": archived,
            "values": values or _blank(),
            "errors": errors or {},
        },
        status_code=status,
    )


def _problem(exc: ValidationError | Failure, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return field_errors(exc, lang)
    field = exc.field if isinstance(exc, InvalidInputError) else None
    return {field or "__all__": exc.localized(lang)}


@router.get("", response_class=HTMLResponse)
def index(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    kind: KindQuery = None,
    archived: bool = False,
) -> HTMLResponse:
    """The stakeholder register (JSON twin: /api/stakeholders)."""
    return _register(request, principal, system=system, kind=kind, archived=archived)


@router.post("/new", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Add a stakeholder; errors are shown next to their fields."""
    data = await _read(request)
    values = _blank() | data
    try:
        fields = StakeholderFields.model_validate(values)
        with transaction(request) as session:
            row = stakeholder_service.add_stakeholder(session, principal, fields)
            stakeholder_id = row.id
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _register(
            request, principal, system=None, kind=None, archived=False, values=values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/stakeholders/{stakeholder_id}", "created")


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _detail(
    request: Request,
    principal: Principal,
    stakeholder_id: int,
    *,
    values: dict[str, Any] | None = None,
    engagement: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        row = stakeholder_service.get_stakeholder(session, principal, stakeholder_id)
        shown = stakeholder_service.view(session, principal, row, actors)
        log = [
            stakeholder_service.engagement_view(e, actors)
            for e in stakeholder_service.engagements(session, principal, stakeholder_id)
        ]
    current = shown.model_dump(mode="json") | {"contact": shown.contact or ""}
    return render(
        request,
        "stakeholders/detail.html",
        _common(principal, _systems(request, principal))
        | {
            "stakeholder": shown,
            "log": log,
            "values": values if values is not None else current,
            "engagement": engagement or _blank_engagement(),
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/{stakeholder_id}", response_class=HTMLResponse)
def detail(request: Request, principal: PrincipalDep, stakeholder_id: IdPath) -> HTMLResponse:
    """A stakeholder, its engagement log and the forms to change it and log an engagement
    (JSON twin: /api/stakeholders/{id})."""
    return _detail(request, principal, stakeholder_id)


def _version(data: dict[str, Any]) -> int:
    """The version the form was read at (0, never current, when missing or not a number)."""
    text = str(data.pop("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _changes(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in model.model_fields}


@router.post("/{stakeholder_id}", response_model=None)
async def update(request: Request, principal: PrincipalDep, stakeholder_id: IdPath) -> Response:
    """Save the edit; a stale version re-shows the form with the conflict."""
    data = await _read(request)
    version = _version(data)
    values = _blank() | _changes(data, StakeholderFields)
    if not stakeholder_service.sees_contacts(principal):
        values.pop("contact", None)
    try:
        StakeholderFields.model_validate(_blank() | values)
        with transaction(request) as session:
            stakeholder_service.update_stakeholder(
                session, principal, stakeholder_id, values, version
            )
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, stakeholder_id, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/stakeholders/{stakeholder_id}")


@router.post("/{stakeholder_id}/archive", response_model=None)
async def archive(request: Request, principal: PrincipalDep, stakeholder_id: IdPath) -> Response:
    """Archive the stakeholder (kept with its log)."""
    data = await _read(request)
    version = _version(data)
    try:
        with transaction(request) as session:
            stakeholder_service.archive_stakeholder(session, principal, stakeholder_id, version)
    except ConflictError as exc:
        return _detail(
            request, principal, stakeholder_id,
            errors={"__all__": exc.localized(request.state.lang)}, status=409,
        )  # fmt: skip
    return done(f"/stakeholders/{stakeholder_id}")


@router.post("/{stakeholder_id}/engagements", response_model=None)
async def engage(request: Request, principal: PrincipalDep, stakeholder_id: IdPath) -> Response:
    """Log an engagement; errors are shown next to their fields."""
    data = await _read(request)
    values = _blank_engagement() | _changes(data, EngagementFields)
    try:
        fields = EngagementFields.model_validate(
            values | {"happened_on": values["happened_on"] or None}
        )
        with transaction(request) as session:
            stakeholder_service.engage(session, principal, stakeholder_id, fields)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"engagement-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(
            request, principal, stakeholder_id, engagement=values, errors=problem,
            status=_status(exc),
        )  # fmt: skip
    return done(f"/stakeholders/{stakeholder_id}#log", "created")
