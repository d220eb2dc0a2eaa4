"""Pages of the AI policies: the organisation's list with a new policy from a template, and
a policy's page (where it stands, the acknowledgement of its current version, the draft
with an editor, approval, publication, withdrawal, its versions and who has read it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.policies import (
    KIND_NAMES,
    LANGS,
    Lang,
    PolicyKind,
    PolicyTerms,
    PolicyText,
)
from tekisei.core.policy_text import blocks
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import policies as policy_service
from tekisei.services import policy_acknowledgements, policy_approvals, policy_views
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.api.policies import Number
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.i18n import messages
from tekisei.web.templating import render

router = APIRouter(prefix="/policies", include_in_schema=False)
Preview = Annotated[str, Query(pattern="^(|ja|en)$")]
FIELDS = ("title", "body")


def _list(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        listed = policy_views.list_policies(session, principal)
    return render(
        request,
        "policies/index.html",
        {
            "policies": listed,
            "kinds": list(PolicyKind),
            "kind_names": KIND_NAMES,
            "can_write": can(principal.role, Permission.WRITE_POLICIES),
            "error": error,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The organisation's AI policies (JSON twin: /api/policies)."""
    return _list(request, principal)


@router.post("/new", response_model=None)
async def create(request: Request, principal: PrincipalDep) -> Response:
    """Start a policy of the chosen kind from tekisei's template (or blank)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        kind = PolicyKind(str(data.get("kind", "")))
    except ValueError:
        return _list(request, principal, _word(request, "Choose the kind of policy."), 422)
    try:
        with transaction(request) as session:
            row = policy_service.create_policy(
                session, principal, kind, from_template=data.get("template", "1") == "1"
            )
            policy_id = row.id
    except (ConflictError, InvalidInputError) as exc:
        return _list(request, principal, exc.localized(request.state.lang), 409)
    return done(f"/policies/{policy_id}", "created")


def _word(request: Request, message: str) -> str:
    lang: Lang = request.state.lang
    return messages(lang).gettext(message)


def _page(
    request: Request,
    principal: Principal,
    policy_id: int,
    *,
    preview: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        row = policy_service.get_policy(session, principal, policy_id)
        policy = policy_views.view(session, principal, row)
        readers = policy_acknowledgements.acknowledgements(session, principal, policy_id)
        items = policy_service.guideline_items(session)
    lang: Lang = request.state.lang
    wanted: Lang = "ja" if (preview or lang) == "ja" else "en"
    shown: Lang = wanted
    body = policy.content.text(wanted)
    if body is None:
        shown = "en" if wanted == "ja" else "ja"
        body = policy.content.text(shown)
    if values is None:
        values = {
            f"{code}-{name}": getattr(text, name) if (text := policy.content.text(code)) else ""
            for code in LANGS
            for name in FIELDS
        }
        values |= {
            "items": [i.ref for i in policy.items],
            "audience": policy.audience.value,
            "effective_on": policy.effective_on.isoformat() if policy.effective_on else "",
        }
    return render(
        request,
        "policies/show.html",
        {
            "policy": policy,
            "readers": readers,
            "guideline_items": items,
            "values": values,
            "errors": errors or {},
            "langs": LANGS,
            "preview": wanted,
            "shown_lang": shown,
            "body": body,
            "blocks": blocks,
            "kind_names": KIND_NAMES,
            "can_write": can(principal.role, Permission.WRITE_POLICIES),
            "can_approve": can(principal.role, Permission.APPROVE_POLICY),
            "is_member": principal.user_id is not None,
        },
        status_code=status,
    )


@router.get("/{policy_id}", response_class=HTMLResponse)
def policy_page(
    request: Request, principal: PrincipalDep, policy_id: IdPath, preview: Preview = ""
) -> HTMLResponse:
    """A policy: where it stands, its text, editor, approval, versions and who has read
    it (JSON twin: /api/policies/{id})."""
    return _page(request, principal, policy_id, preview=preview)


@router.get("/{policy_id}/versions/{number}", response_class=HTMLResponse)
def version_page(
    request: Request, principal: PrincipalDep, policy_id: IdPath, number: Number
) -> HTMLResponse:
    """One approved version, as approved (JSON twin: /api/policies/{id}/versions/{n})."""
    with reading(request) as session:
        found = policy_views.version_view(session, principal, policy_id, number)
    lang: Lang = request.state.lang
    shown: Lang = lang if found.content.text(lang) is not None else ("en" if lang == "ja" else "ja")
    return render(
        request,
        "policies/version.html",
        {
            "version": found,
            "shown_lang": shown,
            "body": found.content.text(shown),
            "blocks": blocks,
            "kind_names": KIND_NAMES,
        },
    )


def _refused(
    request: Request, principal: Principal, policy_id: int, exc: ConflictError | InvalidInputError
) -> HTMLResponse:
    return _page(
        request,
        principal,
        policy_id,
        errors={"__all__": exc.localized(request.state.lang)},
        status=409 if isinstance(exc, ConflictError) else 422,
    )


def _number(data: dict[str, Any], key: str) -> int:
    value = str(data.get(key, "0") or "0")
    return int(value) if value.isdigit() and len(value) < 10 else 0


@router.post("/{policy_id}", response_model=None)
async def save(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """Save the edited draft; invalid fields and a stale version re-show the editor with
    what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    form = await request.form()
    values: dict[str, Any] = {
        f"{code}-{name}": str(data.get(f"{code}-{name}", "")) for code in LANGS for name in FIELDS
    }
    values |= {
        "items": [str(v) for v in form.getlist("items")],
        "audience": str(data.get("audience", "")),
        "effective_on": str(data.get("effective_on", "")),
    }
    lang = request.state.lang
    texts: dict[Lang, PolicyText | None] = {}
    errors: dict[str, str] = {}
    for code in LANGS:
        try:
            texts[code] = PolicyText.model_validate(
                {name: values[f"{code}-{name}"] for name in FIELDS}
            )
        except ValidationError as exc:
            errors |= {f"{code}-{k}": v for k, v in field_errors(exc, lang).items()}
    effective: date | None = None
    if values["effective_on"]:
        try:
            effective = date.fromisoformat(values["effective_on"])
        except ValueError:
            errors["effective_on"] = _word(request, "Give a date such as 2026-04-01.")
    terms = PolicyTerms()
    try:
        terms = PolicyTerms.model_validate(
            {"items": values["items"], "audience": values["audience"] or "internal",
             "effective_on": effective}
        )  # fmt: skip
    except ValidationError as exc:
        errors |= field_errors(exc, lang)
    if errors:
        return _page(request, principal, policy_id, values=values, errors=errors, status=422)
    try:
        with transaction(request) as session:
            policy_service.save_draft(
                session, principal, policy_id, texts, terms, _number(data, "version")
            )
    except (ConflictError, InvalidInputError) as exc:
        message = exc.localized(lang)
        key = exc.field if isinstance(exc, InvalidInputError) and exc.field else "__all__"
        status = 409 if isinstance(exc, ConflictError) else 422
        return _page(
            request, principal, policy_id, values=values, errors={key: message}, status=status
        )
    return done(f"/policies/{policy_id}#preview", "saved")


