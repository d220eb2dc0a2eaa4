"""Tekisei errors translated to HTTP: JSON for /api, a page for everything else."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import (
    validation_error_definition,
    validation_error_response_definition,
)
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tekisei.core.plain_text import scrubbed
from tekisei.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    DatabaseError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    PasswordChangeRequiredError,
    PermissionDeniedError,
    SecondFactorRequiredError,
    StorageError,
    TekiseiError,
    ThrottledError,
)
from tekisei.web.forms import error_message
from tekisei.web.scim_errors import detail_in, is_scim, scim_error, scim_status
from tekisei.web.templating import render

log = logging.getLogger(__name__)


ECHO_LIMIT = 200
"""Characters of a refused input a 422 echoes back."""
QUIET_PATHS = ("/api/provenance/", "/api/account", "/api/orgs/current/sso")
"""Where 422 answers name the refused field without echoing the input: the public
provenance API (a text or a binding value sent to be checked is the sender's own), the
account (passwords, second-factor codes) and single sign-on (client secrets, issuers)."""
SECRET_WORDS = ("password", "secret", "code", "token", "issuer")
"""A field whose name holds one of these is never echoed back, wherever it is sent."""


def _quiet(path: str, error: Any) -> bool:
    """Whether a 422 leaves this error's input out."""
    where = " ".join(str(part) for part in error.get("loc", ())).lower()
    return path.startswith(QUIET_PATHS) or any(word in where for word in SECRET_WORDS)


def clipped(value: Any) -> Any:
    """An invalid input as a 422 echoes it: as given when short, else its first
    ``ECHO_LIMIT`` characters (as text) and an ellipsis, so an over-long field or a
    huge body is not sent back whole."""
    if isinstance(value, str):
        return value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    text = json.dumps(jsonable_encoder(value), ensure_ascii=False)
    return value if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "…"


def retry_after(exc: Exception) -> dict[str, str]:
    """The ``Retry-After`` header of a throttled request (none for other errors)."""
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, ThrottledError) else {}


def status_for(exc: TekiseiError) -> int:
    """The HTTP status of an error."""
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError | IntegrityError):
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


class ErrorOut(BaseModel):
    """An error: what went wrong and what to do next, in English and Japanese."""

    detail: str
    detail_ja: str | None = None


ERROR_STATUSES = {
    "400": "The request cannot be read (a malformed body or header)",
    "401": "No valid credentials: sign in, or send 'Authorization: Bearer <token>'",
    "403": "The caller's role does not allow this",
    "404": "Not found in the caller's organisation",
    "409": "Based on an outdated version, or it would duplicate something",
    "413": "The request is larger than the deployment accepts",
    "422": "The input is invalid (fields and limits are named)",
    "429": "Too many requests; try again later",
    "503": "The database or the storage is unavailable, full or read-only",
}


def _where(error: Any) -> str:
    """The field a validation error is about, as a dotted path (— for the body itself: a
    body that is not JSON at all names a character position, not a field)."""
    if error.get("type") == "json_invalid":
        return "—"
    return ".".join(str(p) for p in error.get("loc", ())[1:]) or "—"


