"""The Statement of Applicability at a glance: its controls (all, or those a filter keeps),
how many are in each state, and where its approval stands."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerState
from tekisei.core.orgs import Principal
from tekisei.core.soa import ControlLine, tally
from tekisei.services import soa, soa_approvals, soa_views
from tekisei.services.soa_approvals import ApprovalSummary


class SoaView(BaseModel):
    """The statement as it stands, with its approvals."""

    org_name: str
    version: int = Field(description="The statement's version (0: nothing stated yet)")
    generated_at: datetime
    systems: int = Field(description="The AI systems whose assessments it draws on")
    total: int = Field(description="How many controls the statement has (38)")
    counts: dict[str, int] = Field(
        description="Controls per state, and how many apply (over all 38, whatever the filter)"
    )
    controls: list[ControlLine]
    approvals: list[ApprovalSummary] = Field(description="Approved versions, newest first")
    approved_as_it_stands: bool = Field(
        description="The latest approval vouches for what the statement says now and for the "
        "states the assessments give now"
    )


def soa_view(
    session: Session,
    principal: Principal,
    *,
    state: AnswerState | None = None,
    applicable: bool | None = None,
) -> SoaView:
    """The statement with its controls filtered by ``state`` and ``applicable``.

    Raises:
        PermissionDeniedError: an external tester.
    """
    soa.readable(principal)
    live = soa_views.statement(session, principal)
    latest = soa_approvals.latest_approval(session, principal)
    return SoaView(
        org_name=live.org_name,
        version=live.version,
        generated_at=live.generated_at,
        systems=live.systems,
        total=len(live.controls),
        counts=tally(live.controls),
        controls=[c for c in live.controls if soa.matches(c, state, applicable)],
        approvals=soa_approvals.list_approvals(session, principal),
        approved_as_it_stands=soa_approvals.approval_is_current(latest, live),
    )
