"""JSON API of the HAIP reports (fn 16): inside the workspace, and the public twin of each
published report (no sign-in)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.haip_reports import MAX_REASON, HaipReportFields, SectionId, SectionText, Title
from tekisei.services import haip_approvals, haip_views, public_haip_reports
from tekisei.services import haip_reports as report_service
from tekisei.services.haip_views import HaipReportSummary, HaipReportView, VersionSummary
from tekisei.services.public_haip_reports import PublicHaipReport, Withdrawal
from tekisei.web.api.common import IdPath, VersionField, database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.errors import ErrorOut
from tekisei.web.files import attachment

router = APIRouter(tags=["reports"])
public_router = APIRouter(tags=["public"])

PublicId = Annotated[
    str,
    Path(
        min_length=16,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]{16,32}$",
        description="The report's public id (from its public address)",
    ),
]
Number = Annotated[int, Path(ge=1, le=100_000, description="A published version's number")]
Reason = Annotated[str, Field(max_length=MAX_REASON, description="Shown with the decision")]
Sections = Annotated[
    dict[SectionId, SectionText] | None,
    Field(description="Narratives of the sections to change, by section ('1' to '7')"),
]


class HaipReportCreate(HaipReportFields):
    """A new report: its title and reporting period, and narratives if already written."""

    sections: Sections = None


class HaipReportEdit(BaseModel):
    """Changes to the draft the caller read: settings and/or section narratives (sections
    not given stay as they are)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    title: Title | None = None
    period_start: date | None = None
    period_end: date | None = None
    details_public: bool | None = None
    sections: Sections = None


class ApprovalRequest(BaseModel):
    """A request for an executive's approval of the draft the caller read (the facts are
    taken now)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    note: Reason = ""


class ApprovalDecision(BaseModel):
    """An executive's decision on the draft they read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    approve: bool
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class Publication(BaseModel):
    """Publish the approved draft the caller read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


class Unpublication(BaseModel):
    """Take the report down; the reason is shown at its public address."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class WithdrawalOut(ErrorOut):
    """A report that was taken down: when, and why."""

    withdrawn_at: str
    reason: str


def _view(request: Request, principal: PrincipalDep, report_id: int) -> HaipReportView:
    with reading(request) as session:
        row = report_service.get_report(session, principal, report_id)
        return haip_views.view(session, principal, row)


@router.get("/api/reports/haip", response_model=list[HaipReportSummary])
def list_reports(request: Request, principal: PrincipalDep) -> list[HaipReportSummary]:
    """The organisation's HAIP reports, newest period first."""
    with reading(request) as session:
        return haip_views.list_reports(session, principal)


@router.post("/api/reports/haip", response_model=HaipReportView, status_code=201)
def create_report(
    request: Request, principal: PrincipalDep, body: HaipReportCreate
) -> HaipReportView:
    """Start a report for a reporting period."""
    fields = HaipReportFields.model_validate(body.model_dump(exclude={"sections"}))
    with transaction(request) as session:
        row = report_service.create_report(session, principal, fields, body.sections)
        report_id = row.id
    return _view(request, principal, report_id)


@router.get("/api/reports/haip/{report_id}", response_model=HaipReportView)
def get_report(request: Request, principal: PrincipalDep, report_id: IdPath) -> HaipReportView:
    """The report: settings, narratives, each section's facts and coverage, approval and
    published versions."""
    return _view(request, principal, report_id)


@router.put("/api/reports/haip/{report_id}", response_model=HaipReportView)
def save_report(
    request: Request, principal: PrincipalDep, report_id: IdPath, body: HaipReportEdit
) -> HaipReportView:
    """Save changes to the draft (a stale ``version`` gets 409 and nothing is overwritten)."""
    with transaction(request) as session:
        row = report_service.get_report(session, principal, report_id)
        changes = body.model_dump(exclude={"version", "sections"}, exclude_none=True)
        fields = None
        if changes:
            current = {
                "title": row.title,
                "period_start": row.period_start,
                "period_end": row.period_end,
                "details_public": row.details_public,
            }
            fields = HaipReportFields.model_validate(current | changes)
        report_service.save_report(
            session, principal, report_id, body.version, fields=fields, sections=body.sections
        )
    return _view(request, principal, report_id)