def document_errors(app: FastAPI) -> None:
    """Declare the errors every /api operation can answer with in the OpenAPI document,
    so that clients (and schema checks) know their shape: :class:`ErrorOut`, and for
    422 either FastAPI's field errors or :class:`ErrorOut`."""

    build = app.openapi  # FastAPI's, or one that already adds to it (declared limits)
    declared: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if declared:
            return declared[0]
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = ErrorOut.model_json_schema()
        schemas.setdefault("ValidationError", validation_error_definition)
        schemas.setdefault("HTTPValidationError", validation_error_response_definition)
        error = {"$ref": "#/components/schemas/ErrorOut"}
        invalid = {"anyOf": [{"$ref": "#/components/schemas/HTTPValidationError"}, error]}
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    # 422 is FastAPI's list of field errors or tekisei's own message.
                    body = invalid if status == "422" else error
                    answer = responses.setdefault(status, {"description": description})
                    answer["content"] = {"application/json": {"schema": body}}
        app.openapi_schema = schema
        declared.append(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


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
        if is_scim(request.url.path):
            code, scim_type = scim_status(exc, status)
            return scim_error(code, detail_in(request, exc), scim_type, retry_after(exc))
        if request.url.path.startswith("/api/"):
            body = {"detail": exc.message}
            if exc.message_ja:
                body["detail_ja"] = exc.message_ja
            body = scrubbed(body)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            headers |= retry_after(exc)
            return JSONResponse(body, status_code=status, headers=headers)
        if isinstance(exc, SecondFactorRequiredError):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            where = "/account/mfa" if exc.enrol else "/signin/second-factor"
            return RedirectResponse(f"{where}?next={quote(target, safe='')}", status_code=303)
        if isinstance(exc, PasswordChangeRequiredError):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"/account/password?next={quote(target, safe='')}", status_code=303
            )
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
        page = _page(request, status, exc.localized(_lang(request)))
        page.headers.update(retry_after(exc))
        return page

    # Pages answer a page, whatever went wrong before tekisei's code ran: an id out of
    # range, a malformed parameter, an address that names nothing. /api keeps FastAPI's
    # JSON bodies, which the OpenAPI document declares.

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if is_scim(request.url.path):
            fields = ", ".join(sorted({_where(error) for error in exc.errors()}))
            return scim_error(
                400,
                _in_lang(
                    request,
                    f"invalid parameters: {fields}",
                    f"パラメーターが正しくありません: {fields}",
                ),
                "invalidValue",
            )
        if request.url.path.startswith("/api/"):
            path = request.url.path
            errors = [
                {k: v for k, v in error.items() if k != "input"}
                | ({} if _quiet(path, error) else {"input": clipped(error.get("input"))})
                for error in exc.errors()
            ]
            # FastAPI's list of errors, and the same in Japanese words for people.
            said = "; ".join(
                f"{_where(error)}: {error_message(error, 'ja')}" for error in exc.errors()[:20]
            )
            # A lone surrogate in a refused field name or value cannot be written as UTF-8.
            body = scrubbed({"detail": jsonable_encoder(errors), "detail_ja": said})
            return JSONResponse(body, status_code=422)
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        if in_path:  # /systems/99999999999999999999 names no system
            return _page(request, 404, _in_lang(request, *_NOT_FOUND))
        fields = scrubbed(
            ", ".join(sorted({str(error.get("loc", ("", "?"))[-1]) for error in exc.errors()}))
        )
        return _page(
            request,
            422,
            _in_lang(
                request,
                f"The request has invalid or missing values ({fields}); go back and try again.",
                f"リクエストの値が正しくないか、足りません（{fields}）。前の画面に戻ってやり直してください。",
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_scim(request.url.path) and exc.status_code >= 400:
            words = _NOT_FOUND if exc.status_code == 404 else _WRONG_METHOD
            return scim_error(exc.status_code, _in_lang(request, *words))
        if request.url.path.startswith("/api/") or exc.status_code < 400:
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            return _page(request, 404, _in_lang(request, *_NOT_FOUND))
        if exc.status_code == 405:
            return _page(request, 405, _in_lang(request, *_WRONG_METHOD))
        return _page(
            request,
            exc.status_code,
            _in_lang(
                request,
                str(exc.detail),
                "リクエストを処理できませんでした。前の画面に戻ってやり直してください。",
            ),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A defect, not the user's doing: logged with its traceback, answered without
        # it (a page in the reader's language, or JSON for /api).
        log.error(
            "unexpected error on %s %s",
            request.method,
            request.url.path,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        en, ja = _UNEXPECTED
        if is_scim(request.url.path):
            return scim_error(500, _in_lang(request, en, ja))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": en, "detail_ja": ja}, status_code=500)
        return _page(request, 500, _in_lang(request, en, ja))


_UNEXPECTED = (
    "Something went wrong on the server. Check whether your change was saved before trying "
    "again, and tell your administrator if it happens again (the server log has the details).",
    "サーバーで予期しない問題が起きました。変更が保存されたかを確かめてからやり直してください。"
    "繰り返し起きる場合は管理者に連絡してください（詳細はサーバーのログに残っています）。",
)
_WRONG_METHOD = (
    "This address cannot be used that way; open it from a link in tekisei.",
    "このアドレスはその方法では使えません。tekisei の画面のリンクから開いてください。",
)
_NOT_FOUND = (
    "There is no such page, or it is not in your organisation. Check the address.",
    "このページはありません（またはあなたの組織のものではありません）。アドレスを確かめてください。",
)


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", "ja")  # set by the headers middleware


def _in_lang(request: Request, en: str, ja: str) -> str:
    return ja if _lang(request) == "ja" else en


def _page(request: Request, status: int, message: str) -> Response:
    """The error page, with its status."""
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)
