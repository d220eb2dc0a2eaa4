"""Sign-in and sign-out pages."""

from __future__ import annotations

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


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/systems"


@router.get("/signin", response_class=HTMLResponse)
def signin_page(
    request: Request, next_url: Annotated[str, Query(alias="next")] = "/systems"
) -> HTMLResponse:
    """The sign-in form."""
    return render(
        request, "auth/signin.html", {"next": _safe_next(next_url), "email": "", "error": None}
    )


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next_url: Annotated[str, Form(alias="next")] = "/systems",
) -> Response:
    """Check the credentials, set the session cookie and go on."""
    target = _safe_next(next_url)
    try:
        opened = users.sign_in(database(request), email, password)
    except (AuthenticationError, ThrottledError, PermissionDeniedError) as exc:
        lang = getattr(request.state, "lang", "ja")
        status = 429 if isinstance(exc, ThrottledError) else 401
        return render(
            request,
            "auth/signin.html",
            {"next": target, "email": email, "error": exc.localized(lang)},
            status_code=status,
        )
    response = RedirectResponse(target, status_code=303)
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
