"""JSON API of the ISO/IEC 42001 Statement of Applicability (guideline 2(1), fn 16): read
it, change a control, approve it (executives), its history and approved versions, and the
XLSX or PDF to hand out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.assessments import AnswerState
from tekisei.core.orgs import UserId
from tekisei.core.soa import CONTROL_PATTERN, MAX_TEXT
from tekisei.services import soa as soa_service
from tekisei.services import soa_approvals, soa_exports, soa_overview
from tekisei.services.soa import ChangeOut, ControlView
from tekisei.services.soa_approvals import MAX_NOTE, ApprovalSummary, ApprovalView
from tekisei.services.soa_overview import SoaView
from tekisei.web.api.common import MAX_ID, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment

router = APIRouter(tags=["soa"])

ControlPath = Annotated[
    str,
    Path(
        min_length=5,
        max_length=10,
        pattern=CONTROL_PATTERN,
        description="An Annex A control, e.g. A.6.2.4",
    ),
]
Number = Annotated[int, Path(ge=1, le=100_000, description="An approved version's number")]
SoaVersion = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_ID,
        description="The version you read (0 for a control nothing was stated about yet; a "
        "stale one gets 409)",
    ),
]
Text = Annotated[str, Field(max_length=MAX_TEXT)]


class ControlChanges(BaseModel):
    """What to change about one control; fields left out stay as they are. ``version`` is
    the control's version you read."""

    model_config = ConfigDict(extra="forbid")

    version: SoaVersion
    applicable: bool | None = Field(default=None, description="Whether the control applies")
    justification: Text | None = Field(
        default=None, description="Why it applies or not (required when it does not)"
    )
    notes: Text | None = Field(default=None, description="How it is implemented, plans")
    owner_id: UserId | None = Field(
        default=None,
        description="The owning member's user id (GET /api/orgs/current/members); null "
        "clears the owner",
    )


class Approval(BaseModel):
    """An executive's approval of the statement version they read."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=MAX_ID, description="The statement's version read")]
    note: Annotated[str, Field(max_length=MAX_NOTE, description="Kept with the approval")] = ""


def _changes(body: ControlChanges) -> dict[str, Any]:
    given = body.model_fields_set - {"version"}
    values = body.model_dump(include=given)
    # null means "no change" for the flags and texts; for the owner it clears it
    return {k: v for k, v in values.items() if v is not None or k == "owner_id"}


@router.get("/api/soa", response_model=SoaView)
def get_soa(
    request: Request,
    principal: PrincipalDep,
    state: Annotated[AnswerState | None, Query(description="Only controls in this state")] = None,
    applicable: Annotated[bool | None, Query(description="Only (not) applicable ones")] = None,
) -> SoaView:
    """The statement: the 38 controls (or those the filters keep), counts by state, where
    its approval stands and every approved version."""
    with reading(request) as session:
        return soa_overview.soa_view(session, principal, state=state, applicable=applicable)


@router.get("/api/soa/controls/{control}", response_model=ControlView)
def get_control(request: Request, principal: PrincipalDep, control: ControlPath) -> ControlView:
    """One control: what is stated, its state and how it was derived, the evidence, and
    every change made to it."""
    with reading(request) as session:
        return soa_service.control_view(session, principal, control)


@router.patch("/api/soa/controls/{control}", response_model=ControlView)
def set_control(
    request: Request, principal: PrincipalDep, control: ControlPath, body: ControlChanges
) -> ControlView:
    """Change what the statement says about one control (a stale ``version`` gets 409 and
    nothing is overwritten); each change makes the statement's next version."""
    with transaction(request) as session:
        soa_service.set_control(session, principal, control, _changes(body), body.version)
    with reading(request) as session:
        return soa_service.control_view(session, principal, control)


@router.get("/api/soa/history", response_model=list[ChangeOut])
def history(
    request: Request,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many")] = 200,
) -> list[ChangeOut]:
    """The statement's changes, newest first: each is one version of the statement."""
    with reading(request) as session:
        return soa_service.history(session, principal, limit=limit)


@router.post("/api/soa/approvals", response_model=ApprovalView, status_code=201)
def approve(request: Request, principal: PrincipalDep, body: Approval) -> ApprovalView:
    """Approve the statement version you read (executives); it is kept as approved and
    becomes evidence for 2(1) and fn 16 in the systems' open guideline assessments."""
    with transaction(request) as session:
        row = soa_approvals.approve(session, principal, body.version, body.note)
        number = row.number
    with reading(request) as session:
        return soa_approvals.get_approval(session, principal, number)


@router.get("/api/soa/approvals", response_model=list[ApprovalSummary])
def approvals(request: Request, principal: PrincipalDep) -> list[ApprovalSummary]:
    """Every approved version, newest first."""
    with reading(request) as session:
        return soa_approvals.list_approvals(session, principal)


@router.get("/api/soa/approvals/{number}", response_model=ApprovalView)
def approval(request: Request, principal: PrincipalDep, number: Number) -> ApprovalView:
    """One approved version, exactly as it was approved."""
    with reading(request) as session:
        return soa_approvals.get_approval(session, principal, number)


@router.get("/api/soa/export", response_class=Response)
def export(
    request: Request,
    principal: PrincipalDep,
    format: Annotated[str, Query(pattern="^(xlsx|pdf)$")] = "xlsx",
    lang: Annotated[str | None, Query(pattern="^(ja|en)$")] = None,
    approval: Annotated[
        int | None, Query(ge=1, le=100_000, description="An approved version instead")
    ] = None,
) -> Response:
    """The statement as XLSX (one row per control) or PDF, in ``lang`` (the page's by
    default): as it stands, or an approved version as it was approved."""
    chosen = lang or request.state.lang
    with reading(request) as session:
        found = soa_exports.soa_report(
            session, principal, format, "ja" if chosen == "ja" else "en", approval
        )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )
