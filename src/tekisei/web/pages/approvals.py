"""The approvals inbox and stage-change requests."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.core.orgs import Permission, can, sees_all_systems
from tekisei.core.systems import Stage
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import gates as gate_service
from tekisei.services import haip_views, notice_views, policy_views
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)


def _inbox(
    request: Request,
    principal: PrincipalDep,
    error: str | None = None,
    status: int = 200,
    failed: tuple[int, str] | None = None,
) -> HTMLResponse:
    """The inbox; ``failed`` is the request whose decision was refused and the reason the
    executive typed, shown again next to the error so nothing typed is lost."""
    with reading(request) as session:
        pending = gate_service.list_approvals(session, principal, "pending")
        checklists = {
            a.id: gate_service.gate_checklist(session, principal, a.system_id) for a in pending
        }
        decided = [
            a
            for a in gate_service.list_approvals(session, principal, None)
            if a.status != "pending"
        ][-20:]
        notices = notice_views.list_notices(session, principal, awaiting_approval=True)
        policies = (
            policy_views.list_policies(session, principal, awaiting_approval=True)
            if sees_all_systems(principal.role)
            else []
        )
        reports = haip_views.awaiting_approval(session, principal)
    return render(
        request,
        "approvals/index.html",
        {
            "pending": pending,
            "checklists": checklists,
            "decided": list(reversed(decided)),
            "error": error,
            "failed_id": failed[0] if failed else None,
            "typed_reason": failed[1] if failed else "",
            "can_decide": can(principal.role, Permission.APPROVE_STAGE),
            "notices": notices,
            "policies": policies,
            "reports": reports,
        },
        status_code=status,
    )


@router.get("/approvals", response_class=HTMLResponse)
def inbox(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Requests waiting for an executive, and recent decisions (JSON twin: /api/approvals)."""
    return _inbox(request, principal)


@router.post("/approvals/{approval_id}", response_model=None)
async def decide(request: Request, principal: PrincipalDep, approval_id: IdPath) -> Response:
    """Approve or reject with a reason; a gate that is not met is shown with what is missing."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            gate_service.decide(
                session,
                principal,
                approval_id,
                data.get("decision") == "approve",
                str(data.get("reason", "")),
            )
    except (ConflictError, InvalidInputError) as exc:
        reason = str(data.get("reason", ""))[:4000]
        return _inbox(
            request,
            principal,
            exc.localized(request.state.lang),
            status=409,
            failed=(approval_id, reason),
        )
    return done("/approvals", "decided")


@router.post("/systems/{system_id}/stage-request", response_model=None)
async def request_stage(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Ask an executive to approve moving the system to a gated stage."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        stage = Stage(str(data.get("to_stage", "")))
        with transaction(request) as session:
            gate_service.request_stage_change(
                session, principal, system_id, stage, str(data.get("note", ""))
            )
    except ConflictError:
        return RedirectResponse(f"/systems/{system_id}?stage_request=waiting", status_code=303)
    except (InvalidInputError, ValueError):
        return RedirectResponse(f"/systems/{system_id}?stage_request=refused", status_code=303)
    return done("/approvals", "requested")
