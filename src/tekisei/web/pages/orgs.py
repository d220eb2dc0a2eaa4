"""The organisation page: settings (admins can change them), members and invitations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import OrgActor, Permission, Role, can, sees_all_systems
from tekisei.core.times import time_zone_names
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import energy as energy_service
from tekisei.services import eval_targets
from tekisei.services import invitations as invitation_service
from tekisei.services import orgs as org_service
from tekisei.services import sessions as session_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.invitations import InvitationCreate, InvitationId
from tekisei.web.api.orgs import MemberId
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/org", include_in_schema=False)


def _page(
    request: Request,
    principal: PrincipalDep,
    error: str | None = None,
    status: int = 200,
    issued: dict[str, str] | None = None,
) -> HTMLResponse:
    manage = can(principal.role, Permission.MANAGE_ORG)
    with reading(request) as session:
        org = org_service.org_view(session, org_service.get_org(session, principal.org_slug))
        members = (
            org_service.list_members(session, principal)
            if sees_all_systems(principal.role)
            else None
        )
        invitations = invitation_service.list_invitations(session, principal) if manage else []
        session_counts = session_service.session_counts(session, principal) if manage else {}
        config = eval_targets.WebEvalSettings.from_settings(request.app.state.settings)
        targets = eval_targets.targets_view(session, principal, config)
        energy_default = energy_service.read_default(session, principal)
    return render(
        request,
        "orgs/settings.html",
        {
            "org": org,
            "members": members,
            "invitations": invitations,
            "session_counts": session_counts,
            "issued": issued,
            "roles": [r.value for r in Role],
            "eval_targets": targets,
            "energy_default": energy_default,
            "actors": [a.value for a in OrgActor],
            "time_zones": time_zone_names() if manage else (),
            "default_time_zone": request.app.state.settings.time_zone,
            "can_manage": manage,
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
                time_zone=str(data.get("time_zone", "")),
            )
    except (ConflictError, InvalidInputError, ValueError) as exc:
        message = (
            exc.localized(request.state.lang)
            if isinstance(exc, ConflictError | InvalidInputError)
            else str(exc)
        )
        return _page(request, principal, message, status=422)
    return done("/org")


def _problem(request: Request, exc: Exception) -> str:
    if isinstance(exc, ConflictError | InvalidInputError | NotFoundError):
        return exc.localized(request.state.lang)
    return (
        "メールアドレスと権限を確かめてください。"
        if request.state.lang == "ja"
        else "check the email address and the role"
    )


@router.post("/invitations", response_model=None)
async def invite(request: Request, principal: PrincipalDep) -> Response:
    """Invite a person by email with a role (admins); the link is shown once, on the page
    this answers with (JSON twin: POST /api/orgs/current/invitations)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        wanted = InvitationCreate.model_validate(
            {"email": str(data.get("email", "")), "role": str(data.get("role", ""))}
        )
        with transaction(request) as session:
            code, view = invitation_service.create_invitation(
                session, principal, wanted.email, wanted.role
            )
    except (ConflictError, InvalidInputError, ValidationError, ValueError) as exc:
        return _page(request, principal, _problem(request, exc), status=422)
    link = str(request.base_url).rstrip("/") + f"/invitations/{code}"
    issued = {"email": view.email, "role": view.role, "link": link, "code": code}
    response = _page(request, principal, issued=issued, status=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/invitations/{invitation_id}/revoke", response_model=None)
async def revoke(
    request: Request, principal: PrincipalDep, invitation_id: InvitationId
) -> Response:
    """Withdraw a pending invitation (admins)."""
    check_csrf(request, await read_form(request))
    try:
        with transaction(request) as session:
            invitation_service.revoke_invitation(session, principal, invitation_id)
    except ConflictError as exc:
        return _page(request, principal, _problem(request, exc), status=409)
    return done("/org", "removed")


@router.post("/members/{user_id}/remove", response_model=None)
async def remove_member(request: Request, principal: PrincipalDep, user_id: MemberId) -> Response:
    """Remove a member (admins); their sessions and tokens here end. Not the last admin."""
    check_csrf(request, await read_form(request))
    try:
        with transaction(request) as session:
            org_service.remove_member(session, principal, user_id)
    except ConflictError as exc:
        return _page(request, principal, _problem(request, exc), status=409)
    return done("/org", "removed")


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
    return done("/org#eval-targets")


@router.post("/energy-default", response_model=None)
async def save_energy_default(request: Request, principal: PrincipalDep) -> Response:
    """Turn on or off the default for showing the energy figures of systems that have not
    chosen (admins; JSON twin: PUT /api/orgs/current/energy-default); a stale page gets
    the conflict explained."""
    data = await read_form(request)
    check_csrf(request, data)
    published = str(data.get("published", "")) == "1"
    text = str(data.get("version", ""))
    version = int(text) if text.isdigit() and len(text) < 10 else -1
    try:
        with transaction(request) as session:
            energy_service.set_default(session, principal, published, version)
    except ConflictError as exc:
        return _page(request, principal, exc.localized(request.state.lang), status=409)
    return done("/org#energy-default", "published" if published else "withdrawn")
