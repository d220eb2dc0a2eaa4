"""Sign-in and sign-out pages."""

from __future__ import annotations

import hmac
import secrets
from functools import partial
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.core.users import MAX_PASSWORD
from tekisei.errors import AuthenticationError, PermissionDeniedError, ThrottledError
from tekisei.services import oidc, sso, users
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.api.sso import sso_config
from tekisei.web.auth import SESSION_COOKIE, any_session, client_address
from tekisei.web.errors import retry_after
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render
from tekisei.web.threads import hashing

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "tekisei_login_csrf"


def safe_next(value: str) -> str:
    """A local path to go on to (anything else becomes /systems)."""
    ok = value.startswith("/") and not value.startswith("//") and "\\" not in value
    return value if ok else "/systems"


def render_with_login_csrf(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> HTMLResponse:
    """A page whose forms work without a session, with a fresh double-submit token, so
    that no other site can post them from a visitor's browser (sign-in, invitations)."""
    token = secrets.token_urlsafe(32)
    response = render(request, template, context | {"login_csrf": token}, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return response


def login_csrf_valid(request: Request, sent: str) -> bool:
    """Whether a form's double-submit token matches its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, sent)


def signed_in_response(request: Request, opened: users.NewSession, target: str) -> Response:
    """Set the session cookie and go on: to the second factor (or its enrolment) when the
    session waits for it, to the password page when the owner must choose
    their own password, to the organisation chooser when they belong to several."""
    if opened.second_factor == "verify":
        where = f"/signin/second-factor?next={quote(target, safe='')}"
    elif opened.second_factor == "enrol":
        where = f"/account/mfa?next={quote(target, safe='')}"
    elif opened.password_change_required:
        where = f"/account/password?next={quote(target, safe='')}"
    elif opened.org_count > 1:
        where = f"/account/orgs?next={quote(target, safe='')}"
    else:
        where = target
    response = RedirectResponse(where, status_code=303)
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


def signin_form(
    request: Request,
    target: str,
    email: str,
    error: str | None,
    status: int = 200,
    *,
    org: str = "",
) -> HTMLResponse:
    """The form with a fresh double-submit token, so that no other site can sign a
    browser in to an account of its choosing; with ``org``, the button of that
    organisation's single sign-on provider."""
    provider = None
    if org:
        with reading(request) as session:
            provider = sso.provider_name(session, org)
    return render_with_login_csrf(
        request,
        "auth/signin.html",
        {
            "next": target,
            "email": email,
            "error": error,
            "max_password": MAX_PASSWORD,
            "sso_org": org if provider else "",
            "sso_name": provider,
        },
        status,
    )


_signin_form = signin_form


@router.get("/signin", response_class=HTMLResponse)
def signin_page(
    request: Request,
    next_url: Annotated[str, Query(alias="next")] = "/systems",
    org: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The sign-in form (with ``?org=``, that organisation's single sign-on button)."""
    return signin_form(request, safe_next(next_url), "", None, org=org)


@router.post("/signin", response_model=None)
async def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/systems",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the form token and the credentials, set the session cookie and go on."""
    target = safe_next(next_url)
    lang = getattr(request.state, "lang", "ja")
    if not login_csrf_valid(request, login_csrf):
        message = (
            "フォームの有効期限が切れました。もう一度サインインしてください。"
            if lang == "ja"
            else "The form expired; please sign in again."
        )
        return _signin_form(request, target, email, message, status=403)
    try:
        opened = await hashing(
            request,
            partial(
                users.sign_in,
                database(request),
                email,
                password,
                client=client_address(request),
                user_agent=request.headers.get("user-agent"),
            ),
        )
    except (AuthenticationError, ThrottledError, PermissionDeniedError) as exc:
        status = 429 if isinstance(exc, ThrottledError) else 401
        page = _signin_form(request, target, email, exc.localized(lang), status=status)
        page.headers.update(retry_after(exc))
        return page
    return signed_in_response(request, opened, target)


def continue_page(request: Request, location: str, *, leaving: bool = False) -> HTMLResponse:
    """A page that sends the browser on to the provider (after a form post, where a
    redirect to another site would break the CSP's ``form-action 'self'``)."""
    ja = request.state.lang == "ja"
    if leaving:
        title = "tekisei からサインアウトしました" if ja else "Signed out of tekisei"
        link = (
            "IDプロバイダーからもサインアウトする"
            if ja
            else "Sign out of the identity provider too"
        )
    else:
        title = "IDプロバイダーに移動します" if ja else "Going on to your identity provider"
        link = "IDプロバイダーのサインイン画面へ進む" if ja else "Continue to the identity provider"
    return render(
        request,
        "sso/continue.html",
        {"location": location, "title": title, "link": link},
    )


@router.post("/signout", response_model=None)
async def signout(request: Request) -> Response:
    """End the session (the form carries the CSRF token), also one that waits for its
    second factor."""
    any_session(request)
    check_csrf(request, await read_form(request))
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with transaction(request) as session:
        ending = oidc.session_provider(session, cookie)
        users.end_session(session, cookie)
    # Signed in through a provider that can sign out too: end the session there as well.
    after = str(request.url_for("signin_page"))
    where = await oidc.logout_url(ending, after, sso_config(request))
    response: Response = (
        RedirectResponse("/signin", status_code=303)
        if where is None
        else continue_page(request, where, leaving=True)
    )
    response.delete_cookie(SESSION_COOKIE)
    return response
