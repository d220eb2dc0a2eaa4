"""Catalog pages: framework list, a framework's tree, a node, and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tekisei.core.catalog_views import CrosswalkEntry
from tekisei.services import catalog as catalog_service
from tekisei.web.deps import SessionDep
from tekisei.web.templating import render

router = APIRouter(prefix="/catalog", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def frameworks_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every loaded framework (JSON twin: /api/catalog/frameworks)."""
    frameworks = catalog_service.list_frameworks(session)
    return render(request, "catalog/index.html", {"frameworks": frameworks})


@router.get("/frameworks/{framework_id}", response_class=HTMLResponse)
def framework_page(request: Request, framework_id: str, session: SessionDep) -> HTMLResponse:
    """A framework's tree (JSON twin: /api/catalog/frameworks/{id})."""
    framework = catalog_service.get_framework(session, framework_id)
    tree = catalog_service.framework_tree(session, framework_id)
    return render(request, "catalog/framework.html", {"framework": framework, "tree": tree})


@router.get("/nodes/{reference:path}", response_class=HTMLResponse)
def node_page(request: Request, reference: str, session: SessionDep) -> HTMLResponse:
    """A node with its text and crosswalk (JSON twin: /api/catalog/nodes/{urn})."""
    node = catalog_service.get_node(session, reference)
    frameworks = {f.id: f for f in catalog_service.list_frameworks(session)}
    groups: dict[str, list[CrosswalkEntry]] = {fid: [] for fid in frameworks}
    for entry in node.crosswalk:
        groups[entry.framework].append(entry)
    return render(
        request,
        "catalog/node.html",
        {
            "node": node,
            "framework": frameworks[node.framework],
            "frameworks": frameworks,
            "groups": [(fid, entries) for fid, entries in groups.items() if entries],
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    framework: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """Search every framework (JSON twin: /api/catalog/search); HTMX gets the results only."""
    frameworks = catalog_service.list_frameworks(session)
    results = catalog_service.search_nodes(session, q, framework or None, 100) if q.strip() else []
    context = {"q": q, "framework": framework, "frameworks": frameworks, "results": results}
    if request.headers.get("HX-Request") == "true":
        return render(request, "catalog/_results.html", context)
    return render(request, "catalog/search.html", context)
