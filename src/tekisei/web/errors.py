"""Tekisei errors translated to HTTP: JSON for /api, a page for everything else."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tekisei.errors import (
    ConfigError,
    DatabaseError,
    InvalidInputError,
    NotFoundError,
    TekiseiError,
)
from tekisei.web.templating import render


def status_for(exc: TekiseiError) -> int:
    """The HTTP status of an error."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InvalidInputError):
        return 422
    if isinstance(exc, DatabaseError | ConfigError):
        return 503
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(TekiseiError)
    async def _tekisei_error(request: Request, exc: TekiseiError) -> Response:
        status = status_for(exc)
        if request.url.path.startswith("/api/"):
            body = {"detail": exc.message}
            if exc.message_ja:
                body["detail_ja"] = exc.message_ja
            return JSONResponse(body, status_code=status)
        lang = getattr(request.state, "lang", "ja")
        return render(
            request,
            "error.html",
            {"status": status, "message": exc.localized(lang)},
            status_code=status,
        )
