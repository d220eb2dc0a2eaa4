"""JSON API of the caller's own account: who they are, their organisations, changing their
password and (for browser sessions) the organisation they act for."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from tekisei.core.users import AnyPassword, Password
from tekisei.services import users as user_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.auth import SESSION_COOKIE, PasswordChangerDep, PrincipalDep, client_address
from tekisei.web.threads import hashing

router = APIRouter(prefix="/api/account", tags=["account"])


class OrgChoiceOut(BaseModel):
    """An organisation the account belongs to."""

    slug: str
    name: str
    role: str
    current: bool


class AccountOut(BaseModel):
    """The caller's account."""

    user_id: int
    email: str
    name: str
    created_at: datetime
    org: str
    role: str
    via: str
    orgs: list[OrgChoiceOut]


class PasswordChange(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: AnyPassword
    new_password: Password


class PasswordChanged(BaseModel):
    """The result of a password change."""

    sessions_ended: int


class OrgSwitch(BaseModel):
    """The organisation to act for."""

    model_config = ConfigDict(extra="forbid")

    org: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _account(request: Request) -> AccountOut:
    principal = request.state.principal
    with reading(request) as session:
        view = user_service.my_account(session, principal)
    return AccountOut(
        **{k: v for k, v in view.__dict__.items() if k != "orgs"},
        orgs=[OrgChoiceOut(**o.__dict__) for o in view.orgs],
    )


@router.get("", response_model=AccountOut)
def account(request: Request, principal: PrincipalDep) -> AccountOut:
    """The caller's account and organisations."""
    return _account(request)


@router.put("/password", response_model=PasswordChanged)
async def change_password(
    request: Request, principal: PasswordChangerDep, body: PasswordChange
) -> PasswordChanged:
    """Change one's own password (the current one is needed); every other browser session
    of the account ends. Also the way out for an account that must choose its own."""
    cookie = request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None
    ended = await hashing(
        request,
        partial(
            user_service.change_password,
            database(request),
            principal,
            body.current_password,
            body.new_password,
            keep_session=cookie,
            client=client_address(request),
        ),
    )
    return PasswordChanged(sessions_ended=ended)


@router.put("/org", response_model=AccountOut)
def switch_org(request: Request, principal: PrincipalDep, body: OrgSwitch) -> AccountOut:
    """Act for another of one's organisations (browser sessions; a token stays in its own
    organisation: 422). Recorded in both organisations' audit logs."""
    with transaction(request) as session:
        request.state.principal = user_service.switch_org(
            session, request.cookies.get(SESSION_COOKIE, ""), principal, body.org
        )
    return _account(request)
