"""JSON API of the catalog: frameworks, nodes by URN, search and crosswalk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tekisei.core.catalog_views import (
    CrosswalkDocument,
    FrameworkSummary,
    NodeDocument,
    NodeSummary,
)
from tekisei.services import catalog as catalog_service
from tekisei.web.api.common import Reference
from tekisei.web.deps import LangDep, SessionDep

router = APIRouter(prefix="/api/catalog", tags=["catalog"])
OnlyFramework = Annotated[str | None, Query(max_length=80, description="Only this framework")]


class FrameworkTree(FrameworkSummary):
    """A framework with its nodes in tree order."""

    tree: list[NodeSummary]


@router.get("/frameworks", response_model=list[FrameworkSummary])
def list_frameworks(session: SessionDep) -> list[FrameworkSummary]:
    """Every loaded framework with its node and assessable counts."""
    return catalog_service.list_frameworks(session)


@router.get("/frameworks/{framework_id}", response_model=FrameworkTree)
def get_framework(
    framework_id: Annotated[str, Path(max_length=80)], session: SessionDep
) -> FrameworkTree:
    """One framework with its nodes in tree order."""
    summary = catalog_service.get_framework(session, framework_id)
    tree = catalog_service.framework_tree(session, framework_id)
    return FrameworkTree(**summary.model_dump(), tree=tree)


@router.get("/nodes/{reference:path}", response_model=NodeDocument)
def get_node(reference: Reference, session: SessionDep, lang: LangDep) -> NodeDocument:
    """A node by URN (or ``<framework-id>:<section>``), with crosswalk in both directions."""
    return catalog_service.get_node(session, reference).as_document(lang)


@router.get("/search", response_model=list[NodeSummary])
def search(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find")],
    framework: Annotated[
        str | None, Query(max_length=80, description="Only this framework")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NodeSummary]:
    """Nodes whose section, title or text contain every word of ``q``."""
    return catalog_service.search_nodes(session, q, framework, limit)


@router.get("/crosswalk/{reference:path}", response_model=CrosswalkDocument)
def crosswalk(
    reference: Reference,
    session: SessionDep,
    lang: LangDep,
    framework: Annotated[
        str | None, Query(max_length=80, description="Only this framework")
    ] = None,
) -> CrosswalkDocument:
    """Counterparts of a node in the other frameworks, read from either side."""
    document = catalog_service.get_node(session, reference).as_document(lang)
    return document.crosswalk_only(framework)
