"""JSON API of SCIM tokens: an organisation's admins issue, list and revoke the bearer
tokens its identity provider uses on ``/scim/v2``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.services import scim_tokens as scim_token_service
from tekisei.services.scim_tokens import MAX_NAME
from tekisei.web.api.common import reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["scim"])

ScimTokenId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The SCIM token's id")]


class ScimTokenCreate(BaseModel):
    """What the token is for (e.g. the identity provider's name)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)
    ]


class ScimTokenOut(BaseModel):
    """A SCIM token (never its secret)."""

    id: int
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ScimTokenIssued(ScimTokenOut):
    """A new SCIM token with its secret, returned only this once."""

    token: str = Field(description="Give it to the identity provider as the bearer token")
    url: str = Field(description="The SCIM endpoint (path on this server)")


@router.get("/api/orgs/current/scim-tokens", response_model=list[ScimTokenOut])
def list_scim_tokens(request: Request, principal: PrincipalDep) -> list[ScimTokenOut]:
    """The organisation's SCIM tokens, newest first (admins)."""
    with reading(request) as session:
        views = scim_token_service.list_scim_tokens(session, principal)
    return [ScimTokenOut(**v.__dict__) for v in views]


@router.post("/api/orgs/current/scim-tokens", response_model=ScimTokenIssued, status_code=201)
def create_scim_token(
    request: Request, response: Response, principal: PrincipalDep, body: ScimTokenCreate
) -> ScimTokenIssued:
    """Issue a SCIM token (admins); the secret is returned only here and kept as a hash."""
    with transaction(request) as session:
        secret, view = scim_token_service.create_scim_token(session, principal, body.name)
    response.headers["Cache-Control"] = "no-store"
    return ScimTokenIssued(**view.__dict__, token=secret, url="/scim/v2")


@router.delete("/api/orgs/current/scim-tokens/{scim_token_id}", response_model=ScimTokenOut)
def revoke_scim_token(
    request: Request, principal: PrincipalDep, scim_token_id: ScimTokenId
) -> ScimTokenOut:
    """Revoke a SCIM token at once (admins)."""
    with transaction(request) as session:
        view = scim_token_service.revoke_scim_token(session, principal, scim_token_id)
    return ScimTokenOut(**view.__dict__)
