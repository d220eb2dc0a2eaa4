"""The import pages of the inventory and the risk register, in three steps: upload a file,
see what it would change (or every problem in it), confirm. The routes live with their
lists (``pages/systems.py``, ``pages/risks.py``); the JSON twins are
``POST /api/systems/import`` and ``POST /api/risks/import``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from tekisei.core.orgs import Principal
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import sheet_uploads
from tekisei.services.sheet_files import LIMITS
from tekisei.services.sheet_imports import ImportResult, Target, check_may_import
from tekisei.services.sheet_targets import sheet_target
from tekisei.services.sheet_words import choice_words
from tekisei.web.api.sheets import read_sheet_upload, run_import
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render


def _page(
    request: Request,
    target: Target,
    *,
    result: ImportResult | None = None,
    token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "target": target,
        "result": result,
        "summary": result.summary(request.state.lang) if result else "",
        "token": token,
        "error": error,
        "limits": LIMITS,
        # a change of a choice shown in the reader's words, as the file may write it
        "choice_words": choice_words(sheet_target(target).columns, request.state.lang),
    }
    return render(request, "sheets/import.html", context, status_code=status)


def upload_page(request: Request, principal: Principal, target: Target) -> HTMLResponse:
    """The upload form (roles that may not write what it imports get 403)."""
    check_may_import(principal, target)
    return _page(request, target)


async def preview(request: Request, principal: Principal, target: Target) -> HTMLResponse:
    """Validate the uploaded file without writing; show what it would change, or every
    problem in it. A file that can be imported is held for the confirmation."""
    name, data, fields = await read_sheet_upload(request, principal, target, {"csrf": 200})
    check_csrf(request, dict(fields))
    try:
        result = await run_in_threadpool(run_import, request, principal, target, name, data, True)
    except InvalidInputError as exc:
        return _page(request, target, error=exc.localized(request.state.lang), status=422)
    token = None
    if not result.errors and (result.created or result.updated):
        data_dir = request.app.state.settings.data_dir
        token = await run_in_threadpool(sheet_uploads.hold, data_dir, principal, target, name, data)
    return _page(request, target, result=result, token=token, status=422 if result.errors else 200)


async def confirm(request: Request, principal: Principal, target: Target) -> HTMLResponse:
    """Import the held file: validated again, then written whole, or (when something
    changed meanwhile) nothing, with the problems shown."""
    check_may_import(principal, target)
    form = await read_form(request)
    check_csrf(request, form)
    data_dir = request.app.state.settings.data_dir
    try:
        name, data = sheet_uploads.take(data_dir, principal, target, str(form.get("token", "")))
        result = await run_in_threadpool(run_import, request, principal, target, name, data, False)
    except (InvalidInputError, NotFoundError) as exc:
        status = 404 if isinstance(exc, NotFoundError) else 422
        return _page(request, target, error=exc.localized(request.state.lang), status=status)
    return _page(request, target, result=result, status=422 if result.errors else 200)
