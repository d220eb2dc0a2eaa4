"""JSON API of sessions: one's own web sessions and API tokens, ending them, signing out
everywhere, and an admin's view and sign-out of a member in their organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.services import sessions as session_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.orgs import MemberId
from tekisei.web.auth import SESSION_COOKIE, PrincipalDep

router = APIRouter(tags=["account"])

SessionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The session's id")]


class SessionOut(BaseModel):
    """One of your web sessions (never its cookie)."""

    id: int
    current: bool = Field(description="The session this request came with")
    org: str = Field(description="The organisation the session acts for")
    org_name: str
    method: str = Field(description="How it was opened: password or oidc")
    created_at: datetime
    last_seen_at: datetime | None = Field(
        description="The last request seen, to the minute; null: none since sign-in"
    )
    expires_at: datetime
    browser: str | None = Field(description='The browser and system, e.g. "Firefox on Windows"')
    address: str | None = Field(description="The client address last seen")


class OwnTokenOut(BaseModel):
    """One of your usable API tokens (never the secret)."""

    id: int
    name: str
    prefix: str
    org: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class MySessionsOut(BaseModel):
    """Your open web sessions and usable API tokens, in every organisation."""

    sessions: list[SessionOut]
    tokens: list[OwnTokenOut]


class SignOutEverywhere(BaseModel):
    """What signing out everywhere ends."""

    model_config = ConfigDict(extra="forbid")

    keep_current: bool = Field(
        default=True, description="Keep the browser session this request came with"
    )
    revoke_tokens: bool = Field(default=False, description="Also revoke all your API tokens")


class MemberSignOut(BaseModel):
    """What an admin's sign-out of a member ends besides their sessions here."""

    model_config = ConfigDict(extra="forbid")

    revoke_tokens: bool = Field(
        default=True, description="Also revoke the member's API tokens for this organisation"
    )


class SignOutOut(BaseModel):
    """What was ended."""

    sessions_ended: int
    tokens_revoked: int


class MemberSessionsOut(BaseModel):
    """A member's sign-ins in this organisation, as an admin sees them."""

    user_id: int
    sessions: int = Field(description="Open web sessions acting for this organisation")
    tokens: int = Field(description="Usable API tokens for this organisation")
    last_seen_at: datetime | None


def _cookie(request: Request) -> str | None:
    principal = request.state.principal
    return request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None


@router.get("/api/account/sessions", response_model=MySessionsOut)
def my_sessions(request: Request, principal: PrincipalDep) -> MySessionsOut:
    """Your open web sessions (the current one marked) and usable API tokens."""
    with reading(request) as session:
        found = session_service.my_sessions(session, principal, _cookie(request))
    return MySessionsOut(
        sessions=[
            SessionOut(
                **{k: v for k, v in s.__dict__.items() if k != "browser"}, browser=s.browser.text
            )
            for s in found.sessions
        ],
        tokens=[OwnTokenOut(**t.__dict__) for t in found.tokens],
    )


@router.delete("/api/account/sessions/{session_id}", status_code=204)
def end_session(request: Request, principal: PrincipalDep, session_id: SessionId) -> Response:
    """End one of your sessions (404 for anyone else's); its cookie stops working."""
    with transaction(request) as session:
        session_service.end_my_session(session, principal, session_id)
    return Response(status_code=204)


@router.post("/api/account/sign-out-everywhere", response_model=SignOutOut)
def sign_out_everywhere(
    request: Request, principal: PrincipalDep, body: SignOutEverywhere
) -> SignOutOut:
    """End all your web sessions in every organisation (but this one with
    ``keep_current``), and with ``revoke_tokens`` all your API tokens."""
    with transaction(request) as session:
        result = session_service.sign_out_everywhere(
            session,
            principal,
            _cookie(request),
            keep_current=body.keep_current,
            revoke_tokens=body.revoke_tokens,
        )
    return SignOutOut(**result.__dict__)


@router.get("/api/orgs/current/members/{user_id}/sessions", response_model=MemberSessionsOut)
def member_sessions(
    request: Request, principal: PrincipalDep, user_id: MemberId
) -> MemberSessionsOut:
    """How many sessions and tokens a member has in this organisation (admins; 404 for
    someone who is not a member here)."""
    with reading(request) as session:
        found = session_service.member_sessions(session, principal, user_id)
    return MemberSessionsOut(**found.__dict__)


@router.post("/api/orgs/current/members/{user_id}/sign-out", response_model=SignOutOut)
def sign_out_member(
    request: Request, principal: PrincipalDep, user_id: MemberId, body: MemberSignOut
) -> SignOutOut:
    """End every session a member has in this organisation and revoke their tokens for
    it (admins); their sessions in other organisations stay."""
    with transaction(request) as session:
        result = session_service.sign_out_member(
            session, principal, user_id, revoke_tokens=body.revoke_tokens
        )
    return SignOutOut(**result.__dict__)
