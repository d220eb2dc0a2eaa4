"""Pages of the disclosure notices: the editor inside the workspace (generate, edit,
preview, request approval, approve, publish, unpublish) and the public notice, readable
without signing in, in Japanese and English, with its versions and a PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tekisei.core.notices import LANGS, SECTIONS, Lang, NoticeText
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import notice_approvals, notice_views, public_notices
from tekisei.services import notices as notice_service
from tekisei.services import systems as system_service
from tekisei.services.public_notices import PublicNotice, Withdrawal
from tekisei.web.api.common import IdPath, database, reading, transaction
from tekisei.web.api.notices import Number, PublicId
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.i18n import messages
from tekisei.web.limits import check_pdf_limit
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)
public_router = APIRouter(prefix="/notices", include_in_schema=False)
FIELDS = ("title", *SECTIONS)
Preview = Annotated[str, Query(pattern="^(|ja|en)$")]


def _other(lang: Lang) -> Lang:
    return "en" if lang == "ja" else "ja"


def _editor(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    preview: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )
        row = notice_service.find_notice(session, principal, system_id)
        notice = notice_views.view(session, principal, row) if row is not None else None
    lang: Lang = request.state.lang
    wanted: Lang = "ja" if (preview or lang) == "ja" else "en"
    shown_lang: Lang = wanted
    body = None
    if notice is not None:
        body = notice.content.text(wanted)
        if body is None and notice.content.text(_other(wanted)) is not None:
            shown_lang = _other(wanted)
            body = notice.content.text(shown_lang)
    if values is None:
        values = {}
        if notice is not None:
            for code in LANGS:
                text = notice.content.text(code)
                for name in FIELDS:
                    values[f"{code}-{name}"] = getattr(text, name) if text else ""
    return render(
        request,
        "notices/edit.html",
        {
            "system": system,
            "notice": notice,
            "values": values,
            "errors": errors or {},
            "fields": FIELDS,
            "langs": LANGS,
            "preview": wanted,
            "shown_lang": shown_lang,
            "body": body,
            "nt": messages(shown_lang).gettext,
            "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
            "can_approve": can(principal.role, Permission.APPROVE_NOTICE),
        },
        status_code=status,
    )


@router.get("/{system_id}/notice", response_class=HTMLResponse)
def editor_page(
    request: Request, principal: PrincipalDep, system_id: IdPath, preview: Preview = ""
) -> HTMLResponse:
    """The system's notice: where it stands, the editor, a preview and its versions
    (JSON twin: /api/systems/{id}/notice)."""
    return _editor(request, principal, system_id, preview=preview)


def _refused(
    request: Request, principal: Principal, system_id: int, exc: ConflictError | InvalidInputError
) -> HTMLResponse:
    return _editor(
        request,
        principal,
        system_id,
        errors={"__all__": exc.localized(request.state.lang)},
        status=409 if isinstance(exc, ConflictError) else 422,
    )


def _back(system_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/systems/{system_id}/notice{anchor}", status_code=303)


def _version(data: dict[str, Any]) -> int:
    value = str(data.get("version", "0") or "0")
    return int(value) if value.isdigit() else 0


@router.post("/{system_id}/notice/generate", response_model=None)
async def generate(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Generate the draft (again, over the current one, when asked)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            notice_service.draft_notice(
                session,
                principal,
                system_id,
                regenerate=bool(data.get("regenerate")),
                version=_version(data) or None,
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, system_id, exc)
    return _back(system_id)


@router.post("/{system_id}/notice", response_model=None)
async def save(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Save the edited draft; invalid fields and a stale version re-show the editor with
    what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    keys = [f"{code}-{name}" for code in LANGS for name in FIELDS]
    values = {key: str(data.get(key, "")) for key in keys}
    texts: dict[Lang, NoticeText | None] = {}
    errors: dict[str, str] = {}
    for code in LANGS:
        try:
            texts[code] = NoticeText.model_validate(
                {name: values[f"{code}-{name}"] for name in FIELDS}
            )
        except ValidationError as exc:
            errors |= {f"{code}-{k}": v for k, v in field_errors(exc, request.state.lang).items()}
    if errors:
        return _editor(request, principal, system_id, values=values, errors=errors, status=422)
    try:
        with transaction(request) as session:
            notice_service.save_notice(session, principal, system_id, texts, _version(data))
    except (ConflictError, InvalidInputError) as exc:
        message = {"__all__": exc.localized(request.state.lang)}
        status = 409 if isinstance(exc, ConflictError) else 422
        return _editor(request, principal, system_id, values=values, errors=message, status=status)
    return _back(system_id, "#preview")


@router.post("/{system_id}/notice/request-approval", response_model=None)
async def ask(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Ask an executive to approve publishing the draft."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            notice_approvals.request_approval(
                session, principal, system_id, _version(data), str(data.get("note", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, system_id, exc)
    return _back(system_id)


@router.post("/{system_id}/notice/approval", response_model=None)
async def decide(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """An executive approves or rejects publishing the draft, with a reason."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            notice_approvals.decide_approval(
                session,
                principal,
                system_id,
                approve=data.get("decision") == "approve",
                reason=str(data.get("reason", "")),
                version=_version(data),
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, system_id, exc)
    return _back(system_id)


