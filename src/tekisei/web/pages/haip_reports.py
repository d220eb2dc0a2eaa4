"""Pages of the HAIP reports: the list (and a new report), the editor with each section's
facts, coverage and narrative, the approval and publication, and the public report,
readable without signing in, in Japanese and English, with its versions and a PDF."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.haip_reports import LANGS, SECTIONS, HaipReportFields, SectionId, SectionText
from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.times import shown
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.i18n import Lang
from tekisei.render import haip_reports as words
from tekisei.services import haip_approvals, haip_views, public_haip_reports
from tekisei.services import haip_reports as report_service
from tekisei.services.public_haip_reports import Published, Withdrawal
from tekisei.web.api.common import IdPath, database, reading, transaction
from tekisei.web.api.haip_reports import Number, PublicId
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.limits import check_pdf_limit
from tekisei.web.templating import render

router = APIRouter(prefix="/reports/haip", include_in_schema=False)
public_router = APIRouter(prefix="/public/reports", include_in_schema=False)
SETTINGS = ("title", "period_start", "period_end")


def helpers(lang: Lang) -> dict[str, Any]:
    """What the report templates use to word tekisei's facts in the page's language."""
    return {
        "line": lambda note: words.line_text(note, lang),
        "cell": lambda column, value: words.cell_text(column, value, lang),
        "coverage_of": words.coverage_of,
        "sources": lambda found: words.sources_text(found, lang),
        "more": lambda count: words.more_text(count, lang),
    }


def _index(
    request: Request,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        reports = haip_views.list_reports(session, principal)
    return render(
        request,
        "haip_reports/index.html",
        {
            "reports": reports,
            "values": values or {},
            "errors": errors or {},
            "can_write": can(principal.role, Permission.WRITE_REPORTS),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The organisation's HAIP reports and a form for a new one (JSON twin:
    /api/reports/haip)."""
    return _index(request, principal)


def _fields(data: dict[str, Any], lang: str) -> tuple[HaipReportFields | None, dict[str, str]]:
    try:
        return HaipReportFields.model_validate(
            {name: data.get(name, "") for name in SETTINGS}
            | {"details_public": bool(data.get("details_public"))}
        ), {}
    except ValidationError as exc:
        return None, field_errors(exc, lang)


