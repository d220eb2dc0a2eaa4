"""Errors of the SCIM endpoints as SCIM Error messages (RFC 7644 §3.12):
``application/scim+json`` with ``schemas``, ``status`` as a string, ``scimType`` where
RFC 7644 names one, and ``detail`` in the caller's language."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from tekisei.core.scim import ERROR_SCHEMA
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    TekiseiError,
)

SCIM_PREFIX = "/scim/"


def is_scim(path: str) -> bool:
    """Whether ``path`` is served by the SCIM service provider."""
    return path.startswith(SCIM_PREFIX)


def scim_error_body(status: int, detail: str, scim_type: str | None = None) -> bytes:
    """The JSON of a SCIM Error message."""
    body: dict[str, object] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def scim_error(
    status: int,
    detail: str,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A SCIM Error answer."""
    extra = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else {}
    return Response(
        scim_error_body(status, detail, scim_type),
        status_code=status,
        media_type="application/scim+json",
        headers=extra | (headers or {}),
    )


def scim_status(exc: TekiseiError, default: int) -> tuple[int, str | None]:
    """The status and scimType of a tekisei error on a SCIM endpoint (``default``: the
    status the rest of the app gives it). Invalid input is 400 there, not 422."""
    status = getattr(exc, "status", None)
    scim_type = getattr(exc, "scim_type", None)
    if isinstance(status, int):
        return status, scim_type
    if isinstance(exc, AuthenticationError):
        return 401, None
    if isinstance(exc, InvalidInputError):
        return 400, scim_type or "invalidValue"
    if isinstance(exc, ConflictError):
        return 409, scim_type
    return default, scim_type


def detail_in(request: Request, exc: TekiseiError) -> str:
    """The message in the request's language."""
    return exc.localized(getattr(request.state, "lang", "ja"))
