"""JSON API of invitations: admins invite, list and revoke; the invited person looks an
invitation up, accepts it (signed in, or by creating an account) or declines it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.orgs import Role
from tekisei.core.users import Email, Password
from tekisei.services import invitations as invitation_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.threads import hashing

router = APIRouter(tags=["invitations"])

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=100),
]


class InvitationCreate(BaseModel):
    """Whom to invite, in which role."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    role: Role


class InvitationOut(BaseModel):
    """An invitation (never its code)."""

    id: int
    email: str
    role: str
    status: str = Field(description="pending, accepted, declined, revoked or expired")
    created_by: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class InvitationIssued(InvitationOut):
    """A new invitation with its one-time code and link, returned only this once."""

    code: str
    url: str = Field(description="The link to give the invited person (path on this server)")


class CodeIn(BaseModel):
    """The one-time code of an invitation."""

    model_config = ConfigDict(extra="forbid")

    code: Code


class RegisterIn(CodeIn):
    """Accept an invitation by creating an account with one's own password."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    password: Password


class InvitationDetailsOut(BaseModel):
    """What an open invitation offers."""

    org: str
    org_name: str
    email: str
    role: str
    expires_at: datetime


class JoinedOut(BaseModel):
    """The organisation joined."""

    org: str
    email: str
    role: str


InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The invitation's id")]


@router.get("/api/orgs/current/invitations", response_model=list[InvitationOut])
def list_invitations(request: Request, principal: PrincipalDep) -> list[InvitationOut]:
    """Invitations of the organisation, newest first (admins)."""
    with reading(request) as session:
        return [
            InvitationOut(**v.__dict__)
            for v in invitation_service.list_invitations(session, principal)
        ]


@router.post("/api/orgs/current/invitations", response_model=InvitationIssued, status_code=201)
def create_invitation(
    request: Request, principal: PrincipalDep, body: InvitationCreate
) -> InvitationIssued:
    """Invite a person (admins). The answer is the same whether or not the email has an
    account; the code is returned only here and kept only as a hash."""
    with transaction(request) as session:
        code, view = invitation_service.create_invitation(session, principal, body.email, body.role)
    return InvitationIssued(**view.__dict__, code=code, url=f"/invitations/{code}")


@router.delete("/api/orgs/current/invitations/{invitation_id}", response_model=InvitationOut)
def revoke_invitation(
    request: Request, principal: PrincipalDep, invitation_id: InvitationId
) -> InvitationOut:
    """Withdraw a pending invitation (admins)."""
    with transaction(request) as session:
        view = invitation_service.revoke_invitation(session, principal, invitation_id)
    return InvitationOut(**view.__dict__)


@router.post("/api/invitations/lookup", response_model=InvitationDetailsOut)
def lookup(request: Request, body: CodeIn) -> InvitationDetailsOut:
    """What an invitation code offers (404 when it is not open)."""
    with reading(request) as session:
        details = invitation_service.invitation_details(session, body.code)
    return InvitationDetailsOut(**details.__dict__)


@router.post("/api/invitations/accept", response_model=JoinedOut)
def accept(request: Request, principal: PrincipalDep, body: CodeIn) -> JoinedOut:
    """Accept with the account the caller is signed in to (its email must be the invited
    one). A token keeps acting for its own organisation; sign in to the new one."""
    with transaction(request) as session:
        joined = invitation_service.accept_invitation(session, principal, body.code)
    return JoinedOut(org=joined.org_slug, email=joined.email, role=joined.role.value)


@router.post("/api/invitations/register", response_model=JoinedOut, status_code=201)
async def register(request: Request, body: RegisterIn) -> JoinedOut:
    """Accept by creating an account with one's own password (no account may exist yet
    for the invited email). Sign in afterwards, or create a token with the CLI."""
    joined = await hashing(
        request,
        partial(
            invitation_service.register_with_invitation,
            database(request),
            body.code,
            body.name,
            body.password,
        ),
    )
    return JoinedOut(org=joined.org_slug, email=joined.email, role=joined.role.value)


@router.post("/api/invitations/decline", status_code=204)
def decline(request: Request, body: CodeIn) -> None:
    """Decline an invitation; its code stops working."""
    with transaction(request) as session:
        invitation_service.decline_invitation(session, body.code)
