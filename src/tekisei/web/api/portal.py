"""JSON API of the citizens' portal (guideline section 4), without signing in: finding an
organisation that publishes something, and the links to everything it has published."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tekisei.core.portal import MAX_QUERY, OrgHub, PortalSearch
from tekisei.services import portal as portal_service
from tekisei.web.api.common import reading
from tekisei.web.api.registers import OrgSlug

public_router = APIRouter(tags=["public"])

SearchQuery = Annotated[
    str,
    Query(
        max_length=MAX_QUERY,
        description="Words found in the organisation's name, or in the name or purpose of a "
        "system on its published register (each word must be found); blank lists every "
        "organisation that publishes something",
    ),
]


@public_router.get("/api/public/orgs", response_model=PortalSearch)
def search_orgs(request: Request, q: SearchQuery = "") -> PortalSearch:
    """Find organisations that publish something, by their name or their systems."""
    with reading(request) as session:
        return portal_service.search(session, q)


@public_router.get("/api/public/orgs/{org}", response_model=OrgHub)
def org_hub(request: Request, org: OrgSlug) -> OrgHub:
    """What the organisation publishes, with the addresses; 404 when it publishes
    nothing."""
    with reading(request) as session:
        return portal_service.read_hub(session, org)
