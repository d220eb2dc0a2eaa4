"""What the export and import routes of the inventory and the risk register share: the
upload, the answer, the download and the documented limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tekisei.core.orgs import Principal
from tekisei.services.reports import Report
from tekisei.services.sheet_files import LIMITS
from tekisei.services.sheet_imports import ImportResult, Target, check_may_import, import_sheet
from tekisei.web.api.common import database
from tekisei.web.files import attachment, multipart_body, read_multipart

FormatQuery = Annotated[str, Query(pattern="^(xlsx|csv)$", description="xlsx or csv")]
LangQuery = Annotated[str, Query(pattern="^(ja|en)$", description="Language of the headers")]
DryRunQuery = Annotated[
    bool, Query(description="Validate and show what would change, writing nothing")
]

IMPORT_DESCRIPTION = (
    "Upload a CSV (UTF-8, with or without BOM, or Shift_JIS) or XLSX file with the columns "
    "the export writes (headers in Japanese or English). Rows with an ID change that "
    "record; rows without one add a record. Every row is validated first: with any "
    "problem nothing is written and the answer is 422 with every problem by row and "
    "column (``errors``). Formulas are never evaluated: an XLSX formula cell, or a CSV "
    "cell that starts like one (= + - @), is refused. Limits: "
    f"{LIMITS.max_bytes // (1024 * 1024)} MB, {LIMITS.max_rows:,} rows, "
    f"{LIMITS.max_columns} columns, {LIMITS.max_cell_chars:,} characters a cell, "
    f"{LIMITS.max_sheets} sheets and {LIMITS.max_inflated_bytes // (1024 * 1024)} MB "
    "inflated (XLSX; only the first sheet is read)."
)
IMPORT_BODY = multipart_body(files={"file": "The CSV or XLSX file"})


def download(found: Report) -> Response:
    """A report as an attachment."""
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )


async def read_sheet_upload(
    request: Request, principal: Principal, target: Target, fields: dict[str, int] | None = None
) -> tuple[str, bytes, dict[str, str]]:
    """The uploaded file's name and bytes (at most one byte over the limit, so that the
    service names the limit) and the form's text ``fields``; the caller's role is checked
    before a byte is read."""
    check_may_import(principal, target)
    files, texts = await read_multipart(request, files=("file",), fields=fields)
    upload = files["file"]
    return upload.filename or "upload", await upload.read(LIMITS.max_bytes + 1), texts


def run_import(
    request: Request, principal: Principal, target: Target, name: str, data: bytes, dry_run: bool
) -> ImportResult:
    """Import (or, for a dry run, only validate) in a transaction of its own."""
    db = database(request)
    if dry_run:
        with db.reading() as session:
            return import_sheet(session, principal, target, data, name, dry_run=True)
    with db.transaction() as session:
        return import_sheet(session, principal, target, data, name)


async def imported(
    request: Request, principal: Principal, target: Target, dry_run: bool
) -> Response:
    """Read the upload, import it (off the event loop) and answer: 200 with what was (or
    would be) done, 422 with every problem when nothing was written."""
    name, data, _ = await read_sheet_upload(request, principal, target)
    result = await run_in_threadpool(run_import, request, principal, target, name, data, dry_run)
    body = result.model_dump(mode="json")
    if result.errors:
        summary = {"detail": result.summary("en"), "detail_ja": result.summary("ja")}
        return JSONResponse(body | summary, status_code=422)
    return JSONResponse(body)
