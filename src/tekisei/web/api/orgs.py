"""JSON API of the caller's organisation and its members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.orgs import Name, OrgActor
from tekisei.services import orgs as org_service
from tekisei.web.api.common import VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/orgs", tags=["orgs"])


class MemberOut(BaseModel):
    """A member and their role; the email only for admins."""

    user_id: int
    email: str | None
    name: str
    role: str


class OrgOut(BaseModel):
    """An organisation."""

    id: int
    slug: str
    name: str
    actors: list[str]
    responsible_person: str | None
    responsible_title: str | None
    time_zone: str = Field(
        description="The IANA time zone pages, reports and exports show times in (the API "
        "always gives times in ISO 8601 with their offset)"
    )
    time_zone_is_default: bool = Field(
        description="The organisation chose no zone: time_zone is the deployment's default "
        "(TEKISEI_TIME_ZONE)"
    )
    version: int


class OrgUpdate(BaseModel):
    """Changes to the organisation's settings; ``version`` is the one you read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    name: Name | None = None
    actors: Annotated[list[OrgActor], Field(min_length=1, max_length=4)] | None = None
    responsible_person: Annotated[str, StringConstraints(max_length=200)] | None = None
    responsible_title: Annotated[str, StringConstraints(max_length=200)] | None = None
    time_zone: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="An IANA name such as Asia/Tokyo or Europe/London; an empty string "
        "follows the deployment's default (TEKISEI_TIME_ZONE)",
    )


@router.get("/current", response_model=OrgOut)
def current_org(request: Request, principal: PrincipalDep) -> OrgOut:
    """The organisation the caller acts for."""
    with reading(request) as session:
        row = org_service.get_org(session, principal.org_slug)
        return OrgOut(**org_service.org_view(session, row).__dict__)


@router.patch("/current", response_model=OrgOut)
def update_org(request: Request, principal: PrincipalDep, body: OrgUpdate) -> OrgOut:
    """Change the organisation's settings (admins; a stale version gets 409)."""
    with transaction(request) as session:
        row = org_service.update_org(
            session,
            principal,
            version=body.version,
            name=body.name,
            actors=body.actors,
            responsible_person=body.responsible_person,
            responsible_title=body.responsible_title,
            time_zone=body.time_zone,
        )
        return OrgOut(**org_service.org_view(session, row).__dict__)


@router.get("/current/members", response_model=list[MemberOut])
def members(request: Request, principal: PrincipalDep) -> list[MemberOut]:
    """Members of the organisation and their roles (emails for admins only; external
    testers get 403). People join through invitations: /api/orgs/current/invitations."""
    with reading(request) as session:
        return [MemberOut(**m.__dict__) for m in org_service.list_members(session, principal)]


MemberId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The member's user id")]


@router.delete("/current/members/{user_id}", status_code=204)
def remove_member(request: Request, principal: PrincipalDep, user_id: MemberId) -> Response:
    """Remove a member (admins): their sessions and tokens for this organisation end.
    The last admin cannot be removed (409)."""
    with transaction(request) as session:
        org_service.remove_member(session, principal, user_id)
    return Response(status_code=204)
