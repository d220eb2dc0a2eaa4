"""Pages of inquiries (fn 17, fn 18, 2(5)).

Public, without an account: the form per organisation (``/orgs/{org}/inquiries/new``) and
per published system (``/notices/{public_id}/inquiry``), and the status page
(``/inquiries/status``: the secret is posted, never put in the address). Inside the
workspace: the inbox with filters, an inquiry's page with its history and forms, and the
settings (days to answer, retention of personal data)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.incidents import Source
from tekisei.core.inquiries import (
    RULES_JA,
    InquiryKind,
    InquirySettings,
    InquiryState,
    InquirySubmission,
    check_form_token,
    form_token,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import incidents as incident_service
from tekisei.services import inquiries as inquiry_service
from tekisei.services import inquiry_settings, public_inquiries
from tekisei.services import systems as system_service
from tekisei.services.inquiries import Links
from tekisei.services.owners import owner_choices
from tekisei.services.people import ActorNames
from tekisei.services.public_inquiries import Receiver
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.api.inquiries import form_key, limiter, refuse_honeypot
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/inquiries", include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
Failure = ConflictError | InvalidInputError
OrgSlug = Annotated[str, Path(min_length=1, max_length=64)]
PublicId = Annotated[str, Path(min_length=1, max_length=32)]
KindQuery = Annotated[InquiryKind | None, Query()]
StateQuery = Annotated[InquiryState | None, Query()]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _problem(exc: ValidationError | Failure, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        errors = field_errors(exc, lang)
        return {k: RULES_JA.get(v, v) for k, v in errors.items()} if lang == "ja" else errors
    field = exc.field if isinstance(exc, InvalidInputError) else None
    return {field or "__all__": exc.localized(lang)}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


# ----------------------------------------------------------------------------- public


def _scope(org: str | None, public_id: str | None) -> str:
    return f"notice:{public_id}" if public_id else f"org:{org}"


def _receiver(request: Request, org: str | None, public_id: str | None) -> Receiver:
    with reading(request) as session:
        return public_inquiries.receiver(session, org, public_id)


def _form(
    request: Request,
    to: Receiver,
    action: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    scope = _scope(to.org_slug, to.notice_public_id)
    response = render(
        request,
        "inquiries/form.html",
        {
            "organisation": to.organisation,
            "system": to.system,
            "notice_url": f"/notices/{to.notice_public_id}" if to.notice_public_id else None,
            "action": action,
            "kinds": [k.value for k in InquiryKind],
            "values": values or {"kind": "question", "lang": request.state.lang},
            "errors": errors or {},
            "token": form_token(form_key(request), scope, time.time()),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response


async def _send(request: Request, to: Receiver, action: str) -> Response:
    data = await read_form(request)
    values = {k: data.get(k, "") for k in InquirySubmission.model_fields}
    values["lang"] = values.get("lang") or request.state.lang
    try:
        limiter(request).check(request)
        refuse_honeypot(str(data.get("website", "")))
        nonce = check_form_token(
            form_key(request), _scope(to.org_slug, to.notice_public_id),
            str(data.get("token", "")), time.time(),
            min_seconds=request.app.state.settings.inquiry_min_seconds,
        )  # fmt: skip
        submission = InquirySubmission.model_validate(values)
        with transaction(request) as session:
            sent = public_inquiries.submit(session, to, submission, form_nonce=nonce)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = _problem(exc, request.state.lang)
        for hidden in ("form", "website"):
            if hidden in problem:
                problem["__all__"] = problem.pop(hidden)
        return _form(
            request, to, action, values=values, errors=problem, status=_status(exc)
        )  # fmt: skip
    response = render(
        request,
        "inquiries/sent.html",
        {
            "sent": sent,
            "organisation": to.organisation,
            "system": to.system,
        },
        status_code=201,
    )
    response.headers.update(NO_STORE)
    return response


@public_router.get("/orgs/{org}/inquiries/new", response_class=HTMLResponse)
def org_form(request: Request, org: OrgSlug) -> HTMLResponse:
    """The organisation's inquiry form (no account; JSON twin: POST /api/public/inquiries)."""
    return _form(request, _receiver(request, org, None), f"/orgs/{org}/inquiries/new")


@public_router.post("/orgs/{org}/inquiries/new", response_model=None)
async def org_send(request: Request, org: OrgSlug) -> Response:
    """Send the organisation's inquiry form; the page shows the tracking number and the
    secret once."""
    return await _send(request, _receiver(request, org, None), f"/orgs/{org}/inquiries/new")


