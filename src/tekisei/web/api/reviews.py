"""JSON API of reviews (PDCA)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.reviews import Trigger
from tekisei.services import reviews as review_service
from tekisei.services.people import ActorNames
from tekisei.services.reviews import DueOut, MaturityPoint, ReviewOut
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["reviews"])


class ReviewOpen(BaseModel):
    """Why a review is opened."""

    model_config = ConfigDict(extra="forbid")

    trigger: Trigger = Trigger.MANUAL
    reason: Annotated[str, Field(max_length=4000)] = ""


class PhaseRecord(BaseModel):
    """The record of one PDCA phase."""

    model_config = ConfigDict(extra="forbid")

    phase: str = Field(pattern="^(plan|do|check|act)$")
    text: Annotated[str, Field(max_length=20_000)]


class Completion(BaseModel):
    """The maturity reached (1-5)."""

    model_config = ConfigDict(extra="forbid")

    maturity: int = Field(ge=1, le=5)


@router.get("/api/systems/{system_id}/reviews", response_model=list[ReviewOut])
def list_reviews(request: Request, principal: PrincipalDep, system_id: IdPath) -> list[ReviewOut]:
    """A system's reviews, newest first."""
    with reading(request) as session:
        return [
            review_service.view(r, ActorNames(session, principal))
            for r in review_service.list_reviews(session, principal, system_id)
        ]


@router.post("/api/systems/{system_id}/reviews", response_model=ReviewOut, status_code=201)
def open_review(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: ReviewOpen
) -> ReviewOut:
    """Open a review (an open one is returned with the reason added)."""
    with transaction(request) as session:
        row = review_service.open_review(session, principal, system_id, body.trigger, body.reason)
        return review_service.view(row, ActorNames(session, principal))


@router.post("/api/reviews/{review_id}/records", response_model=ReviewOut)
def record(
    request: Request, principal: PrincipalDep, review_id: IdPath, body: PhaseRecord
) -> ReviewOut:
    """Write the plan, do, check or act record."""
    with transaction(request) as session:
        return review_service.view(
            review_service.record_phase(session, principal, review_id, body.phase, body.text),
            ActorNames(session, principal),
        )


@router.post("/api/reviews/{review_id}/complete", response_model=ReviewOut)
def complete(
    request: Request, principal: PrincipalDep, review_id: IdPath, body: Completion
) -> ReviewOut:
    """Complete the review once all four records are written."""
    with transaction(request) as session:
        return review_service.view(
            review_service.complete_review(session, principal, review_id, body.maturity),
            ActorNames(session, principal),
        )


@router.get("/api/reviews/due", response_model=list[DueOut])
def due(request: Request, principal: PrincipalDep) -> list[DueOut]:
    """Every system's next review, overdue first."""
    with reading(request) as session:
        return review_service.due_list(session, principal)


@router.get("/api/reviews/maturity", response_model=list[MaturityPoint])
def maturity(request: Request, principal: PrincipalDep) -> list[MaturityPoint]:
    """Average maturity of completed reviews per month."""
    with reading(request) as session:
        return review_service.maturity_trend(session, principal)
