"""The signed-in person's own pages: their account, changing their password, and choosing
the organisation they act for."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.core.users import MAX_PASSWORD, MIN_PASSWORD
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
)
from tekisei.services import sessions as session_service
from tekisei.services import users as user_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.auth import SESSION_COOKIE, PasswordChangerDep, PrincipalDep, client_address
from tekisei.web.errors import retry_after
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.pages.auth import safe_next
from tekisei.web.templating import render
from tekisei.web.threads import hashing

router = APIRouter(prefix="/account", include_in_schema=False)

Next = Annotated[str, Query(alias="next", max_length=2000)]


@router.get("", response_class=HTMLResponse)
def account_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The account, its organisations, its sessions and tokens, and the password form
    (JSON twins: /api/account, /api/account/sessions)."""
    cookie = request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None
    with reading(request) as session:
        account = user_service.my_account(session, principal)
        mine = session_service.my_sessions(session, principal, cookie)
    return render(
        request,
        "users/account.html",
        {
            "account": account,
            "mine": mine,
            "min_password": MIN_PASSWORD,
            "max_password": MAX_PASSWORD,
        },
    )


def _password_page(
    request: Request, target: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    principal = request.state.principal
    with reading(request) as session:
        account = user_service.my_account(session, principal)
    return render(
        request,
        "users/password.html",
        {
            "account": account,
            "next": target,
            "error": error,
            "min_password": MIN_PASSWORD,
            "max_password": MAX_PASSWORD,
        },
        status_code=status,
    )


@router.get("/password", response_class=HTMLResponse)
def password_page(
    request: Request, principal: PasswordChangerDep, next_url: Next = "/systems"
) -> HTMLResponse:
    """The password form; where an account whose password someone else chose is sent
    first (JSON twin: PUT /api/account/password)."""
    del principal  # signed in, possibly still to choose a password
    return _password_page(request, safe_next(next_url))


@router.post("/password", response_model=None)
async def change_password(request: Request, principal: PasswordChangerDep) -> Response:
    """Change one's password; every other browser session of the account ends."""
    data = await read_form(request)
    check_csrf(request, data)
    target = safe_next(str(data.get("next", "/systems")))
    current = str(data.get("current_password", ""))
    new = str(data.get("new_password", ""))
    lang = request.state.lang
    if new != str(data.get("new_password_again", "")):
        message = (
            "新しいパスワードが確認用の入力と一致しません。"
            if lang == "ja"
            else "the new password and its repetition differ"
        )
        return _password_page(request, target, message, status=422)
    try:
        await hashing(
            request,
            partial(
                user_service.change_password,
                database(request),
                principal,
                current[: MAX_PASSWORD + 1],
                new[: MAX_PASSWORD + 1],
                keep_session=request.cookies.get(SESSION_COOKIE),
                client=client_address(request),
            ),
        )
    except (InvalidInputError, AuthenticationError, ThrottledError, ConflictError) as exc:
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = _password_page(request, target, exc.localized(lang), status=status)
        page.headers.update(retry_after(exc))
        return page
    return RedirectResponse(target, status_code=303)


@router.get("/orgs", response_class=HTMLResponse)
def choose_org_page(
    request: Request, principal: PrincipalDep, next_url: Next = "/systems"
) -> HTMLResponse:
    """Choose the organisation to act for (shown after sign-in to people who belong to
    several; JSON twin: PUT /api/account/org)."""
    with reading(request) as session:
        choices = user_service.org_choices(session, principal)
    return render(request, "users/orgs.html", {"choices": choices, "next": safe_next(next_url)})


@router.post("/orgs", response_model=None)
async def choose_org(request: Request, principal: PrincipalDep) -> Response:
    """Act for the chosen organisation (recorded in both organisations' audit logs)."""
    data = await read_form(request)
    check_csrf(request, data)
    target = safe_next(str(data.get("next", "/systems")))
    try:
        with transaction(request) as session:
            user_service.switch_org(
                session,
                request.cookies.get(SESSION_COOKIE, ""),
                principal,
                str(data.get("org", ""))[:64],
            )
    except (NotFoundError, InvalidInputError):
        return RedirectResponse(f"/account/orgs?next={quote(target, safe='')}", status_code=303)
    # The page the person was on may not exist in the other organisation.
    return RedirectResponse(target if target.count("/") <= 1 else "/systems", status_code=303)
