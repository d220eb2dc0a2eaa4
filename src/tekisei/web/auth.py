"""Who is calling: a bearer token, or a signed-in browser session with CSRF protection."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from tekisei.core.orgs import Principal
from tekisei.errors import (
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    SecondFactorRequiredError,
)
from tekisei.services import sessions, users
from tekisei.services.database import Database
from tekisei.services.mfa import SessionState

SESSION_COOKIE = "tekisei_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def client_address(request: Request) -> str:
    """The caller's address (behind trusted proxies, the one they forwarded: see
    ``web.proxies``): the key of sign-in throttling, and kept with web sessions."""
    return request.client.host if request.client else "unknown"


def current_principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the session cookie (the dependency of
    every operation that needs one; the password page uses :func:`password_changer`).

    Raises:
        AuthenticationError: no valid credentials.
        PasswordChangeRequiredError: the owner must first choose their own password.
        PermissionDeniedError: a cookie request without the right CSRF token.
    """
    # Only ``request`` here: FastAPI reads every other parameter of a dependency from the
    # query string, and a keyword that lets a session skip the password change must
    # never be something a caller can send.
    return _principal(request, allow_password_change=False)


def _principal(
    request: Request, *, allow_password_change: bool, second_factor: SessionState | None = None
) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the session cookie.

    Unsafe requests with a session cookie must carry its CSRF token, in the
    ``X-CSRF-Token`` header (forms are checked by the page handlers). A bearer token
    or a session cookie is resolved without the database's write lock (its use is noted
    at most once a minute, never at the cost of the request).

    Args:
        allow_password_change: let in a session whose owner must still choose their own
            password (the password page only).
        second_factor: let in a session that waits for this second-factor step (its
            pages only); ``request.state.second_factor`` then says what it waits for.

    Raises:
        AuthenticationError: no valid credentials.
        SecondFactorRequiredError: the session waits for its second factor.
        PasswordChangeRequiredError: the owner must first choose their own password.
        PermissionDeniedError: a cookie request without the right CSRF token.
    """
    header = request.headers.get("authorization", "")
    database = _database(request)
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                "use 'Authorization: Bearer <token>'",
                ja="「Authorization: Bearer <トークン>」の形式で指定してください。",
            )
        principal = users.authenticate_token(database, token.strip())
        request.state.principal = principal
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise AuthenticationError(
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            ja="サインインするか、APIトークンを"
            "「Authorization: Bearer <トークン>」で送ってください。",
        )
    principal, csrf, state = sessions.authenticate_session(
        database,
        cookie,
        allow_password_change=allow_password_change,
        second_factor=second_factor,
        address=client_address(request),
    )
    request.state.second_factor = state
    request.state.csrf = csrf
    request.state.principal = principal
    if request.method in UNSAFE and request.url.path.startswith("/api/"):
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, csrf):
            raise PermissionDeniedError(
                "missing or wrong CSRF token; send the X-CSRF-Token header",
                ja="CSRFトークンがないか誤っています。X-CSRF-Token ヘッダーを送ってください。",
            )
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def password_changer(request: Request) -> Principal:
    """The caller, even one who must first choose their own password: for the password
    page and API only."""
    return _principal(request, allow_password_change=True)


PasswordChangerDep = Annotated[Principal, Depends(password_changer)]


def second_factor_giver(request: Request) -> Principal:
    """The caller of a browser session that waits for its second factor (or one fully
    signed in): for the second-factor page and API only. An API token is refused as
    input that does not fit (422, as the other passkey endpoints answer it): it is a
    valid credential, but the second step belongs to a browser sign-in."""
    if request.headers.get("authorization"):
        raise InvalidInputError(
            "the second factor completes a browser sign-in; API tokens do not need it",
            ja="2段階認証はブラウザーでのサインインを完了させるものです。APIトークンには不要です。",
        )
    return _principal(request, allow_password_change=True, second_factor="verify")


SecondFactorGiverDep = Annotated[Principal, Depends(second_factor_giver)]


def enroller(request: Request) -> Principal:
    """The caller, or a browser session that waits for the enrolment its organisation
    requires: for the authenticator's enrolment page and API only."""
    return _principal(request, allow_password_change=True, second_factor="enrol")


EnrollerDep = Annotated[Principal, Depends(enroller)]


def any_session(request: Request) -> Principal:
    """The caller, whatever step of signing in the session is at: for signing out."""
    try:
        return _principal(request, allow_password_change=True)
    except SecondFactorRequiredError as exc:
        state: SessionState = "enrol" if exc.enrol else "verify"
        return _principal(request, allow_password_change=True, second_factor=state)


def optional_principal(request: Request) -> Principal | None:
    """The caller when credentials are sent (invalid ones are refused), else None: for
    public endpoints that tell signed-in callers more."""
    if not request.headers.get("authorization") and not request.cookies.get(SESSION_COOKIE):
        return None
    return current_principal(request)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
