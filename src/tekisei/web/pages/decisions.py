"""Pages of a system's decision records (guideline 3(4)): the statistics by month, the
list, and the CSV import with every problem shown before anything is written. JSON twins:
``GET /api/systems/{id}/decisions``, ``…/decisions/stats``, ``POST …/decisions/import``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tekisei.core.decisions import (
    CONTRIBUTION_JA,
    MAX_BYTES,
    MAX_ROWS,
    OUTCOME_JA,
    DecisionSettings,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import decisions as decision_service
from tekisei.services import registers as register_service
from tekisei.services.decision_imports import DecisionImport, check_may_import
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.api.decisions import EndQuery, StartQuery, run_import
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import read_multipart
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)
settings_router = APIRouter(prefix="/decisions", include_in_schema=False)


def _page(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
    result: DecisionImport | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = decision_service.system_of(session, principal, system_id)
        stats = decision_service.decision_stats(session, principal, system_id, start, end)
        records = decision_service.list_decisions(session, principal, system_id, start, end)
        name = system.name
    lang = request.state.lang
    context: dict[str, Any] = {
        "system_id": system_id,
        "system_name": name,
        "stats": stats,
        "records": records,
        "start": start,
        "end": end,
        "result": result,
        "summary": result.summary(lang) if result else "",
        "error": error,
        "may_import": can(principal.role, Permission.WRITE_SYSTEMS),
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
        "contribution_ja": {k.value: v for k, v in CONTRIBUTION_JA.items()},
        "outcome_ja": {k.value: v for k, v in OUTCOME_JA.items()},
    }
    return render(request, "decisions/index.html", context, status_code=status)


@router.get("/{system_id}/decisions", response_class=HTMLResponse)
def decisions_page(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    start: StartQuery = None,
    end: EndQuery = None,
) -> HTMLResponse:
    """The system's decision statistics by month, its records and the import form."""
    return _page(request, principal, system_id, start=start, end=end)


@router.post("/{system_id}/decisions/import", response_class=HTMLResponse)
async def import_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """Import (or with ``dry_run``, only check) the uploaded file; every problem is shown
    by row and column and nothing is written while there is one."""
    with reading(request) as session:
        check_may_import(session, principal, system_id)
    files, fields = await read_multipart(
        request, files=("file",), fields={"csrf": 200, "dry_run": 10}
    )
    check_csrf(request, dict(fields))
    upload = files["file"]
    data = await upload.read(MAX_BYTES + 1)
    name = upload.filename or "upload.csv"
    dry = bool(fields.get("dry_run"))
    try:
        result = await run_in_threadpool(run_import, request, principal, system_id, name, data, dry)
    except InvalidInputError as exc:
        error = exc.localized(request.state.lang)
        return _page(request, principal, system_id, error=error, status=422)
    status = 422 if result.errors else 200
    return _page(request, principal, system_id, result=result, status=status)


# ----------------------------------------------------------------------------- settings


def _settings_page(
    request: Request,
    principal: Principal,
    *,
    error: str | None = None,
    sent: DecisionSettings | None = None,
    purged: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        current = decision_service.read_settings(session, principal)
        register = register_service.show_register(session, principal)
    shown = sent or current
    return render(
        request,
        "decisions/settings.html",
        {
            "settings": current,
            "shown": shown,
            "register": register,
            "can_manage": can(principal.role, Permission.MANAGE_ORG),
            "error": error,
            "purged": purged,
        },
        status_code=status,
    )


@settings_router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """How long decision records are kept and what of them the public register shows
    (JSON twin: /api/decisions/settings)."""
    return _settings_page(request, principal)


@settings_router.post("/settings", response_model=None)
async def save_settings(request: Request, principal: PrincipalDep) -> Response:
    """Save the retention and the publication (administrators)."""
    form = await request.form()
    data = {key: str(form.getlist(key)[-1]).strip() for key in set(form.keys())}
    check_csrf(request, data)
    lang = request.state.lang
    chosen = [str(v) for v in form.getlist("published")]
    version_text = data.get("version", "")
    version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else -1
    sent: DecisionSettings | None = None
    try:
        sent = DecisionSettings.model_validate(
            {
                "retention_days": data.get("retention_days", ""),
                "published": [int(v) for v in chosen if v.isdigit() and len(v) < 10],
                "publish_records": bool(data.get("publish_records")),
            }
        )
        with transaction(request) as session:
            decision_service.update_settings(session, principal, sent, version)
    except ValidationError:
        error = (
            "保存期間は30日から36,500日までの日数で入力してください。"
            if lang == "ja"
            else "Enter the retention as a number of days from 30 to 36,500."
        )
        return _settings_page(request, principal, error=error, status=422)
    except ConflictError as exc:
        return _settings_page(request, principal, error=exc.localized(lang), sent=sent, status=409)
    return done("/decisions/settings", "saved")


@settings_router.post("/purge", response_class=HTMLResponse)
async def purge_now(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Delete the records past the retention now (administrators)."""
    form = await request.form()
    check_csrf(request, {key: str(form.get(key, "")) for key in form})
    with transaction(request) as session:
        deleted = decision_service.purge(session, principal)
    return _settings_page(request, principal, purged=deleted)
