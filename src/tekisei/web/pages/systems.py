"""Pages of the AI system inventory: list, detail, create and edit forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from tekisei.core.catalog import SystemRole
from tekisei.core.gates import gated
from tekisei.core.orgs import Permission, Role, can
from tekisei.core.systems import (
    AffectedGroup,
    Autonomy,
    DataCategory,
    Deployment,
    Scale,
    Stage,
    SystemFacts,
    Tier,
    UseDomain,
)
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.render.heatmap import heat_map_svg
from tekisei.services import gates as gate_service
from tekisei.services import incidents as incident_views
from tekisei.services import judgements as judgement_service
from tekisei.services import notice_views, provenance_checks
from tekisei.services import procurements as procurement_views
from tekisei.services import provenance as text_provenance
from tekisei.services import records as record_service
from tekisei.services import risks as risk_service
from tekisei.services import stakeholders as stakeholder_views
from tekisei.services import systems as system_service
from tekisei.services import vendors as vendor_views
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.i18n import messages
from tekisei.web.pages import sheets as sheet_pages
from tekisei.web.pages.risks import heat_link
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)

CHOICES: dict[str, list[str]] = {
    "org_role": [r.value for r in SystemRole],
    "domain": [d.value for d in UseDomain],
    "stage": [s.value for s in Stage],
    "data_categories": [d.value for d in DataCategory],
    "affected": [a.value for a in AffectedGroup],
    "autonomy": [a.value for a in Autonomy],
    "scale": [s.value for s in Scale],
    "deployment": [d.value for d in Deployment],
}


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request,
    principal: PrincipalDep,
    tier: Annotated[str, Query()] = "",
    stage: Annotated[str, Query()] = "",
    role: Annotated[str, Query()] = "",
    sort: Annotated[str, Query()] = "name",
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The inventory with filters and a search over names and purposes (JSON twin:
    /api/systems)."""
    with reading(request) as session:
        total, rows = system_service.list_systems(
            session,
            principal,
            tier=tier or None,
            stage=stage or None,
            org_role=role or None,
            q=q.strip() or None,
            sort=sort,
            limit=200,
        )
        items = [system_service.view(r, principal.org_slug) for r in rows]
    return render(
        request,
        "systems/index.html",
        {
            "items": items,
            "total": total,
            "tiers": [t.label for t in Tier],
            "choices": CHOICES,
            "filters": {"tier": tier, "stage": stage, "role": role, "q": q},
            "sort": sort,
            "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        },
    )


def _form_page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    system_id: int | None,
    version: int | None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "systems/form.html",
        {
            "values": values,
            "errors": errors,
            "choices": CHOICES,
            "system_id": system_id,
            "version": version,
        },
        status_code=status,
    )


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The form for a new system."""
    defaults = SystemFacts(name="-", org_role=SystemRole.USER).model_dump(mode="json")
    defaults["name"] = ""
    return _form_page(request, defaults, {}, None, None)


@router.post("/new", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Register a system from the form; errors are shown next to their fields."""
    data = await read_form(request)
    check_csrf(request, data)
    values = _with_lists(data)
    try:
        facts = SystemFacts.model_validate(values)
    except ValidationError as exc:
        return _form_page(
            request, values, field_errors(exc, request.state.lang), None, None, status=422
        )
    with transaction(request) as session:
        row = system_service.register_system(session, principal, facts)
        system_id = row.id
    return done(f"/systems/{system_id}", "created")


