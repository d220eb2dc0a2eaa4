"""JSON API of the caller's organisation and its members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.orgs import Name, OrgActor, Role
from tekisei.services import orgs as org_service
from tekisei.services import users as user_service
from tekisei.services.users import Email
from tekisei.web.api.common import VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/orgs", tags=["orgs"])


class MemberOut(BaseModel):
    """A member and their role."""

    user_id: int
    email: str
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
    version: int


class OrgUpdate(BaseModel):
    """Changes to the organisation's settings; ``version`` is the one you read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    name: Name | None = None
    actors: Annotated[list[OrgActor], Field(min_length=1, max_length=4)] | None = None
    responsible_person: Annotated[str, StringConstraints(max_length=200)] | None = None
    responsible_title: Annotated[str, StringConstraints(max_length=200)] | None = None


@router.get("/current", response_model=OrgOut)
def current_org(request: Request, principal: PrincipalDep) -> OrgOut:
    """The organisation the caller acts for."""
    with reading(request) as session:
        row = org_service.get_org(session, principal.org_slug)
        return OrgOut(**org_service.org_view(row).__dict__)


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
        )
        return OrgOut(**org_service.org_view(row).__dict__)


@router.get("/current/members", response_model=list[MemberOut])
def members(request: Request, principal: PrincipalDep) -> list[MemberOut]:
    """Members of the organisation and their roles."""
    with reading(request) as session:
        return [MemberOut(**m.__dict__) for m in org_service.list_members(session, principal)]


class MemberCreate(BaseModel):
    """A member to add; a new account gets this initial password."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    role: Role
    password: Annotated[str, Field(min_length=1, max_length=1024)]


@router.post("/current/members", response_model=MemberOut, status_code=201)
def add_member(request: Request, principal: PrincipalDep, body: MemberCreate) -> MemberOut:
    """Add a member (admins)."""
    data = user_service.UserCreate(email=body.email, name=body.name, password=body.password)
    with transaction(request) as session:
        user = user_service.add_member_account(session, principal, data, body.role)
        return MemberOut(user_id=user.id, email=user.email, name=user.name, role=body.role.value)
