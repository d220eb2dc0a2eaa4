"""Pages of the ISO/IEC 42001 Statement of Applicability: the 38 controls (filtered by
state and applicability), a control's editor with its derivation, evidence and history,
the statement's history, executive approval, and each approved version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.assessments import AnswerState
from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.soa import ControlFields
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.render.soa import derivation_text
from tekisei.services import owners as owner_service
from tekisei.services import soa as soa_service
from tekisei.services import soa_approvals, soa_overview
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.soa import ControlPath, Number
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors, read_form
from tekisei.web.i18n import messages
from tekisei.web.templating import render

router = APIRouter(prefix="/soa", include_in_schema=False)
STATES = tuple(s.value for s in AnswerState)
StateFilter = Annotated[str, Query(pattern="^(|" + "|".join(STATES) + ")$")]
ApplicableFilter = Annotated[str, Query(pattern="^(|yes|no)$")]


def _say(request: Request, key: str) -> str:
    """A catalog message in the page's language."""
    return messages(request.state.lang).gettext(key)


def _version(data: dict[str, Any]) -> int:
    value = str(data.get("version", "0") or "0")
    return int(value) if value.isdigit() and len(value) < 10 else -1


def _index(
    request: Request,
    principal: Principal,
    *,
    state: str = "",
    applicable: str = "",
    errors: dict[str, str] | None = None,
    note: str = "",
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        view = soa_overview.soa_view(
            session,
            principal,
            state=AnswerState(state) if state else None,
            applicable={"yes": True, "no": False}.get(applicable),
        )
    return render(
        request,
        "soa/index.html",
        {
            "soa": view,
            "states": STATES,
            "state": state,
            "applicable": applicable,
            "errors": errors or {},
            "note": note,
            "can_approve": can(principal.role, Permission.APPROVE_DOCUMENTS),
            "can_write": can(principal.role, Permission.WRITE_ASSESSMENTS),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def index(
    request: Request,
    principal: PrincipalDep,
    state: StateFilter = "",
    applicable: ApplicableFilter = "",
) -> HTMLResponse:
    """The statement: every control with its applicability and state, filters, downloads
    and approval (JSON twin: /api/soa)."""
    return _index(request, principal, state=state, applicable=applicable)


def _control(
    request: Request,
    principal: Principal,
    control: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    writable = can(principal.role, Permission.WRITE_ASSESSMENTS)
    with reading(request) as session:
        view = soa_service.control_view(session, principal, control)
        owners = owner_service.owner_choices(session, principal) if writable else []
    line = view.control
    current = values or {
        "applicable": "yes" if line.applicable else "no",
        "justification": line.justification,
        "notes": line.notes,
        "owner_id": line.owner.user_id if line.owner else None,
        "owner_text": "",
    }
    return render(
        request,
        "soa/control.html",
        {
            "view": view,
            "line": line,
            "values": current,
            "owners": owners,
            "errors": errors or {},
            "can_write": writable,
        },
        status_code=status,
    )


@router.get("/controls/{control}", response_class=HTMLResponse)
def control_page(request: Request, principal: PrincipalDep, control: ControlPath) -> HTMLResponse:
    """One control: what is stated (an editor for the roles that answer assessments), its
    state and how it was derived, the evidence and its history (JSON twin:
    /api/soa/controls/{control})."""
    return _control(request, principal, control)


@router.post("/controls/{control}", response_model=None)
async def save_control(request: Request, principal: PrincipalDep, control: ControlPath) -> Response:
    """Save what the statement says about the control; invalid input and a stale version
    show the editor again with what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    values = {
        "applicable": str(data.get("applicable", "yes")),
        "justification": str(data.get("justification", "")),
        "notes": str(data.get("notes", "")),
        "owner_id": str(data.get("owner_id", "")).strip(),
        "owner_text": "",
    }
    owner = values["owner_id"]
    fields = {
        "applicable": values["applicable"] != "no",
        "justification": values["justification"],
        "notes": values["notes"],
        "owner_id": int(owner) if owner.isdigit() and len(owner) < 10 else None,
    }
    if owner and fields["owner_id"] is None:
        errors = {"owner_id": _say(request, "soa:owner-not-a-member")}
        return _control(request, principal, control, values=values, errors=errors, status=422)
    try:
        ControlFields.model_validate(fields)
    except ValidationError as exc:
        errors = field_errors(exc, request.state.lang)
        if "__all__" in errors or "applicable" in errors:
            errors["justification"] = _say(request, "soa:justification-needed")
        return _control(request, principal, control, values=values, errors=errors, status=422)
    try:
        with transaction(request) as session:
            soa_service.set_control(session, principal, control, fields, _version(data))
    except (ConflictError, InvalidInputError) as exc:
        field = exc.field if isinstance(exc, InvalidInputError) and exc.field else "__all__"
        status = 409 if isinstance(exc, ConflictError) else 422
        errors = {field: exc.localized(request.state.lang)}
        return _control(request, principal, control, values=values, errors=errors, status=status)
    return done(f"/soa/controls/{control}", "saved")


@router.post("/approve", response_model=None)
async def approve(request: Request, principal: PrincipalDep) -> Response:
    """An executive approves the statement version they read, with a note."""
    data = await read_form(request)
    check_csrf(request, data)
    note = str(data.get("note", ""))
    try:
        with transaction(request) as session:
            soa_approvals.approve(session, principal, _version(data), note)
    except (ConflictError, InvalidInputError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        errors = {"approval": exc.localized(request.state.lang)}
        return _index(request, principal, errors=errors, note=note, status=status)
    return done("/soa#approval", "decided")


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Every change of the statement, newest first (JSON twin: /api/soa/history)."""
    with reading(request) as session:
        changes = soa_service.history(session, principal)
    return render(request, "soa/history.html", {"changes": changes})


@router.get("/approvals/{number}", response_class=HTMLResponse)
def approval_page(request: Request, principal: PrincipalDep, number: Number) -> HTMLResponse:
    """One approved version, exactly as it was approved (JSON twin:
    /api/soa/approvals/{number})."""
    with reading(request) as session:
        found = soa_approvals.get_approval(session, principal, number)
    lang = request.state.lang
    return render(
        request,
        "soa/approval.html",
        {
            "approval": found,
            "statement": found.statement,
            "derivation": lambda c: derivation_text(c, lang),
        },
    )
