"""JSON API of oversight across organisations (guideline 3(2)): the grants an organisation
gives supervising organisations, and the aggregates a supervisor reads of the
organisations that granted it. Every read of aggregates is audited in both organisations
(so it is a write: a transaction)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tekisei.core.oversight import MAX_SHARED
from tekisei.services import oversight as oversight_service
from tekisei.services.oversight import GrantingOrg, GrantView, OrgOversight, Overview
from tekisei.web.api.common import IdField, reading, transaction
from tekisei.web.api.statements import OrgSlug
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["oversight"])


def _typed_slug(value: object) -> object:
    """A short id as people type it: full-width forms, capitals and spaces around it
    forgiven (the page's form reads it the same way)."""
    return unicodedata.normalize("NFKC", value).strip().lower() if isinstance(value, str) else value


Slug = Annotated[
    str,
    BeforeValidator(_typed_slug),
    Field(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
        description="The supervising organisation's short id (slug)",
    ),
]


class GrantBody(BaseModel):
    """Grant ``supervisor`` the aggregates, and the summaries of ``systems`` (optional)."""

    model_config = ConfigDict(extra="forbid")

    supervisor: Slug
    systems: list[IdField] = Field(default_factory=list, max_length=MAX_SHARED)


class ShareBody(BaseModel):
    """The systems shared item by item; ``version``: the grant's version you read."""

    model_config = ConfigDict(extra="forbid")

    systems: list[IdField] = Field(default_factory=list, max_length=MAX_SHARED)
    version: Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get("/api/oversight", response_model=Overview)
def overview(request: Request, principal: PrincipalDep) -> Overview:
    """Every organisation that grants yours oversight: its aggregates, shared systems and
    trend, and the totals across them (admins, executives and auditors; audited in both
    organisations)."""
    with transaction(request) as session:
        return oversight_service.overview(session, principal)


@router.get("/api/oversight/orgs", response_model=list[GrantingOrg])
def granting(request: Request, principal: PrincipalDep) -> list[GrantingOrg]:
    """The organisations that grant yours oversight (names only)."""
    with reading(request) as session:
        return oversight_service.granting_orgs(session, principal)


@router.get("/api/oversight/orgs/{org}", response_model=OrgOversight)
def view_org(request: Request, principal: PrincipalDep, org: OrgSlug) -> OrgOversight:
    """One granting organisation's aggregates, shared systems and trend; 404 for an
    organisation that has not granted yours (or has revoked)."""
    with transaction(request) as session:
        return oversight_service.view_org(session, principal, org)


@router.get("/api/oversight/grants", response_model=list[GrantView])
def list_grants(request: Request, principal: PrincipalDep) -> list[GrantView]:
    """Your organisation's grants to supervising organisations, active first."""
    with reading(request) as session:
        return oversight_service.list_grants(session, principal)


@router.post("/api/oversight/grants", response_model=GrantView, status_code=201)
def grant(request: Request, principal: PrincipalDep, body: GrantBody) -> GrantView:
    """Grant a supervising organisation oversight (administrators)."""
    with transaction(request) as session:
        return oversight_service.grant(session, principal, body.supervisor, body.systems)


@router.put("/api/oversight/grants/{org}", response_model=GrantView)
def share(request: Request, principal: PrincipalDep, org: OrgSlug, body: ShareBody) -> GrantView:
    """Change the systems shared item by item with ``org`` (administrators)."""
    with transaction(request) as session:
        return oversight_service.share_systems(session, principal, org, body.systems, body.version)


@router.delete("/api/oversight/grants/{org}", response_model=GrantView)
def revoke(request: Request, principal: PrincipalDep, org: OrgSlug) -> GrantView:
    """Revoke the grant to ``org``: from now on it sees nothing of your organisation."""
    with transaction(request) as session:
        return oversight_service.revoke(session, principal, org)