@router.post("/{policy_id}/request-approval", response_model=None)
async def ask(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """Ask an executive to approve the draft."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            policy_approvals.request_approval(
                session, principal, policy_id, _number(data, "version"), str(data.get("note", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, policy_id, exc)
    return done(f"/policies/{policy_id}", "requested")


@router.post("/{policy_id}/approval", response_model=None)
async def decide(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """An executive approves the draft as the next version, or rejects it, with a reason."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            policy_approvals.decide_approval(
                session,
                principal,
                policy_id,
                approve=data.get("decision") == "approve",
                reason=str(data.get("reason", "")),
                version=_number(data, "version"),
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, policy_id, exc)
    return done(f"/policies/{policy_id}", "decided")


@router.post("/{policy_id}/publish", response_model=None)
async def publish(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """Publish the newest approved version."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            policy_service.publish_version(session, principal, policy_id, _number(data, "number"))
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, policy_id, exc)
    return done(f"/policies/{policy_id}", "published")


@router.post("/{policy_id}/withdraw", response_model=None)
async def withdraw(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """Withdraw the policy, saying why."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            policy_service.withdraw_policy(
                session, principal, policy_id, str(data.get("reason", ""))
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, policy_id, exc)
    return done(f"/policies/{policy_id}", "withdrawn")


@router.post("/{policy_id}/acknowledge", response_model=None)
async def acknowledge(request: Request, principal: PrincipalDep, policy_id: IdPath) -> Response:
    """Record that the reader read the current version."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            policy_acknowledgements.acknowledge(
                session, principal, policy_id, _number(data, "number")
            )
    except (ConflictError, InvalidInputError) as exc:
        return _refused(request, principal, policy_id, exc)
    return done(f"/policies/{policy_id}", "acknowledged")
