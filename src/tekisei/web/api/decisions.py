"""JSON API of decision records (guideline 3(4)): a system's records, their import from a
case system's CSV file, their statistics, the retention and published statistics, and
the public statistics anyone may read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tekisei.core.decisions import MAX_BYTES, MAX_PUBLISHED, MAX_ROWS, DecisionSettings
from tekisei.core.orgs import Principal
from tekisei.services import decisions as decision_service
from tekisei.services.decision_imports import (
    DecisionImport,
    check_may_import,
    import_decisions,
    template,
)
from tekisei.services.decisions import (
    DecisionSettingsView,
    DecisionStats,
    DecisionView,
    PublicDecisionStats,
)
from tekisei.web.api.common import IdField, IdPath, database, reading, transaction
from tekisei.web.api.sheets import DryRunQuery, LangQuery
from tekisei.web.api.statements import OrgSlug
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment, multipart_body, read_multipart

router = APIRouter(tags=["decisions"])
public_router = APIRouter(tags=["public"])

StartQuery = Annotated[date | None, Query(description="First day of the period (YYYY-MM-DD)")]
EndQuery = Annotated[date | None, Query(description="Last day of the period (YYYY-MM-DD)")]
IMPORT_DESCRIPTION = (
    "Upload a CSV file (UTF-8 with or without BOM, or Shift_JIS/CP932) with the header of "
    "docs/decisions.md (Japanese or English; GET /api/decisions/template.csv). Every row is "
    "validated first: with any problem nothing is written and the answer is 422 with every "
    "problem by row and column (``errors``). A case already recorded for the system is "
    "updated, never duplicated. Formulas are never evaluated: a cell that starts like one "
    f"(= + - @) is refused. Limits: {MAX_BYTES // (1024 * 1024)} MB, {MAX_ROWS:,} rows."
)


class SettingsBody(BaseModel):
    """The retention (days after the decision), the systems whose statistics are public on
    the published register of AI use, and whether their anonymised records are public too;
    ``version``: the version you read (0 before the first save)."""

    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(ge=30, le=36_500)
    published: list[IdField] = Field(default_factory=list, max_length=MAX_PUBLISHED)
    publish_records: bool = False
    version: Annotated[int, Field(ge=0, le=2**31 - 1)]


@router.get("/api/systems/{system_id}/decisions", response_model=list[DecisionView])
def list_decisions(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    start: StartQuery = None,
    end: EndQuery = None,
) -> list[DecisionView]:
    """The system's decision records in the period, newest first (at most 500)."""
    with reading(request) as session:
        return decision_service.list_decisions(session, principal, system_id, start, end)


@router.get("/api/systems/{system_id}/decisions/stats", response_model=DecisionStats)
def stats(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    start: StartQuery = None,
    end: EndQuery = None,
) -> DecisionStats:
    """How often the reviewers kept, changed or overrode the AI's suggestion, in all and
    by month."""
    with reading(request) as session:
        return decision_service.decision_stats(session, principal, system_id, start, end)


def run_import(
    request: Request, principal: Principal, system_id: int, name: str, data: bytes, dry: bool
) -> DecisionImport:
    """Import (or with ``dry``, only check) in a transaction of its own."""
    db = database(request)
    if dry:
        with db.reading() as session:
            return import_decisions(session, principal, system_id, data, name, dry_run=True)
    with db.transaction() as session:
        return import_decisions(session, principal, system_id, data, name)


@router.post(
    "/api/systems/{system_id}/decisions/import",
    response_model=DecisionImport,
    description=IMPORT_DESCRIPTION,
    openapi_extra=multipart_body(files={"file": "The CSV file"}),
)
async def import_file(
    request: Request, principal: PrincipalDep, system_id: IdPath, dry_run: DryRunQuery = False
) -> Response:
    """Import decision records from a CSV file, all rows or none."""
    with reading(request) as session:
        check_may_import(session, principal, system_id)
    files, _ = await read_multipart(request, files=("file",))
    upload = files["file"]
    data = await upload.read(MAX_BYTES + 1)
    name = upload.filename or "upload.csv"
    result = await run_in_threadpool(run_import, request, principal, system_id, name, data, dry_run)
    body = result.model_dump(mode="json")
    if result.errors:
        summary = {"detail": result.summary("en"), "detail_ja": result.summary("ja")}
        return JSONResponse(body | summary, status_code=422)
    return JSONResponse(body)


@router.get("/api/decisions/template.csv", response_class=Response)
def template_file(principal: PrincipalDep, lang: LangQuery = "ja") -> Response:
    """The CSV template: the documented header and an example row (UTF-8 with BOM)."""
    del principal  # signed-in members only, like every workspace route
    return Response(
        template(lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"decisions-{lang}.csv")},
    )


@router.get("/api/decisions/settings", response_model=DecisionSettingsView)
def read_settings(request: Request, principal: PrincipalDep) -> DecisionSettingsView:
    """The retention of decision records and the systems whose statistics are public."""
    with reading(request) as session:
        return decision_service.read_settings(session, principal)


@router.put("/api/decisions/settings", response_model=DecisionSettingsView)
def update_settings(
    request: Request, principal: PrincipalDep, body: SettingsBody
) -> DecisionSettingsView:
    """Change the retention and the published systems (administrators)."""
    settings = DecisionSettings(
        retention_days=body.retention_days,
        published=body.published,
        publish_records=body.publish_records,
    )
    with transaction(request) as session:
        return decision_service.update_settings(session, principal, settings, body.version)


class Purged(BaseModel):
    """How many records were deleted."""

    deleted: int


@router.post("/api/decisions/purge", response_model=Purged)
def purge(request: Request, principal: PrincipalDep) -> Purged:
    """Delete the records past the retention (administrators; run daily)."""
    with transaction(request) as session:
        return Purged(deleted=decision_service.purge(session, principal))


@public_router.get(
    "/api/public/orgs/{org}/decisions/stats", response_model=list[PublicDecisionStats]
)
def public_stats(request: Request, org: OrgSlug) -> list[PublicDecisionStats]:
    """The anonymised decision statistics of the systems listed on the organisation's
    published register that it publishes them for: counts and shares of AI suggestions
    kept, changed and overridden, by month. No case and no person is named. 404 while the
    register is not published."""
    with reading(request) as session:
        return decision_service.public_stats_of(session, org)
