"""The page of a system's compute and energy records (guideline 1(2)): the summary by
phase, the switch that shows the figures publicly, the records and the forms to add and
remove them. JSON twins: ``GET /api/systems/{id}/energy`` and ``…/energy/summary``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.energy import (
    MAX_COMPUTE,
    MAX_FACTOR_SOURCE,
    MAX_SOURCE,
    Basis,
    EnergyFields,
    Phase,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import energy as energy_service
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)
FIELDS = ("phase", "start", "end", "compute", "kwh", "basis", "factor", "factor_source", "source")


def _blank() -> dict[str, Any]:
    return dict.fromkeys(FIELDS, "") | {
        "phase": Phase.INFERENCE.value,
        "basis": Basis.ESTIMATED.value,
    }


def _page(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = energy_service.system_of(session, principal, system_id)
        overview = energy_service.energy_overview(session, principal, system_id)
        records = energy_service.list_energy(session, principal, system_id)
        name = system.name
    context: dict[str, Any] = {
        "system_id": system_id,
        "system_name": name,
        "overview": overview,
        "summary": overview.summary,
        "publication": overview.publication,
        "records": records,
        "values": values or _blank(),
        "errors": errors or {},
        "phases": [p.value for p in Phase],
        "bases": [b.value for b in Basis],
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "max_compute": MAX_COMPUTE,
        "max_source": MAX_SOURCE,
        "max_factor_source": MAX_FACTOR_SOURCE,
    }
    return render(request, "energy/index.html", context, status_code=status)


@router.get("/{system_id}/energy", response_class=HTMLResponse)
def energy_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """The system's energy summary, its public switch and its records."""
    return _page(request, principal, system_id)


@router.post("/{system_id}/energy", response_model=None)
async def add(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Add a record; problems are shown next to their fields and nothing is saved."""
    data = await read_form(request)
    check_csrf(request, data)
    values = _blank() | {k: v for k, v in data.items() if k in FIELDS}
    given = {k: v for k, v in values.items() if not (k == "factor" and v == "")}
    try:
        fields = EnergyFields.model_validate(given)
        with transaction(request) as session:
            energy_service.add_energy(session, principal, system_id, fields)
    except ValidationError as exc:
        errors = field_errors(exc, request.state.lang)
        return _page(request, principal, system_id, values=values, errors=errors, status=422)
    except InvalidInputError as exc:
        errors = {exc.field or "__all__": exc.localized(request.state.lang)}
        return _page(request, principal, system_id, values=values, errors=errors, status=422)
    return done(f"/systems/{system_id}/energy#records", "created")


def _version(data: dict[str, Any]) -> int:
    text = str(data.get("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else -1


@router.post("/{system_id}/energy/publication", response_model=None)
async def publication(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Turn the public section on or off (a stale page gets the conflict explained)."""
    data = await read_form(request)
    check_csrf(request, data)
    published = str(data.get("published", "")) == "1"
    try:
        with transaction(request) as session:
            energy_service.set_publication(
                session, principal, system_id, published, _version(data),
                str(data.get("show_sources", "")) == "1",
            )  # fmt: skip
    except ConflictError as exc:
        errors = {"publication": exc.localized(request.state.lang)}
        return _page(request, principal, system_id, errors=errors, status=409)
    return done(
        f"/systems/{system_id}/energy#publication", "published" if published else "withdrawn"
    )


@router.post("/{system_id}/energy/{energy_id}/remove", response_model=None)
async def remove(
    request: Request, principal: PrincipalDep, system_id: IdPath, energy_id: IdPath
) -> Response:
    """Remove a record."""
    data = await read_form(request)
    check_csrf(request, data)
    with transaction(request) as session:
        energy_service.remove_energy(session, principal, system_id, energy_id)
    return done(f"/systems/{system_id}/energy#records", "removed")