@router.post("", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Start a report; a refused form is shown again with what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    values = {name: str(data.get(name, "")) for name in SETTINGS}
    fields, errors = _fields(data, request.state.lang)
    if fields is None:
        return _index(request, principal, values=values, errors=errors, status=422)
    try:
        with transaction(request) as session:
            report_id = report_service.create_report(session, principal, fields).id
    except (ConflictError, InvalidInputError) as exc:
        field = getattr(exc, "field", None) or "__all__"
        status = 409 if isinstance(exc, ConflictError) else 422
        return _index(
            request,
            principal,
            values=values,
            errors={field: exc.localized(request.state.lang)},
            status=status,
        )
    return done(f"/reports/haip/{report_id}", "created")


def _editor(
    request: Request,
    principal: Principal,
    report_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        row = report_service.get_report(session, principal, report_id)
        report = haip_views.view(session, principal, row)
    if values is None:
        values = {
            "title": report.title,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "details_public": "1" if report.details_public else "",
        }
        for section in SECTIONS:
            text = report.content.section(section)
            for code in LANGS:
                values[f"{section}-{code}"] = text.text(code)
    lang: Lang = request.state.lang
    return render(
        request,
        "haip_reports/edit.html",
        {
            "report": report,
            "doc": report.document,
            "values": values,
            "errors": errors or {},
            "langs": LANGS,
            "can_write": can(principal.role, Permission.WRITE_REPORTS),
            "can_approve": can(principal.role, Permission.APPROVE_REPORTS),
            **helpers(lang),
        },
        status_code=status,
    )


@router.get("/{report_id}", response_class=HTMLResponse)
def editor(request: Request, principal: PrincipalDep, report_id: IdPath) -> HTMLResponse:
    """A report: where it stands, each section's facts, coverage and narrative, approval,
    publication and versions (JSON twin: /api/reports/haip/{id})."""
    return _editor(request, principal, report_id)


def _refused(
    request: Request, principal: Principal, report_id: int, exc: ConflictError | InvalidInputError
) -> HTMLResponse:
    return _editor(
        request,
        principal,
        report_id,
        errors={"__all__": exc.localized(request.state.lang)},
        status=409 if isinstance(exc, ConflictError) else 422,
    )


def _version(data: dict[str, Any]) -> int:
    value = str(data.get("version", "0") or "0")
    return int(value) if value.isdigit() and len(value) < 10 else 0


@router.post("/{report_id}", response_model=None)
async def save(request: Request, principal: PrincipalDep, report_id: IdPath) -> Response:
    """Save the settings and every section's narratives; invalid fields and a stale
    version show the editor again with what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    lang = request.state.lang
    keys = [f"{s}-{code}" for s in SECTIONS for code in LANGS]
    values = {key: str(data.get(key, "")) for key in (*SETTINGS, *keys)}
    values["details_public"] = "1" if data.get("details_public") else ""
    fields, errors = _fields(data, lang)
    sections: dict[SectionId, SectionText] = {}
    for section in SECTIONS:
        try:
            sections[section] = SectionText.model_validate(
                {code: values[f"{section}-{code}"] for code in LANGS}
            )
        except ValidationError as exc:
            errors |= {f"{section}-{k}": v for k, v in field_errors(exc, lang).items()}
    if errors or fields is None:
        return _editor(request, principal, report_id, values=values, errors=errors, status=422)
    try:
        with transaction(request) as session:
            report_service.save_report(
                session, principal, report_id, _version(data), fields=fields, sections=sections
            )
    except (ConflictError, InvalidInputError) as exc:
        field = getattr(exc, "field", None) or "__all__"
        status = 409 if isinstance(exc, ConflictError) else 422
        message = {field: exc.localized(lang)}
        return _editor(request, principal, report_id, values=values, errors=message, status=status)
    return done(f"/reports/haip/{report_id}", "saved")


@router.post("/{report_id}/request-approval", response_model=None)
async def ask(request: Request, principal: PrincipalDep, report_id: IdPath) -> Response:
    """Ask an executive to approve the draft (the facts are taken now)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            haip_approvals.request_approval(
                session, principal, report_id, _version(data), str(data.get("note", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, report_id, exc)
    return done(f"/reports/haip/{report_id}", "requested")


@router.post("/{report_id}/approval", response_model=None)
async def decide(request: Request, principal: PrincipalDep, report_id: IdPath) -> Response:
    """An executive approves or rejects the draft, with a reason."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            haip_approvals.decide_approval(
                session,
                principal,
                report_id,
                approve=data.get("decision") == "approve",
                reason=str(data.get("reason", "")),
                version=_version(data),
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, report_id, exc)
    return done(f"/reports/haip/{report_id}", "decided")


@router.post("/{report_id}/publish", response_model=None)
async def publish(request: Request, principal: PrincipalDep, report_id: IdPath) -> Response:
    """Publish the approved draft as the next version."""
    data = await read_form(request)
    check_csrf(request, data)
    db = database(request)
    assert db.files_dir is not None
    try:
        with transaction(request) as session:
            report_service.publish_report(
                session,
                principal,
                report_id,
                _version(data),
                files_dir=db.files_dir,
                max_bytes=db.max_upload_bytes,
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, report_id, exc)
    return done(f"/reports/haip/{report_id}", "published")


@router.post("/{report_id}/unpublish", response_model=None)
async def unpublish(request: Request, principal: PrincipalDep, report_id: IdPath) -> Response:
    """Take the report down, saying why."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            report_service.unpublish_report(
                session, principal, report_id, str(data.get("reason", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, report_id, exc)
    return done(f"/reports/haip/{report_id}", "withdrawn")


# ----------------------------------------------------------------------------- public


def _read(request: Request, public_id: str, number: int | None) -> Published | Withdrawal:
    with reading(request) as session:
        return public_haip_reports.read_report(session, public_id, number)


def _public(request: Request, public_id: str, number: int | None) -> HTMLResponse:
    found = _read(request, public_id, number)
    if isinstance(found, Withdrawal):
        return render(request, "haip_reports/gone.html", {"gone": found}, status_code=410)
    base = f"/public/reports/{found.public.public_id}"
    here = base if number is None else f"{base}/versions/{number}"
    lang: Lang = request.state.lang
    return render(
        request,
        "haip_reports/public.html",
        {
            "found": found.public,
            "doc": found.document,
            "base": base,
            "page_url": here,
            "json_url": f"/api/public/reports/{found.public.public_id}"
            + ("" if number is None else f"/versions/{number}"),
            "at": lambda value: shown(value, ZoneInfo(found.time_zone)),
            **helpers(lang),
        },
    )


@public_router.get("/{report_public_id}", response_class=HTMLResponse)
def public_page(request: Request, report_public_id: PublicId) -> HTMLResponse:
    """A published HAIP report, its latest version; no sign-in (JSON twin:
    /api/public/reports/{public_id})."""
    return _public(request, report_public_id, None)


@public_router.get("/{report_public_id}/versions/{number}", response_class=HTMLResponse)
def public_version_page(
    request: Request, report_public_id: PublicId, number: Number
) -> HTMLResponse:
    """One published version, as it was published."""
    return _public(request, report_public_id, number)


def _pdf(request: Request, public_id: str, number: int | None) -> Response:
    check_pdf_limit(request)
    found = _read(request, public_id, number)
    if isinstance(found, Withdrawal):
        return render(request, "haip_reports/gone.html", {"gone": found}, status_code=410)
    lang: Lang = request.state.lang
    content = public_haip_reports.pdf(found, lang, request.app.state.settings.public_url)
    name = f"haip-report-{found.public.public_id}-v{found.public.number}-{lang}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": attachment(name)}
    )


@public_router.get("/{report_public_id}/pdf", response_class=Response)
def public_pdf(request: Request, report_public_id: PublicId) -> Response:
    """The latest version as PDF, in the page's language."""
    return _pdf(request, report_public_id, None)


@public_router.get("/{report_public_id}/versions/{number}/pdf", response_class=Response)
def public_version_pdf(request: Request, report_public_id: PublicId, number: Number) -> Response:
    """One version as PDF, in the page's language."""
    return _pdf(request, report_public_id, number)
