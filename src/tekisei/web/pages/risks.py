"""Pages of the risk register: the organisation's register with heat map, add, edit, accept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.risks import RISK_TAXONOMY, RiskFields, Treatment
from tekisei.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tekisei.render.heatmap import heat_map_svg
from tekisei.services import catalog as catalog_service
from tekisei.services import owners as owner_service
from tekisei.services import risks as risk_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.services.risks import CURRENT
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.api.risks import Basis, Level, heat_cell
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import (
    blank_to_none,
    check_csrf,
    field_errors,
    owner_fields,
    read_form,
    without_owner,
)
from tekisei.web.i18n import messages
from tekisei.web.pages import sheets as sheet_pages
from tekisei.web.templating import render

router = APIRouter(prefix="/risks", include_in_schema=False)
OPTIONAL = ("residual_likelihood", "residual_impact", "treatment", "due")


def _choices(request: Request, principal: Principal) -> tuple[list[Any], list[Any]]:
    """The taxonomy's top categories and, for roles that write risks, the members a risk's
    owner is chosen from (of the principal's organisation only)."""
    with reading(request) as session:
        taxonomy = [
            n for n in catalog_service.framework_tree(session, RISK_TAXONOMY) if n.depth == 1
        ]
        owners = (
            owner_service.owner_choices(session, principal)
            if can(principal.role, Permission.WRITE_RISKS)
            else []
        )
    return taxonomy, owners


def heat_link(basis: str = "inherent", system_id: int | None = None) -> Callable[[int, int], str]:
    """Where a heat-map cell leads: the register filtered to the risks counted in it."""

    def link(likelihood: int, impact: int) -> str:
        query = {"status": CURRENT, "likelihood": likelihood, "impact": impact, "basis": basis}
        if system_id is not None:
            query["system"] = system_id
        return f"/risks?{urlencode(query)}"

    return link


@router.get("", response_class=HTMLResponse)
def register_page(
    request: Request,
    principal: PrincipalDep,
    status: Annotated[str, Query(pattern="^(|open|treating|accepted|closed|current)$")] = "",
    system: IdQuery = None,
    likelihood: Level = None,
    impact: Level = None,
    basis: Basis = "inherent",
) -> HTMLResponse:
    """Every visible risk, highest first, with the heat maps of the organisation (or of
    one system); a heat-map cell leads to its risks (JSON twins: /api/risks,
    /api/risks/heatmap)."""
    text = messages(request.state.lang).gettext
    cell = heat_cell(likelihood, impact, basis)
    with reading(request) as session:
        _, rows = risk_service.list_risks(
            session, principal, status=status or None, system_id=system, cell=cell, limit=200
        )
        risks = [risk_service.view(r, ActorNames(session, principal)) for r in rows]
        grid = risk_service.risk_heat_map(session, principal, system)
        systems = {
            s.id: s.name for s in system_service.list_systems(session, principal, limit=200)[1]
        }
    before = heat_map_svg(
        grid.inherent,
        title=text("Risks before treatment"),
        x_label=text("Impact"),
        y_label=text("Likelihood"),
        link=heat_link("inherent", system),
    )
    after = heat_map_svg(
        grid.residual,
        title=text("Risks after treatment"),
        x_label=text("Impact"),
        y_label=text("Likelihood"),
        link=heat_link("residual", system),
    )
    return render(
        request,
        "risks/index.html",
        {
            "risks": risks,
            "systems": systems,
            "before": Markup(before),
            "after": Markup(after),
            "status": status,
            "system_id": system,
            "cell": cell,
            "total": grid.total,
        },
    )


def _form(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    errors: dict[str, str],
    system: Any,
    risk_id: int | None = None,
    version: int | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    taxonomy, owners = _choices(request, principal)
    lang = request.state.lang
    return render(
        request,
        "risks/form.html",
        {
            "values": values,
            "errors": errors,
            "system": system,
            "risk_id": risk_id,
            "version": version,
            "taxonomy": taxonomy,
            "taxonomy_titles": {
                n.ref: (n.title_ja if lang == "ja" else n.title_en) for n in taxonomy
            },
            "history": [],
            "owners": owners,
            "treatments": [t.value for t in Treatment],
            **(extra or {}),
        },
        status_code=status,
    )


def _system(request: Request, principal: Principal, system_id: IdPath) -> Any:
    with reading(request) as session:
        return system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )


@router.get("/new", response_class=HTMLResponse)
def new_page(
    request: Request, principal: PrincipalDep, system: Annotated[int, Query()]
) -> HTMLResponse:
    """The form for a new risk of one system."""
    shown = _system(request, principal, system)  # an invisible system is 404, before 403
    if not can(principal.role, Permission.WRITE_RISKS):
        raise PermissionDeniedError(
            "your role may not add risks", ja="この権限ではリスクを追加できません。"
        )
    values = {
        "title": "",
        "taxonomy": [],
        "description": "",
        "likelihood": 3,
        "impact": 3,
        "treatment_plan": "",
        "owner_id": None,
        "owner_text": "",
        "due": "",
    }
    return _form(request, principal, values, {}, shown)


@router.post("/new", response_model=None)
async def create(
    request: Request, principal: PrincipalDep, system: Annotated[int, Query()]
) -> Response:
    """Add the risk; errors are shown next to their fields."""
    data = await read_form(request)
    check_csrf(request, data)
    values = blank_to_none(
        without_owner(data) | {"taxonomy": data.get("taxonomy", [])}, *OPTIONAL
    ) | owner_fields(data)
    try:
        fields = RiskFields.model_validate(values)
        with transaction(request) as session:
            row = risk_service.add_risk(session, principal, system, fields)
            risk_id = row.id
    except ValidationError as exc:
        return _form(
            request,
            principal,
            values,
            field_errors(exc, request.state.lang),
            _system(request, principal, system),
            status=422,
        )
    except InvalidInputError as exc:
        return _form(
            request,
            principal,
            values,
            {exc.field or "__all__": exc.localized(request.state.lang)},
            _system(request, principal, system),
            status=422,
        )
    return done(f"/risks/{risk_id}", "created")


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The import form (JSON twin: POST /api/risks/import)."""
    return sheet_pages.upload_page(request, principal, "risks")


@router.post("/import", response_class=HTMLResponse)
async def import_preview(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """What the uploaded file would change, or every problem in it."""
    return await sheet_pages.preview(request, principal, "risks")


@router.post("/import/confirm", response_class=HTMLResponse)
async def import_confirm(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Import the previewed file (all rows or none)."""
    return await sheet_pages.confirm(request, principal, "risks")


@router.get("/{risk_id}", response_class=HTMLResponse)
def detail_page(request: Request, principal: PrincipalDep, risk_id: IdPath) -> HTMLResponse:
    """A risk with its edit form, and the acceptance form for executives
    (JSON twin: /api/risks/{id})."""
    with reading(request) as session:
        risk = risk_service.view(
            risk_service.visible_risk(session, principal, risk_id), ActorNames(session, principal)
        )
        history = risk_service.risk_history(session, principal, risk_id)
    values = risk.model_dump(mode="json", include=set(RiskFields.model_fields))
    return _form(
        request,
        principal,
        values,
        {},
        _system(request, principal, risk.system_id),
        risk_id,
        risk.version,
        extra={
            "risk": risk,
            "history": history,
            "can_accept": can(principal.role, Permission.ACCEPT_RISK),
            "can_write": can(principal.role, Permission.WRITE_RISKS),
        },
    )


@router.post("/{risk_id}", response_model=None)
async def update(request: Request, principal: PrincipalDep, risk_id: IdPath) -> Response:
    """Save the edit form; a stale version re-shows it with the conflict."""
    data = await read_form(request)
    check_csrf(request, data)
    version = int(data.pop("version", "0") or 0)
    values = without_owner(data) | {"taxonomy": data.get("taxonomy", [])}
    for field in OPTIONAL:
        values.setdefault(field, None)
        if values[field] == "":
            values[field] = None
    values |= owner_fields(data)
    try:
        RiskFields.model_validate(values)
        with transaction(request) as session:
            risk_service.update_risk(session, principal, risk_id, values, version)
    except ValidationError as exc:
        return _detail_with_errors(
            request, principal, risk_id, values, field_errors(exc, request.state.lang)
        )
    except (ConflictError, InvalidInputError) as exc:
        at = exc.field if isinstance(exc, InvalidInputError) else None
        return _detail_with_errors(
            request,
            principal,
            risk_id,
            values,
            {at or "__all__": exc.localized(request.state.lang)},
        )
    return done(f"/risks/{risk_id}")


def _detail_with_errors(
    request: Request,
    principal: Principal,
    risk_id: IdPath,
    values: dict[str, Any],
    errors: dict[str, str],
) -> HTMLResponse:
    with reading(request) as session:
        risk = risk_service.view(
            risk_service.visible_risk(session, principal, risk_id), ActorNames(session, principal)
        )
        history = risk_service.risk_history(session, principal, risk_id)
    return _form(
        request,
        principal,
        values,
        errors,
        _system(request, principal, risk.system_id),
        risk_id,
        risk.version,
        status=409 if "__all__" in errors else 422,
        extra={
            "risk": risk,
            "history": history,
            "can_accept": can(principal.role, Permission.ACCEPT_RISK),
            "can_write": can(principal.role, Permission.WRITE_RISKS),
        },
    )


@router.post("/{risk_id}/accept", response_model=None)
async def accept(request: Request, principal: PrincipalDep, risk_id: IdPath) -> Response:
    """Record the executive's acceptance of the residual risk."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            risk_service.accept_risk(
                session,
                principal,
                risk_id,
                str(data.get("note", "")),
                int(data.get("version", "0") or 0),
            )
    except (ConflictError, InvalidInputError) as exc:
        with reading(request) as session:
            risk = risk_service.view(
                risk_service.visible_risk(session, principal, risk_id),
                ActorNames(session, principal),
            )
        values = risk.model_dump(mode="json", include=set(RiskFields.model_fields))
        return _form(
            request,
            principal,
            values,
            {"accept": exc.localized(request.state.lang)},
            _system(request, principal, risk.system_id),
            risk_id,
            risk.version,
            status=422,
            extra={
                "risk": risk,
                "can_accept": True,
                "can_write": can(principal.role, Permission.WRITE_RISKS),
            },
        )
    return done(f"/risks/{risk_id}", "accepted")