@public_router.get("/notices/{public_id}/inquiry", response_class=HTMLResponse)
def notice_form(request: Request, public_id: PublicId) -> HTMLResponse:
    """The inquiry form of a published system, reached from its notice."""
    to = _receiver(request, None, public_id)
    return _form(request, to, f"/notices/{public_id}/inquiry")


@public_router.post("/notices/{public_id}/inquiry", response_model=None)
async def notice_send(request: Request, public_id: PublicId) -> Response:
    """Send the inquiry form of a published system."""
    to = _receiver(request, None, public_id)
    return await _send(request, to, f"/notices/{public_id}/inquiry")


def _status_page(
    request: Request,
    tracking: str = "",
    secret: str = "",
    *,
    found: public_inquiries.PublicStatus | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "inquiries/status.html",
        {"tracking": tracking, "secret": secret, "found": found, "error": error},
        status_code=status,
        time_zone=None,
    )
    response.headers.update(NO_STORE)
    return response


@public_router.get("/inquiries/status", response_class=HTMLResponse)
def status_form(
    request: Request,
    tracking: Annotated[str, Query(max_length=40)] = "",
    secret: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The status page's form (a tracking number and secret in the address fill it in;
    the status itself is shown after posting it)."""
    return _status_page(request, tracking, secret)


@public_router.post("/inquiries/status", response_class=HTMLResponse)
async def status_check(request: Request) -> HTMLResponse:
    """The state, dates and replies of an inquiry, for its tracking number and secret
    (JSON twin: GET /api/public/inquiries/{tracking})."""
    data = await read_form(request)
    tracking = str(data.get("tracking", ""))[:40]
    secret = str(data.get("secret", ""))[:200]
    limiter(request).check(request)
    try:
        with reading(request) as session:
            found = public_inquiries.read_status(session, tracking, secret)
    except NotFoundError as exc:
        return _status_page(request, tracking, error=exc.localized(request.state.lang), status=404)
    return _status_page(request, found.tracking, found=found)


# ----------------------------------------------------------------------------- workspace


def _systems(request: Request, principal: Principal) -> dict[int, str]:
    with reading(request) as session:
        return {s.id: s.name for s in system_service.list_systems(session, principal, limit=200)[1]}


@router.get("", response_class=HTMLResponse)
def inbox(
    request: Request,
    principal: PrincipalDep,
    state: StateQuery = None,
    kind: KindQuery = None,
    system: IdQuery = None,
    overdue: bool = False,
) -> HTMLResponse:
    """The inbox (JSON twin: /api/inquiries)."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = inquiry_service.list_inquiries(
            session, principal, state=state, kind=kind, system_id=system, overdue=overdue
        )
        listed = [inquiry_service.view(principal, r, actors) for r in rows]
    return render(
        request,
        "inquiries/index.html",
        {
            "inquiries": listed,
            "systems": _systems(request, principal),
            "states": [s.value for s in InquiryState],
            "kinds": [k.value for k in InquiryKind],
            "state": state.value if state else "",
            "kind": kind.value if kind else "",
            "system_id": system,
            "overdue": overdue,
            "handles": inquiry_service.handles(principal),
        },
    )