@router.post("/api/reports/haip/{report_id}/approval-request", response_model=HaipReportView)
def request_approval(
    request: Request, principal: PrincipalDep, report_id: IdPath, body: ApprovalRequest
) -> HaipReportView:
    """Ask an executive to approve this draft; the facts are taken now."""
    with transaction(request) as session:
        haip_approvals.request_approval(session, principal, report_id, body.version, body.note)
    return _view(request, principal, report_id)


@router.post("/api/reports/haip/{report_id}/approval", response_model=HaipReportView)
def decide_approval(
    request: Request, principal: PrincipalDep, report_id: IdPath, body: ApprovalDecision
) -> HaipReportView:
    """Approve or reject the draft with the facts taken for it (executives)."""
    with transaction(request) as session:
        haip_approvals.decide_approval(
            session,
            principal,
            report_id,
            approve=body.approve,
            reason=body.reason,
            version=body.version,
        )
    return _view(request, principal, report_id)


@router.post("/api/reports/haip/{report_id}/publish", response_model=HaipReportView)
def publish_report(
    request: Request, principal: PrincipalDep, report_id: IdPath, body: Publication
) -> HaipReportView:
    """Publish the approved draft as the next version (kept unchanged from then on)."""
    db = database(request)
    assert db.files_dir is not None
    with transaction(request) as session:
        report_service.publish_report(
            session,
            principal,
            report_id,
            body.version,
            files_dir=db.files_dir,
            max_bytes=db.max_upload_bytes,
        )
    return _view(request, principal, report_id)


@router.post("/api/reports/haip/{report_id}/unpublish", response_model=HaipReportView)
def unpublish_report(
    request: Request, principal: PrincipalDep, report_id: IdPath, body: Unpublication
) -> HaipReportView:
    """Take the report down; its address then says when and why."""
    with transaction(request) as session:
        report_service.unpublish_report(session, principal, report_id, body.reason)
    return _view(request, principal, report_id)


@router.get("/api/reports/haip/{report_id}/export", response_class=Response)
def export_report(
    request: Request,
    principal: PrincipalDep,
    report_id: IdPath,
    format: Annotated[str, Query(pattern="^(docx|pdf|json)$")] = "docx",
    lang: Annotated[str, Query(pattern="^(ja|en)$")] = "ja",
) -> Response:
    """The report as DOCX, PDF (in ``lang``) or JSON (both languages), as an attachment."""
    with reading(request) as session:
        found = haip_views.export(
            session,
            principal,
            report_id,
            format,
            "ja" if lang == "ja" else "en",
            request.app.state.settings.public_url,
        )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )


# ----------------------------------------------------------------------------- public


def _public(request: Request, public_id: str, number: int | None) -> PublicHaipReport | Response:
    with reading(request) as session:
        found = public_haip_reports.read_report(session, public_id, number)
    if isinstance(found, Withdrawal):
        return gone(found)
    return found.public


def gone(found: Withdrawal) -> JSONResponse:
    """The 410 a withdrawn report answers with: when, and why."""
    return JSONResponse(
        WithdrawalOut(
            detail="this report was taken down by its organisation",
            detail_ja="このHAIP報告書は、公表した組織により公開が取り下げられました。",
            withdrawn_at=found.withdrawn_at.isoformat(),
            reason=found.reason,
        ).model_dump(),
        status_code=410,
    )


@public_router.get(
    "/api/public/reports/{report_public_id}",
    response_model=PublicHaipReport,
    responses={410: {"model": WithdrawalOut, "description": "The report was taken down"}},
)
def public_report(request: Request, report_public_id: PublicId) -> PublicHaipReport | Response:
    """A published HAIP report (latest version) with the list of its versions; no sign-in."""
    return _public(request, report_public_id, None)


@public_router.get(
    "/api/public/reports/{report_public_id}/versions",
    response_model=list[VersionSummary],
    responses={410: {"model": WithdrawalOut, "description": "The report was taken down"}},
)
def public_versions(
    request: Request, report_public_id: PublicId
) -> list[VersionSummary] | Response:
    """Every published version of a report, newest first."""
    found = _public(request, report_public_id, None)
    return found.versions if isinstance(found, PublicHaipReport) else found


@public_router.get(
    "/api/public/reports/{report_public_id}/versions/{number}",
    response_model=PublicHaipReport,
    responses={410: {"model": WithdrawalOut, "description": "The report was taken down"}},
)
def public_version(
    request: Request, report_public_id: PublicId, number: Number
) -> PublicHaipReport | Response:
    """One published version, exactly as it was published."""
    return _public(request, report_public_id, number)
