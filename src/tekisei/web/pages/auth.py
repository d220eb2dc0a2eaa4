"""Sign-in and sign-out pages."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.errors import AuthenticationError, PermissionDeniedError, ThrottledError
from tekisei.services import users
from tekisei.web.api.common import database, transaction
from tekisei.web.auth import SESSION_COOKIE, current_principal
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "tekisei_login_csrf"


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/systems"


def _signin_form(
    request: Request, target: str, email: str, error: str | None, status: int = 200
) -> HTMLResponse:
    """The form with a fresh double-submit token, so that no other site can sign a
    browser in to an account of its choosing."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "auth/signin.html",
        {"next": target, "email": email, "error": error, "login_csrf": token},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(
    request: Request, next_url: Annotated[str, Query(alias="next")] = "/systems"
) -> HTMLResponse:
    """The sign-in form."""
    return _signin_form(request, _safe_next(next_url), "", None)


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next_url: Annotated[str, Form(alias="next")] = "/systems",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the form token and the credentials, set the session cookie and go on."""
    target = _safe_next(next_url)
    lang = getattr(request.state, "lang", "ja")
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        message = (
            "フォームの有効期限が切れました。もう一度サインインしてください。"
            if lang == "ja"
            else "The form expired; please sign in again."
        )
        return _signin_form(request, target, email, message, status=403)
    try:
        opened = users.sign_in(database(request), email, password)
    except (AuthenticationError, ThrottledError, PermissionDeniedError) as exc:
        status = 429 if isinstance(exc, ThrottledError) else 401
        return _signin_form(request, target, email, exc.localized(lang), status=status)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=users.SESSION_HOURS * 3600,
    )
    return response


@router.post("/signout", response_model=None)
async def signout(request: Request) -> Response:
    """End the session (the form carries the CSRF token)."""
    current_principal(request)
    check_csrf(request, await read_form(request))
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with transaction(request) as session:
        users.end_session(session, cookie)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
