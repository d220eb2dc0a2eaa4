"""JSON API of the governance statement (2(1), 3(4)): the preview and its publication
inside the workspace, and the public twin of each published version (no sign-in)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.services import public_statements
from tekisei.services import statements as statement_service
from tekisei.services.public_statements import (
    PublicStatement,
    PublicVersionSummary,
    StatementWithdrawal,
)
from tekisei.services.statements import MAX_REASON, StatementView
from tekisei.web.api.common import reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.errors import ErrorOut

router = APIRouter(tags=["statements"])
public_router = APIRouter(tags=["public"])

OrgSlug = Annotated[
    str,
    Path(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
        description="The organisation's short id (slug)",
    ),
]
Number = Annotated[int, Path(ge=1, le=100_000, description="A published version's number")]


class Publication(BaseModel):
    """Publish the statement; with ``digest`` (from the preview), only if it is still the
    statement previewed."""

    model_config = ConfigDict(extra="forbid")

    digest: (
        Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")] | None
    ) = None


class Unpublication(BaseModel):
    """Take the statement down; the reason is shown at its public address."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class WithdrawalOut(ErrorOut):
    """A statement that was taken down: when, and why."""

    withdrawn_at: str
    reason: str


def _preview(request: Request, principal: PrincipalDep) -> StatementView:
    with reading(request) as session:
        return statement_service.preview(session, principal)


@router.get("/api/statement", response_model=StatementView)
def get_statement(request: Request, principal: PrincipalDep) -> StatementView:
    """The statement as publishing it now would publish it (with its ``digest``), and
    the versions published."""
    return _preview(request, principal)


@router.post("/api/statement/publish", response_model=StatementView)
def publish_statement(
    request: Request, principal: PrincipalDep, body: Publication
) -> StatementView:
    """Publish the statement as its next version (administrators)."""
    with transaction(request) as session:
        statement_service.publish_statement(session, principal, body.digest)
    return _preview(request, principal)


@router.post("/api/statement/unpublish", response_model=StatementView)
def unpublish_statement(
    request: Request, principal: PrincipalDep, body: Unpublication
) -> StatementView:
    """Take the statement down; its address then says when and why."""
    with transaction(request) as session:
        statement_service.unpublish_statement(session, principal, body.reason)
    return _preview(request, principal)


# ----------------------------------------------------------------------------- public


def _public(request: Request, org: str, number: int | None) -> PublicStatement | Response:
    with reading(request) as session:
        found = public_statements.read_statement(session, org, number)
    if isinstance(found, StatementWithdrawal):
        return gone(found)
    return found


def gone(found: StatementWithdrawal) -> JSONResponse:
    """The 410 a withdrawn statement answers with: when and why."""
    return JSONResponse(
        WithdrawalOut(
            detail="this statement was taken down by its organisation",
            detail_ja="このAIガバナンス声明は、組織により公開が取り下げられました。",
            withdrawn_at=found.withdrawn_at.isoformat(),
            reason=found.reason,
        ).model_dump(),
        status_code=410,
    )


TAKEN_DOWN: dict[int | str, dict[str, Any]] = {
    410: {"model": WithdrawalOut, "description": "The statement was taken down"}
}


@public_router.get(
    "/api/public/orgs/{org}/statement", response_model=PublicStatement, responses=TAKEN_DOWN
)
def public_statement(request: Request, org: OrgSlug) -> PublicStatement | Response:
    """An organisation's published governance statement (latest version) with the list of
    its versions; no sign-in."""
    return _public(request, org, None)


@public_router.get(
    "/api/public/orgs/{org}/statement/versions",
    response_model=list[PublicVersionSummary],
    responses=TAKEN_DOWN,
)
def public_versions(request: Request, org: OrgSlug) -> list[PublicVersionSummary] | Response:
    """Every published version of the statement, newest first."""
    found = _public(request, org, None)
    return found.versions if isinstance(found, PublicStatement) else found


@public_router.get(
    "/api/public/orgs/{org}/statement/versions/{number}",
    response_model=PublicStatement,
    responses=TAKEN_DOWN,
)
def public_version(request: Request, org: OrgSlug, number: Number) -> PublicStatement | Response:
    """One published version, exactly as it was published."""
    return _public(request, org, number)
