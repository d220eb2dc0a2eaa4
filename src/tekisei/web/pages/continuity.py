"""Pages of business continuity (2(4)): a system's plan with its drills and forms, and the
organisation's overview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.continuity import (
    MAX_CONTACTS,
    MAX_DEPENDENCIES,
    RULES_JA,
    DependencyKind,
    DrillFields,
    Outcome,
    ScenarioKind,
    Unit,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import continuity as continuity_service
from tekisei.services import gates as gate_service
from tekisei.services import systems as system_service
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, error_message
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)
Failure = ConflictError | InvalidInputError
SPARE_ROWS = 3
"""Empty rows offered after the dependencies and contacts already written."""


async def _read(request: Request) -> dict[str, str]:
    form = await request.form()
    data = {key: str(form.getlist(key)[-1]).strip() for key in set(form.keys())}
    check_csrf(request, data)
    return data


def _rows(data: dict[str, str], prefix: str, names: tuple[str, ...], limit: int) -> list[Any]:
    """Numbered rows of a form (``prefix-name-N``) that have a first field, in order."""
    rows = []
    for index in range(limit + SPARE_ROWS):
        row = {name: data.get(f"{prefix}-{name}-{index}", "") for name in names}
        if row[names[0]]:
            rows.append(row)
    return rows


def _limit(data: dict[str, str], key: str) -> dict[str, str] | None:
    value = data.get(f"{key}-value", "")
    return {"value": value, "unit": data.get(f"{key}-unit", "hours")} if value else None


def _plan_changes(data: dict[str, str]) -> dict[str, Any]:
    """The plan a form sent: the rows that have a name, the scenarios that are ticked."""
    scenarios = [
        {
            "kind": kind.value,
            "procedure": data.get(f"sc-{kind.value}-procedure", ""),
            "rto": _limit(data, f"sc-{kind.value}-rto"),
            "rpo": _limit(data, f"sc-{kind.value}-rpo"),
        }
        for kind in ScenarioKind
        if data.get(f"sc-{kind.value}")
    ]
    return {
        "dependencies": _rows(data, "dep", ("name", "kind", "link"), MAX_DEPENDENCIES),
        "scenarios": scenarios,
        "contacts": _rows(data, "ct", ("name", "role", "reach"), MAX_CONTACTS),
        "notes": data.get("notes", ""),
    }


def _version(data: dict[str, str]) -> int:
    text = data.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else -1


def _problems(exc: ValidationError | Failure, lang: str) -> list[str]:
    if isinstance(exc, ValidationError):
        out = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            text = error_message(error, lang)
            out.append(f"{where}: {RULES_JA.get(text, text) if lang == 'ja' else text}")
        return out[:10]
    return [exc.localized(lang)]


def _page(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    errors: list[str] | None = None,
    drill_errors: list[str] | None = None,
    plan_input: dict[str, str] | None = None,
    drill_input: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = system_service.visible_system(session, principal, system_id)
        plan = continuity_service.get_plan(session, principal, system_id)
        drills = [
            continuity_service.drill_view(session, principal, row)
            for row in continuity_service.list_drills(session, principal, system_id)
        ]
        checklist = gate_service.gate_checklist(session, principal, system_id)
    line = next((i for i in checklist.items if i.code == "continuity"), None)
    return render(
        request,
        "continuity/plan.html",
        {
            "system": system,
            "plan": plan,
            "drills": drills,
            "gate": line,
            "scenarios": {s.kind.value: s for s in plan.scenarios},
            "dependency_kinds": [k.value for k in DependencyKind],
            "scenario_kinds": [k.value for k in ScenarioKind],
            "outcomes": [o.value for o in Outcome],
            "units": [u.value for u in Unit],
            "spare": SPARE_ROWS,
            "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
            "errors": errors or [],
            "drill_errors": drill_errors or [],
            "plan_input": plan_input,
            "drill_input": drill_input,
        },
        status_code=status,
    )


@router.get("/systems/{system_id}/continuity", response_class=HTMLResponse)
def plan(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """A system's continuity plan (or its draft), its drills and their forms (JSON twin:
    /api/systems/{id}/continuity)."""
    return _page(request, principal, system_id)


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


@router.post("/systems/{system_id}/continuity", response_model=None)
async def save(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Save the plan; problems are shown above the form."""
    data = await _read(request)
    try:
        with transaction(request) as session:
            continuity_service.save_plan(
                session, principal, system_id, _plan_changes(data), _version(data)
            )
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _page(
            request, principal, system_id, errors=_problems(exc, request.state.lang),
            plan_input=data, status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/continuity")


@router.post("/systems/{system_id}/continuity/review", response_model=None)
async def review(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Mark the plan reviewed today by the signed-in person."""
    data = await _read(request)
    try:
        with transaction(request) as session:
            continuity_service.review_plan(session, principal, system_id, _version(data))
    except (ConflictError, InvalidInputError) as exc:
        return _page(
            request, principal, system_id, errors=_problems(exc, request.state.lang),
            status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/continuity")


@router.post("/systems/{system_id}/continuity/drills", response_model=None)
async def drill(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Record a drill; problems are shown next to the drill form."""
    data = await _read(request)
    try:
        fields = DrillFields.model_validate(
            {name: data.get(name, "") for name in ("held_on", "scenario", "outcome",
                                                   "findings", "actions")}
        )  # fmt: skip
        with transaction(request) as session:
            continuity_service.record_drill(session, principal, system_id, fields)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _page(
            request, principal, system_id, drill_errors=_problems(exc, request.state.lang),
            drill_input=data, status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/continuity#drills", "saved")


@router.get("/continuity", response_class=HTMLResponse)
def overview(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Every system's plan and latest drill (JSON twin: /api/continuity)."""
    with reading(request) as session:
        rows = continuity_service.overview(session, principal)
        summary = continuity_service.summary(session, principal)
    return render(request, "continuity/index.html", {"rows": rows, "summary": summary})