@router.post("/{system_id}/notice/publish", response_model=None)
async def publish(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Publish the draft as the next version."""
    data = await read_form(request)
    check_csrf(request, data)
    db = database(request)
    assert db.files_dir is not None
    try:
        with transaction(request) as session:
            notice_service.publish_notice(
                session,
                principal,
                system_id,
                _version(data),
                files_dir=db.files_dir,
                max_bytes=db.max_upload_bytes,
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, system_id, exc)
    return _back(system_id)


@router.post("/{system_id}/notice/unpublish", response_model=None)
async def unpublish(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Take the notice down, saying why."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            notice_service.unpublish_notice(
                session, principal, system_id, str(data.get("reason", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, system_id, exc)
    return _back(system_id)


# ----------------------------------------------------------------------------- public


def _read(request: Request, public_id: str, number: int | None) -> PublicNotice | Withdrawal:
    with reading(request) as session:
        return public_notices.read_notice(session, public_id, number)


def _public(request: Request, public_id: str, number: int | None) -> HTMLResponse:
    found = _read(request, public_id, number)
    if isinstance(found, Withdrawal):
        return render(
            request, "notices/gone.html", {"gone": found}, status_code=410,
            time_zone=found.time_zone,
        )  # fmt: skip
    lang: Lang = request.state.lang
    shown: Lang = lang if found.version.content.text(lang) is not None else _other(lang)
    base = f"/notices/{found.public_id}"
    here = base if number is None else f"{base}/versions/{number}"
    return render(
        request,
        "notices/public.html",
        {
            "notice": found,
            "org_slug": found.org_slug,
            "shown_lang": shown,
            "body": found.version.content.text(shown),
            "nt": messages(shown).gettext,
            "base": base,
            "page_url": here,
            "json_url": f"/api/public/notices/{found.public_id}"
            + ("" if number is None else f"/versions/{number}"),
            "energy_sections": [found.energy] if found.energy else [],
        },
        time_zone=found.time_zone,
    )


@public_router.get("/{public_id}", response_class=HTMLResponse)
def public_page(request: Request, public_id: PublicId) -> HTMLResponse:
    """A published notice, its latest version; no sign-in (JSON twin:
    /api/public/notices/{public_id})."""
    return _public(request, public_id, None)


@public_router.get("/{public_id}/versions/{number}", response_class=HTMLResponse)
def public_version_page(request: Request, public_id: PublicId, number: Number) -> HTMLResponse:
    """One published version, as it was published."""
    return _public(request, public_id, number)


def _pdf(request: Request, public_id: str, number: int | None) -> Response:
    check_pdf_limit(request)
    found = _read(request, public_id, number)
    if isinstance(found, Withdrawal):
        return render(
            request, "notices/gone.html", {"gone": found}, status_code=410,
            time_zone=found.time_zone,
        )  # fmt: skip
    lang: Lang = request.state.lang
    content = public_notices.pdf(found, lang, request.app.state.settings.public_url)
    name = f"notice-{found.public_id}-v{found.version.number}-{lang}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": attachment(name)}
    )


@public_router.get("/{public_id}/pdf", response_class=Response)
def public_pdf(request: Request, public_id: PublicId) -> Response:
    """The latest version as PDF, in the page's language."""
    return _pdf(request, public_id, None)


@public_router.get("/{public_id}/versions/{number}/pdf", response_class=Response)
def public_version_pdf(request: Request, public_id: PublicId, number: Number) -> Response:
    """One version as PDF, in the page's language."""
    return _pdf(request, public_id, number)
