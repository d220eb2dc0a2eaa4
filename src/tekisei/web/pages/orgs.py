"""The organisation page: settings (admins can change them) and members."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import OrgActor, Permission, Role, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import eval_targets
from tekisei.services import orgs as org_service
from tekisei.services import users as user_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/org", include_in_schema=False)


def _page(
    request: Request, principal: PrincipalDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        org = org_service.org_view(org_service.get_org(session, principal.org_slug))
        members = org_service.list_members(session, principal)
        config = eval_targets.WebEvalSettings.from_settings(request.app.state.settings)
        targets = eval_targets.targets_view(session, principal, config)
    return render(
        request,
        "orgs/settings.html",
        {
            "org": org,
            "members": members,
            "eval_targets": targets,
            "actors": [a.value for a in OrgActor],
            "can_manage": can(principal.role, Permission.MANAGE_ORG),
            "error": error,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Settings and members (JSON twins: /api/orgs/current, /api/orgs/current/members)."""
    return _page(request, principal)


@router.post("", response_model=None)
async def save(request: Request, principal: PrincipalDep) -> Response:
    """Save the settings (admins; a stale version re-shows the page with the conflict)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        actors = [OrgActor(a) for a in data.get("actors", [])]
        with transaction(request) as session:
            org_service.update_org(
                session,
                principal,
                version=int(data.get("version", "0") or 0),
                name=str(data.get("name", "")) or None,
                actors=actors,
                responsible_person=str(data.get("responsible_person", "")),
                responsible_title=str(data.get("responsible_title", "")),
            )
    except (ConflictError, InvalidInputError, ValueError) as exc:
        message = (
            exc.localized(request.state.lang)
            if isinstance(exc, ConflictError | InvalidInputError)
            else str(exc)
        )
        return _page(request, principal, message, status=422)
    return RedirectResponse("/org", status_code=303)


@router.post("/members", response_model=None)
async def add_member(request: Request, principal: PrincipalDep) -> Response:
    """Add a member with an initial password (admins)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        account = user_service.UserCreate(
            email=str(data.get("email", "")),
            name=str(data.get("name", "")),
            password=str(data.get("password", "")),
        )
        role = Role(str(data.get("role", "")))
        with transaction(request) as session:
            user_service.add_member_account(session, principal, account, role)
    except (ConflictError, InvalidInputError) as exc:
        return _page(request, principal, exc.localized(request.state.lang), status=422)
    except (ValidationError, ValueError):
        lang = request.state.lang
        message = (
            "メールアドレスと権限を確かめてください。"
            if lang == "ja"
            else "check the email address and the role"
        )
        return _page(request, principal, message, status=422)
    return RedirectResponse("/org", status_code=303)


@router.post("/eval-targets", response_model=None)
async def save_eval_targets(request: Request, principal: PrincipalDep) -> Response:
    """Replace the allow-list of evaluation targets from the form, one host per line
    (admins; JSON twin: PUT /api/orgs/current/eval-targets)."""
    data = await read_form(request)
    check_csrf(request, data)
    hosts = str(data.get("hosts", "")).splitlines()
    config = eval_targets.WebEvalSettings.from_settings(request.app.state.settings)
    try:
        with transaction(request) as session:
            eval_targets.set_hosts(session, principal, hosts, config)
    except InvalidInputError as exc:
        return _page(request, principal, exc.localized(request.state.lang), status=422)
    return RedirectResponse("/org#eval-targets", status_code=303)
