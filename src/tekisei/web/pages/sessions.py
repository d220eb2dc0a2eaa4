"""Ending sessions from pages: one of one's own, all of one's own (sign out everywhere),
and an admin's sign-out of a member from the organisation page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tekisei.services import sessions as session_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.orgs import MemberId
from tekisei.web.api.sessions import SessionId
from tekisei.web.auth import SESSION_COOKIE, PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form

router = APIRouter(include_in_schema=False)


def _checked(data: dict[str, object], name: str) -> bool:
    return str(data.get(name, "")) == "1"


@router.post("/account/sessions/{session_id}/end", response_model=None)
async def end_session(request: Request, principal: PrincipalDep, session_id: SessionId) -> Response:
    """End one of one's own sessions (JSON twin: DELETE /api/account/sessions/{id}); ending
    the current one signs this browser out."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        session_service.end_my_session(session, principal, session_id)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with reading(request) as session:
        still_in = session_service.is_open(session, cookie)
    if not still_in:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    return done("/account#sessions", "signed_out")


@router.post("/account/sign-out-everywhere", response_model=None)
async def sign_out_everywhere(request: Request, principal: PrincipalDep) -> Response:
    """End one's other sessions everywhere, this one too unless kept, and the API tokens
    when asked (JSON twin: POST /api/account/sign-out-everywhere)."""
    data = await read_form(request)
    check_csrf(request, data)
    keep = _checked(data, "keep_current")
    with transaction(request) as session:
        session_service.sign_out_everywhere(
            session,
            principal,
            request.cookies.get(SESSION_COOKIE),
            keep_current=keep,
            revoke_tokens=_checked(data, "revoke_tokens"),
        )
    if not keep:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    return done("/account#sessions", "signed_out")


@router.post("/org/members/{user_id}/sign-out", response_model=None)
async def sign_out_member(request: Request, principal: PrincipalDep, user_id: MemberId) -> Response:
    """End a member's sessions here and revoke their tokens for this organisation unless
    unticked (admins; JSON twin: POST /api/orgs/current/members/{id}/sign-out)."""
    data = await read_form(request)
    check_csrf(request, data)
    with transaction(request) as session:
        session_service.sign_out_member(
            session, principal, user_id, revoke_tokens=_checked(data, "revoke_tokens")
        )
    return done("/org#members", "signed_out")
