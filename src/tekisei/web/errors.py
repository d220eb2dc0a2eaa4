"""Tekisei errors translated to HTTP: JSON for /api, a page for everything else."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from tekisei.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    DatabaseError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    TekiseiError,
    ThrottledError,
)
from tekisei.web.templating import render

log = logging.getLogger(__name__)


def status_for(exc: TekiseiError) -> int:
    """The HTTP status of an error."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, ThrottledError):
        return 429
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InvalidInputError):
        return 422
    if isinstance(exc, DatabaseError | ConfigError | StorageError):
        return 503
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(TekiseiError)
    async def _tekisei_error(request: Request, exc: TekiseiError) -> Response:
        status = status_for(exc)
        if isinstance(exc, StorageError):
            log.error(
                "storage %s: cannot write the %s at %s: %s",
                exc.problem,
                exc.what,
                exc.where,
                exc.reason,
                extra={"store": exc.what, "path": request.url.path},
            )
        if request.url.path.startswith("/api/"):
            body = {"detail": exc.message}
            if exc.message_ja:
                body["detail_ja"] = exc.message_ja
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(body, status_code=status, headers=headers)
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
        lang = getattr(request.state, "lang", "ja")
        return render(
            request,
            "error.html",
            {"status": status, "message": exc.localized(lang)},
            status_code=status,
        )
