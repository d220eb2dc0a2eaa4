"""The dashboard page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from tekisei.render.heatmap import heat_map_svg
from tekisei.render.radar import radar_svg
from tekisei.services import catalog as catalog_service
from tekisei.services import dashboard as dashboard_service
from tekisei.services.dashboard import DashboardOut
from tekisei.web.api.common import reading
from tekisei.web.auth import PrincipalDep
from tekisei.web.i18n import messages
from tekisei.web.pages.risks import heat_link
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["dashboard"])


@api.get("/api/dashboard", response_model=DashboardOut)
def dashboard_json(request: Request, principal: PrincipalDep) -> DashboardOut:
    """The organisation at a glance."""
    with reading(request) as session:
        return dashboard_service.dashboard(session, principal)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Systems by tier and stage, the elements radar, risks, reviews, approvals, maturity
    (JSON twin: /api/dashboard)."""
    lang = request.state.lang
    text = messages(lang).gettext
    with reading(request) as session:
        data = dashboard_service.dashboard(session, principal)
        titles = {
            n.ref: (n.title_ja if lang == "ja" else n.title_en)
            for n in catalog_service.framework_tree(session, "jp-ai-appropriateness-2025")
        }
    radar = radar_svg(
        [titles.get(e.element, e.element) for e in data.elements],
        [e.completeness for e in data.elements],
        title=text("Assessment completeness by element"),
    )
    heat = heat_map_svg(
        data.heat_map.inherent,
        title=text("Risks before treatment"),
        x_label=text("Impact"),
        y_label=text("Likelihood"),
        link=heat_link(),
    )
    return render(
        request,
        "dashboard/index.html",
        {"data": data, "radar": Markup(radar), "heat": Markup(heat), "titles": titles},
    )