def _settings_page(
    request: Request,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        current = inquiry_settings.read_settings(session, principal)
    return render(
        request,
        "inquiries/settings.html",
        {
            "settings": current,
            "kinds": [k.value for k in InquiryKind],
            "handles": inquiry_service.handles(principal),
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Days to answer per kind and retention (JSON twin: /api/inquiries/settings)."""
    return _settings_page(request, principal)


def _version(data: dict[str, Any]) -> int:
    text = str(data.pop("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else -1


@router.post("/settings", response_model=None)
async def save_settings(request: Request, principal: PrincipalDep) -> Response:
    """Save the settings; a stale version re-shows the page with the conflict."""
    data = await read_form(request)
    check_csrf(request, data)
    version = _version(data)
    try:
        settings = InquirySettings.model_validate(
            {
                "due_days": {k.value: data.get(f"due-{k.value}") or 0 for k in InquiryKind},
                "retention_days": data.get("retention_days") or 0,
            }
        )
        with transaction(request) as session:
            inquiry_settings.update_settings(session, principal, settings, version)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        return _settings_page(
            request, principal, errors=_problem(exc, request.state.lang), status=_status(exc)
        )
    return done("/inquiries/settings")


def _detail(
    request: Request,
    principal: Principal,
    inquiry_id: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        actors = ActorNames(session, principal)
        row = inquiry_service.get_inquiry(session, principal, inquiry_id)
        shown = inquiry_service.view(principal, row, actors)
        log = [
            inquiry_service.entry_view(e, actors)
            for e in inquiry_service.history(session, principal, inquiry_id)
        ]
        members = owner_choices(session, principal) if inquiry_service.handles(principal) else []
        linked = [
            incident_service.view(session, r, actors)
            for r in incident_service.list_incidents(
                session, principal, source=Source.INQUIRY, source_ref=str(inquiry_id)
            )
        ]
    return render(
        request,
        "inquiries/detail.html",
        {
            "inquiry": shown,
            "log": log,
            "members": members,
            "systems": _systems(request, principal),
            "handles": inquiry_service.handles(principal),
            "erases": can(principal.role, Permission.MANAGE_ORG),
            "ended": shown.state.value in ("closed", "rejected"),
            "errors": errors or {},
            "incidents": linked,
            "reports_incidents": incident_service.writes(principal),
        },
        status_code=status,
    )


@router.get("/{inquiry_id}", response_class=HTMLResponse)
def detail(request: Request, principal: PrincipalDep, inquiry_id: IdPath) -> HTMLResponse:
    """An inquiry, its history and its forms (JSON twin: /api/inquiries/{id})."""
    return _detail(request, principal, inquiry_id)


def _optional_id(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 10:
        raise InvalidInputError("give an id (a number)", ja="IDを数字で入力してください。")
    return int(text)


async def _act(request: Request, principal: Principal, inquiry_id: int, action: str) -> Response:
    data = await read_form(request)
    check_csrf(request, data)
    version = _version(data)
    text = str(data.get("text", ""))
    try:
        with transaction(request) as session:
            if action == "reply":
                if not text:
                    raise _empty("text")
                inquiry_service.reply(session, principal, inquiry_id, text[:4000], version)
            elif action == "note":
                if not text:
                    raise _empty("text")
                inquiry_service.add_note(session, principal, inquiry_id, text[:4000])
            elif action == "start":
                inquiry_service.start(session, principal, inquiry_id, version)
            elif action == "close":
                inquiry_service.close(session, principal, inquiry_id, version, text[:4000])
            elif action == "reject":
                reason = str(data.get("reason", ""))[:4000]
                inquiry_service.reject(session, principal, inquiry_id, version, reason)
            elif action == "assign":
                user = _optional_id(data.get("user_id"))
                inquiry_service.assign(session, principal, inquiry_id, user, version)
            elif action == "links":
                links = Links(
                    system_id=_optional_id(data.get("system_id")),
                    dataset_id=_optional_id(data.get("dataset_id")),
                    holder_id=_optional_id(data.get("holder_id")),
                )
                inquiry_service.link(session, principal, inquiry_id, links, version)
            else:
                inquiry_service.erase(session, principal, inquiry_id)
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = {f"{action}-{k}": v for k, v in _problem(exc, request.state.lang).items()}
        return _detail(request, principal, inquiry_id, errors=problem, status=_status(exc))
    return done(f"/inquiries/{inquiry_id}")


def _empty(field: str) -> InvalidInputError:
    return InvalidInputError("write the text", ja="本文を書いてください。", field=field)


def _action_route(action: str, doc: str) -> None:
    async def handler(request: Request, principal: PrincipalDep, inquiry_id: IdPath) -> Response:
        return await _act(request, principal, inquiry_id, action)

    handler.__doc__ = doc
    handler.__name__ = f"inquiry_{action}"
    router.add_api_route(
        f"/{{inquiry_id}}/{action}", handler, methods=["POST"], response_model=None
    )


for _action, _doc in (
    ("reply", "Answer the sender (shown on the status page)."),
    ("note", "Add an internal note."),
    ("start", "Mark it as in progress."),
    ("close", "Close it."),
    ("reject", "Reject it with the reason (shown to the sender)."),
    ("assign", "Assign it to a member."),
    ("links", "Link it to a system, a dataset record and a data holder."),
    ("erase", "Erase the sender's personal data (administrators)."),
):
    _action_route(_action, _doc)
