"""Who is calling: a bearer token, or a signed-in browser session with CSRF protection."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from tekisei.core.orgs import Principal
from tekisei.errors import AuthenticationError, PermissionDeniedError
from tekisei.services import users
from tekisei.services.database import Database

SESSION_COOKIE = "tekisei_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def current_principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the session cookie.

    Unsafe requests with a session cookie must carry its CSRF token, in the
    ``X-CSRF-Token`` header (forms are checked by the page handlers).

    Raises:
        AuthenticationError: no valid credentials.
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
        with database.transaction() as session:
            principal = users.resolve_token(session, token.strip())
        request.state.principal = principal
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise AuthenticationError(
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            ja="サインインするか、APIトークンを"
            "「Authorization: Bearer <トークン>」で送ってください。",
        )
    with database.reading() as session:
        principal, csrf = users.resolve_session(session, cookie)
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


def optional_principal(request: Request) -> Principal | None:
    """The caller when credentials are sent (invalid ones are refused), else None: for
    public endpoints that tell signed-in callers more."""
    if not request.headers.get("authorization") and not request.cookies.get(SESSION_COOKIE):
        return None
    return current_principal(request)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
