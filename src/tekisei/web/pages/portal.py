"""Pages of the citizens' portal (guideline section 4), without signing in and Japanese
first: the front page, finding an organisation, and an organisation's page linking to
everything it has published. Every page is the same for everyone, signed in or not."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tekisei.core.portal import MAX_QUERY, PortalSearch
from tekisei.core.times import shown, zone
from tekisei.errors import InvalidInputError
from tekisei.services import portal as portal_service
from tekisei.web.api.common import reading
from tekisei.web.api.registers import OrgSlug
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)

FRONT_ORGS = 12
"""How many organisations the front page names before pointing to the full list."""


@router.get("/", response_class=HTMLResponse)
def front_page(request: Request) -> HTMLResponse:
    """The portal: find an organisation, check a text or image, learn about AI (JSON twin
    of the list: /api/public/orgs)."""
    with reading(request) as session:
        found = portal_service.search(session, "")
    return render(
        request,
        "portal/home.html",
        {
            "orgs": found.results[:FRONT_ORGS],
            "more": found.more or len(found.results) > FRONT_ORGS,
            "max_query": MAX_QUERY,
        },
    )


@router.get("/orgs", response_class=HTMLResponse)
def search_page(request: Request, q: str = "") -> HTMLResponse:
    """Organisations found by their name or the systems on their published register (JSON
    twin: /api/public/orgs?q=)."""
    error = None
    status = 200
    try:
        with reading(request) as session:
            found = portal_service.search(session, q)
    except InvalidInputError as exc:
        error, status = exc.localized(request.state.lang), 422
        found = PortalSearch(query=q[:MAX_QUERY], results=[], more=False)
    return render(
        request,
        "portal/search.html",
        {"found": found, "query": q[: MAX_QUERY * 2], "error": error, "max_query": MAX_QUERY},
        status_code=status,
    )


@router.get("/orgs/{org}", response_class=HTMLResponse)
def hub_page(request: Request, org: OrgSlug) -> HTMLResponse:
    """An organisation's page: its statement, register, notices, incident notices and
    reports, and where to ask a question or object (JSON twin: /api/public/orgs/{org})."""
    with reading(request) as session:
        hub = portal_service.read_hub(session, org)
    where = zone(hub.time_zone)
    return render(
        request,
        "portal/hub.html",
        {"hub": hub, "org_when": lambda value: shown(value, where, with_time=False)},
        time_zone=hub.time_zone,
    )