def _with_lists(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    for field in ("models", "vendors", "data_categories", "affected"):
        values.setdefault(field, [])
    return values


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The import form (JSON twin: POST /api/systems/import)."""
    return sheet_pages.upload_page(request, principal, "systems")


@router.post("/import", response_class=HTMLResponse)
async def import_preview(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """What the uploaded file would change, or every problem in it."""
    return await sheet_pages.preview(request, principal, "systems")


@router.post("/import/confirm", response_class=HTMLResponse)
async def import_confirm(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Import the previewed file (all rows or none)."""
    return await sheet_pages.confirm(request, principal, "systems")


@router.get("/{system_id}", response_class=HTMLResponse)
def detail_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """A system: facts, tier with reasons, applicable requirements, risks and heat map,
    models and training data, and its notice (JSON twins: /api/systems/{id},
    /requirements, /risks, /records/models, /records/datasets, /notice)."""
    lang = request.state.lang
    with reading(request) as session:
        row = system_service.visible_system(session, principal, system_id)
        system = system_service.view(row, principal.org_slug)
        requirements = system_service.system_requirements(session, principal, system_id)
        _, risk_rows = risk_service.list_risks(session, principal, system_id=system_id, limit=200)
        risks = [risk_service.view(r, ActorNames(session, principal)) for r in risk_rows]
        grid = risk_service.risk_heat_map(session, principal, system_id)
        provenance = provenance_checks.system_provenance(session, principal, system_id)
        checklist = gate_service.gate_checklist(session, principal, system_id)
        text_keys = [
            k for k in text_provenance.list_keys(session, principal) if k.status.value != "retired"
        ]
        actors = ActorNames(session, principal)
        record_models = [
            record_service.model_view(r, actors)
            for r in record_service.list_models(session, principal, system_id)
        ]
        record_datasets = [
            record_service.dataset_view(r, actors)
            for r in record_service.list_datasets(session, principal, system_id)
        ]
        notice = notice_views.notice_summary(session, principal, system_id)
        system_stakeholders = stakeholder_views.for_system(session, principal, system_id)
        system_vendors = vendor_views.for_system(session, principal, system_id)
        procurement_count = procurement_views.count_for_system(session, principal, system_id)
        system_incidents = incident_views.for_system(session, principal, system_id)
        judgement = None
        if principal.role is not Role.EXTERNAL_TESTER:
            in_force = judgement_service.in_force(session, principal, system_id)
            if in_force is not None:
                judgement = judgement_service.view(session, in_force, actors)
    groups: dict[str, dict[str, Any]] = {}
    for requirement in requirements:
        group = groups.setdefault(
            requirement.group,
            {
                "title": requirement.group_title_ja if lang == "ja" else requirement.group_title_en,
                "items": [],
            },
        )
        group["items"].append(requirement)
    text = messages(lang).gettext
    svg = heat_map_svg(
        grid.inherent,
        title=text("Risks before treatment"),
        x_label=text("Impact"),
        y_label=text("Likelihood"),
        link=heat_link("inherent", system_id),
    )
    return render(
        request,
        "systems/detail.html",
        {
            "system": system,
            "groups": groups,
            "requirement_count": len(requirements),
            "risks": risks,
            "heatmap": Markup(svg),
            "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
            "can_add_risk": can(principal.role, Permission.WRITE_RISKS),
            "next_stages": [s.value for s in Stage if gated(system.stage, s)],
            "provenance": provenance,
            "checklist": checklist,
            "text_keys": text_keys,
            "record_models": record_models,
            "record_datasets": record_datasets,
            "notice": notice,
            "system_stakeholders": system_stakeholders,
            "system_vendors": system_vendors,
            "procurement_count": procurement_count,
            "system_incidents": system_incidents,
            "judgement": judgement,
            "may_judge": principal.role is not Role.EXTERNAL_TESTER,
            "can_report_incident": can(principal.role, Permission.WRITE_INCIDENTS),
        },
    )


@router.get("/{system_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """The edit form, carrying the version it was read at."""
    with reading(request) as session:
        row = system_service.visible_system(session, principal, system_id)
        view = system_service.view(row, principal.org_slug)
    values = SystemFacts.model_validate(view.model_dump(include=set(SystemFacts.model_fields)))
    return _form_page(request, values.model_dump(mode="json"), {}, system_id, view.version)


@router.post("/{system_id}/edit", response_model=None)
async def update(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Save the edit form; a stale version or invalid facts re-show the form with errors."""
    data = await read_form(request)
    check_csrf(request, data)
    version = int(data.pop("version", "0") or 0)
    values = _with_lists(data)
    try:
        SystemFacts.model_validate(values)
    except ValidationError as exc:
        return _form_page(
            request, values, field_errors(exc, request.state.lang), system_id, version, status=422
        )
    try:
        with transaction(request) as session:
            system_service.update_system(session, principal, system_id, values, version)
    except (ConflictError, InvalidInputError) as exc:
        message = exc.localized(request.state.lang)
        return _form_page(
            request,
            values,
            {"__all__": message},
            system_id,
            version,
            status=409 if isinstance(exc, ConflictError) else 422,
        )
    return done(f"/systems/{system_id}")


@router.post("/{system_id}/provenance", response_model=None)
async def save_provenance(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Record the system's provenance mechanisms from its page."""
    data = await read_form(request)
    check_csrf(request, data)
    with transaction(request) as session:
        provenance_checks.set_mechanisms(
            session,
            principal,
            system_id,
            text_key_id=str(data.get("text_key_id", "")) or None,
            c2pa=bool(data.get("c2pa")),
            other=str(data.get("other", "")),
        )
    return done(f"/systems/{system_id}#provenance")
