"""JSON API of the catalog: frameworks, nodes by URN, search and crosswalk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tekisei.core.catalog_views import FrameworkSummary, NodeSummary
from tekisei.services import catalog as catalog_service
from tekisei.web.deps import LangDep, SessionDep

router = APIRouter(prefix="/api/catalog", tags=["catalog"])


class FrameworkTree(FrameworkSummary):
    """A framework with its nodes in tree order."""

    tree: list[NodeSummary]


class CrosswalkLink(BaseModel):
    """A counterpart of a node in another framework."""

    urn: str
    framework: str
    section: str
    title: str
    relation: str
    rationale: str


class NoCounterpartOut(BaseModel):
    """A framework stated to have no counterpart, and why."""

    framework: str
    rationale: str


class NodeOut(BaseModel):
    """A node with its text, children and crosswalk (titles and rationales in ``lang``)."""

    urn: str
    framework: str
    ref: str
    section: str
    parent: str | None
    title_ja: str
    title_en: str
    text_ja: str
    text_en: str
    evidence_ja: str | None
    evidence_en: str | None
    actors: list[str]
    system_roles: list[str]
    assessable: bool
    children: list[str]
    crosswalk: list[CrosswalkLink]
    no_counterpart: list[NoCounterpartOut]


class CrosswalkOut(BaseModel):
    """The crosswalk of one node."""

    urn: str
    section: str
    crosswalk: list[CrosswalkLink]
    no_counterpart: list[NoCounterpartOut]


@router.get("/frameworks", response_model=list[FrameworkSummary])
def list_frameworks(session: SessionDep) -> list[FrameworkSummary]:
    """Every loaded framework with its node and assessable counts."""
    return catalog_service.list_frameworks(session)


@router.get("/frameworks/{framework_id}", response_model=FrameworkTree)
def get_framework(framework_id: str, session: SessionDep) -> FrameworkTree:
    """One framework with its nodes in tree order."""
    summary = catalog_service.get_framework(session, framework_id)
    tree = catalog_service.framework_tree(session, framework_id)
    return FrameworkTree(**summary.model_dump(), tree=tree)


@router.get("/nodes/{reference:path}", response_model=NodeOut)
def get_node(reference: str, session: SessionDep, lang: LangDep) -> dict[str, Any]:
    """A node by URN (or ``<framework-id>:<section>``), with crosswalk in both directions."""
    return catalog_service.get_node(session, reference).as_document(lang)


@router.get("/search", response_model=list[NodeSummary])
def search(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find")],
    framework: Annotated[str | None, Query(description="Only this framework")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NodeSummary]:
    """Nodes whose section, title or text contain every word of ``q``."""
    return catalog_service.search_nodes(session, q, framework, limit)


@router.get("/crosswalk/{reference:path}", response_model=CrosswalkOut)
def crosswalk(
    reference: str,
    session: SessionDep,
    lang: LangDep,
    framework: Annotated[str | None, Query(description="Only this framework")] = None,
) -> dict[str, Any]:
    """Counterparts of a node in the other frameworks, read from either side."""
    document = catalog_service.get_node(session, reference).as_document(lang)
    return {
        "urn": document["urn"],
        "section": document["section"],
        "crosswalk": [
            e for e in document["crosswalk"] if framework is None or e["framework"] == framework
        ],
        "no_counterpart": [
            e
            for e in document["no_counterpart"]
            if framework is None or e["framework"] == framework
        ],
    }
