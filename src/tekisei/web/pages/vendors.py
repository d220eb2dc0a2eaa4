"""Pages of the vendor register (2(4); APPI art. 28): the register with filters and a form
to add one, and a vendor's page with the systems that depend on it, its history, the edit
form, and the forms to record a change and to archive (exit) it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.systems import DataCategory
from tekisei.core.vendors import RULES_JA, ChangeReason, VendorChange, VendorFields, VendorKind
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import procurements as procurement_service
from tekisei.services import systems as system_service
from tekisei.services import vendors as vendor_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/vendors", include_in_schema=False)
KindQuery = Annotated[VendorKind | None, Query()]
AbroadQuery = Annotated[bool | None, Query()]
Failure = ConflictError | InvalidInputError
LISTS = ("systems", "data_categories")
FLAGS = ("abroad", "covers_ai_use", "covers_data_use", "covers_incidents", "covers_exit")
DATES = ("contract_start", "contract_end", "last_review", "next_review")


async def _read(request: Request) -> dict[str, Any]:
    """The form's fields: lists keep every ticked box, a checkbox is true when sent."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key in LISTS:
            data[key] = [v for v in values if v]
        else:
            data[key] = values[-1].strip() if values else ""
    check_csrf(request, data)
    return data


def _blank() -> dict[str, Any]:
    return {
        "name": "", "kind": VendorKind.AI_API.value, "region": "", "abroad": False,
        "abroad_basis": "", "contract_ref": "", "contract_start": "", "contract_end": "",
        "covers_ai_use": False, "covers_data_use": False, "covers_incidents": False,
        "covers_exit": False, "data_categories": [], "last_review": "", "review_result": "",
        "next_review": "", "contact": "", "systems": [],
    }  # fmt: skip


def _submitted(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """What a vendor form sent, as fields (an unticked box is false, an empty date none)."""
    values = {k: v for k, v in data.items() if k in VendorFields.model_fields}
    for flag in FLAGS:
        values[flag] = flag in data
    for key in LISTS:
        values.setdefault(key, [])
    for day in DATES:
        if not values.get(day):
            values[day] = None
    if not vendor_service.sees_contacts(principal):
        values.pop("contact", None)
    return values


def _systems(request: Request, principal: Principal) -> dict[int, str]:
    with reading(request) as session:
        return {s.id: s.name for s in system_service.list_systems(session, principal, limit=200)[1]}


def _common(principal: Principal, systems: dict[int, str]) -> dict[str, Any]:
    return {
        "systems": systems,
        "kinds": [k.value for k in VendorKind],
        "categories": [c.value for c in DataCategory],
        "reasons": [r.value for r in ChangeReason],
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "sees_contacts": vendor_service.sees_contacts(principal),
    }


def _problem(exc: ValidationError | Failure, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        errors = field_errors(exc, lang)
        if lang == "ja":
            errors = {k: RULES_JA.get(v, v) for k, v in errors.items()}
        return errors
    field = exc.field if isinstance(exc, InvalidInputError) else None
    return {field or "__all__": exc.localized(lang)}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _register(
    request: Request,
    principal: Principal,
    *,
    system: int | None = None,
    kind: VendorKind | None = None,
    abroad: bool | None = None,
    archived: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = vendor_service.list_vendors(
            session, principal, system_id=system, kind=kind, abroad=abroad, archived=archived
        )
        listed = [vendor_service.view(session, principal, r, actors) for r in rows]
    return render(
        request,
        "vendors/index.html",
        _common(principal, _systems(request, principal))
        | {
            "vendors": listed,
            "system_id": system,
            "kind": kind.value if kind else "",
            "abroad": "" if abroad is None else ("true" if abroad else "false"),
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
    system: IdQuery = None,
    kind: KindQuery = None,
    abroad: AbroadQuery = None,
    archived: bool = False,
) -> HTMLResponse:
    """The vendor register (JSON twin: /api/vendors)."""
    return _register(request, principal, system=system, kind=kind, abroad=abroad, archived=archived)


@router.post("/new", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Add a vendor; errors are shown next to their fields."""
    values = _submitted(await _read(request), principal)
    try:
        fields = VendorFields.model_validate(values)
        with transaction(request) as session:
            vendor_id = vendor_service.add_vendor(session, principal, fields).id
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _register(
            request, principal, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/vendors/{vendor_id}", "created")


def _detail(
    request: Request,
    principal: Principal,
    vendor_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        row = vendor_service.get_vendor(session, principal, vendor_id)
        shown = vendor_service.view(session, principal, row, actors)
        log = [
            vendor_service.event_view(e, actors)
            for e in vendor_service.history(session, principal, vendor_id)
        ]
        bought = [
            procurement_service.view(session, r, actors)
            for r in procurement_service.for_vendor(session, principal, vendor_id)
        ]
    current = shown.model_dump(mode="json") | {"contact": shown.contact or ""}
    current = {k: ("" if v is None else v) for k, v in current.items()}
    return render(
        request,
        "vendors/detail.html",
        _common(principal, _systems(request, principal))
        | {
            "vendor": shown,
            "log": log,
            "procurements": bought,
            "values": values if values is not None else current,
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/{vendor_id}", response_class=HTMLResponse)
def detail(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> HTMLResponse:
    """A vendor, the systems that depend on it, its history and its forms (JSON twin:
    /api/vendors/{id})."""
    return _detail(request, principal, vendor_id)


def _version(data: dict[str, Any]) -> int:
    """The version the form was read at (0, never current, when missing or not a number)."""
    text = str(data.pop("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else 0


@router.post("/{vendor_id}", response_model=None)
async def update(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> Response:
    """Save the edit; a stale version re-shows the form with the conflict."""
    data = await _read(request)
    version = _version(data)
    values = _submitted(data, principal)
    try:
        VendorFields.model_validate(_blank() | values)
        with transaction(request) as session:
            vendor_service.update_vendor(session, principal, vendor_id, values, version)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, vendor_id, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/vendors/{vendor_id}")


@router.post("/{vendor_id}/change", response_model=None)
async def change(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> Response:
    """Record that the vendor changed; reviews of the systems that depend on it open."""
    data = await _read(request)
    version = _version(data)
    try:
        what = VendorChange.model_validate(
            {"reason": data.get("reason", ""), "detail": data.get("detail", "")}
        )
        with transaction(request) as session:
            vendor_service.mark_changed(session, principal, vendor_id, what, version)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"change-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(request, principal, vendor_id, errors=problem, status=_status(exc))
    return done(f"/vendors/{vendor_id}#history", "saved")


@router.post("/{vendor_id}/archive", response_model=None)
async def archive(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> Response:
    """Archive (exit) the vendor; reviews of the systems that depended on it open."""
    data = await _read(request)
    version = _version(data)
    try:
        detail_text = VendorChange.model_validate(
            {"reason": "other", "detail": data.get("detail", "")}
        ).detail
        with transaction(request) as session:
            vendor_service.archive_vendor(session, principal, vendor_id, version, detail_text)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"archive-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(request, principal, vendor_id, errors=problem, status=_status(exc))
    return done(f"/vendors/{vendor_id}")
