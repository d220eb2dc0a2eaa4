"""The invitation page: the invited person accepts (signed in, or by choosing their own
password for a new account) or declines.

Its forms work without a session, so they carry a double-submit token like the sign-in
form. The page never says whether the invited email already has an account.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.core.orgs import Principal
from tekisei.core.users import MAX_PASSWORD, MIN_PASSWORD
from tekisei.errors import (
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    TekiseiError,
)
from tekisei.services import invitations as invitation_service
from tekisei.services import users as user_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.auth import SESSION_COOKIE, client_address, current_principal
from tekisei.web.forms import read_form
from tekisei.web.pages.auth import login_csrf_valid, render_with_login_csrf, signed_in_response
from tekisei.web.threads import hashing

router = APIRouter(prefix="/invitations", include_in_schema=False)

CodePath = Annotated[str, Path(min_length=8, max_length=100)]


def _signed_in(request: Request) -> Principal | None:
    if not request.cookies.get(SESSION_COOKIE):
        return None
    try:
        return current_principal(request)
    except TekiseiError:
        return None


def _page(request: Request, code: str, error: str | None = None, status: int = 200) -> Response:
    with reading(request) as session:
        details = invitation_service.invitation_details(session, code)
    principal = _signed_in(request)
    return render_with_login_csrf(
        request,
        "invitations/show.html",
        {
            "code": code,
            "invitation": details,
            "signed_in": principal,
            "matches": principal is not None and principal.email == details.email,
            "error": error,
            "min_password": MIN_PASSWORD,
            "max_password": MAX_PASSWORD,
        },
        status,
    )


def _expired_form(request: Request) -> str:
    return (
        "フォームの有効期限が切れました。ページを読み込み直してください。"
        if request.state.lang == "ja"
        else "The form expired; reload the page."
    )


@router.get("/{code}", response_class=HTMLResponse)
def invitation_page(request: Request, code: CodePath) -> Response:
    """What the invitation offers, and the ways to answer it
    (JSON twins: /api/invitations/lookup, /accept, /register, /decline)."""
    response = _page(request, code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/{code}/accept", response_model=None)
async def accept(request: Request, code: CodePath) -> Response:
    """The signed-in invitee joins, and acts for the organisation joined."""
    principal = current_principal(request)
    data = await read_form(request)
    if not login_csrf_valid(request, str(data.get("login_csrf", ""))):
        return _page(request, code, _expired_form(request), status=403)
    try:
        with transaction(request) as session:
            joined = invitation_service.accept_invitation(session, principal, code)
            user_service.switch_org(
                session, request.cookies.get(SESSION_COOKIE, ""), principal, joined.org_slug
            )
    except PermissionDeniedError as exc:
        return _page(request, code, exc.localized(request.state.lang), status=403)
    return RedirectResponse("/systems", status_code=303)


@router.post("/{code}/register", response_model=None)
async def register(request: Request, code: CodePath) -> Response:
    """A new account with the person's own password; they are signed in at once."""
    data = await read_form(request)
    if not login_csrf_valid(request, str(data.get("login_csrf", ""))):
        return _page(request, code, _expired_form(request), status=403)
    password = str(data.get("password", ""))[: MAX_PASSWORD + 1]
    if password != str(data.get("password_again", ""))[: MAX_PASSWORD + 1]:
        message = (
            "パスワードが確認用の入力と一致しません。"
            if request.state.lang == "ja"
            else "the password and its repetition differ"
        )
        return _page(request, code, message, status=422)
    try:
        joined = await hashing(
            request,
            partial(
                invitation_service.register_with_invitation,
                database(request),
                code,
                str(data.get("name", ""))[:200],
                password,
            ),
        )
    except (InvalidInputError, ConflictError) as exc:
        return _page(request, code, exc.localized(request.state.lang), status=422)
    assert joined.user_id is not None
    opened = user_service.open_session(
        database(request),
        joined.user_id,
        joined.org_slug,
        user_agent=request.headers.get("user-agent"),
        address=client_address(request),
    )
    return signed_in_response(request, opened, "/systems")


@router.post("/{code}/decline", response_model=None)
async def decline(request: Request, code: CodePath) -> Response:
    """Say no; the link stops working."""
    data = await read_form(request)
    if not login_csrf_valid(request, str(data.get("login_csrf", ""))):
        return _page(request, code, _expired_form(request), status=403)
    with transaction(request) as session:
        invitation_service.decline_invitation(session, code)
    return RedirectResponse("/", status_code=303)
