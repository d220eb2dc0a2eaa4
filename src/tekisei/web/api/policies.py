"""JSON API of the AI policies (2(1)): drafts from tekisei's templates, executive approval,
publication, withdrawal and the members' acknowledgements."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.policies import (
    MAX_ITEMS,
    MAX_REASON,
    Audience,
    ItemRef,
    PolicyKind,
    PolicyTerms,
    PolicyText,
)
from tekisei.services import policies as policy_service
from tekisei.services import policy_acknowledgements, policy_approvals, policy_views
from tekisei.services.policy_acknowledgements import Acknowledgements
from tekisei.services.policy_views import PolicySummary, PolicyView, VersionSummary, VersionView
from tekisei.web.api.common import IdPath, VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["policies"])

Number = Annotated[int, Path(ge=1, le=100_000, description="An approved version's number")]
NumberField = Annotated[int, Field(ge=1, le=100_000, description="An approved version's number")]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class PolicyCreate(BaseModel):
    """A new policy of a kind, started from tekisei's template (or blank)."""

    model_config = ConfigDict(extra="forbid")

    kind: PolicyKind
    template: bool = Field(default=True, description="Start from tekisei's template")


class PolicyEdit(BaseModel):
    """The draft as edited: the text per language (null or blank: not given in that
    language), the guideline items it addresses, its audience and effective date."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    ja: PolicyText | None = None
    en: PolicyText | None = None
    items: list[ItemRef] = Field(max_length=MAX_ITEMS)
    audience: Audience
    effective_on: date | None = None


class ApprovalRequest(BaseModel):
    """A request for an executive's approval of the draft the caller read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    note: Annotated[str, Field(max_length=MAX_REASON)] = ""


class ApprovalDecision(BaseModel):
    """An executive's decision on the draft they read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    approve: bool
    reason: Reason


class Publication(BaseModel):
    """Publish an approved version (the newest one)."""

    model_config = ConfigDict(extra="forbid")

    number: NumberField


class Withdrawal(BaseModel):
    """Withdraw the policy, saying why."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason


class Acknowledgement(BaseModel):
    """The caller read this version (the current one)."""

    model_config = ConfigDict(extra="forbid")

    number: NumberField


def _view(request: Request, principal: PrincipalDep, policy_id: int) -> PolicyView:
    with reading(request) as session:
        row = policy_service.get_policy(session, principal, policy_id)
        return policy_views.view(session, principal, row)


@router.get("/api/policies", response_model=list[PolicySummary])
def list_policies(
    request: Request, principal: PrincipalDep, awaiting_approval: bool = False
) -> list[PolicySummary]:
    """The organisation's policies; ``awaiting_approval`` keeps those waiting for an
    executive."""
    with reading(request) as session:
        return policy_views.list_policies(session, principal, awaiting_approval=awaiting_approval)


@router.post("/api/policies", response_model=PolicyView, status_code=201)
def create_policy(request: Request, principal: PrincipalDep, body: PolicyCreate) -> PolicyView:
    """Start a policy from tekisei's template of its kind (in Japanese and English)."""
    with transaction(request) as session:
        row = policy_service.create_policy(
            session, principal, body.kind, from_template=body.template
        )
        policy_id = row.id
    return _view(request, principal, policy_id)


@router.get("/api/policies/{policy_id}", response_model=PolicyView)
def get_policy(request: Request, principal: PrincipalDep, policy_id: IdPath) -> PolicyView:
    """A policy: its draft, the approval asked for, its versions and what is in force."""
    return _view(request, principal, policy_id)


@router.put("/api/policies/{policy_id}", response_model=PolicyView)
def save_policy(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: PolicyEdit
) -> PolicyView:
    """Save the edited draft (a stale ``version`` gets 409 and nothing is overwritten)."""
    with transaction(request) as session:
        policy_service.save_draft(
            session,
            principal,
            policy_id,
            {"ja": body.ja, "en": body.en},
            PolicyTerms(items=body.items, audience=body.audience, effective_on=body.effective_on),
            body.version,
        )
    return _view(request, principal, policy_id)


@router.post("/api/policies/{policy_id}/approval-request", response_model=PolicyView)
def request_approval(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: ApprovalRequest
) -> PolicyView:
    """Ask an executive to approve this draft."""
    with transaction(request) as session:
        policy_approvals.request_approval(session, principal, policy_id, body.version, body.note)
    return _view(request, principal, policy_id)


@router.post("/api/policies/{policy_id}/approval", response_model=PolicyView)
def decide_approval(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: ApprovalDecision
) -> PolicyView:
    """Approve the draft as the next version, or reject it (executives)."""
    with transaction(request) as session:
        policy_approvals.decide_approval(
            session,
            principal,
            policy_id,
            approve=body.approve,
            reason=body.reason,
            version=body.version,
        )
    return _view(request, principal, policy_id)


@router.post("/api/policies/{policy_id}/publish", response_model=PolicyView)
def publish_policy(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: Publication
) -> PolicyView:
    """Publish the newest approved version for its audience, in force from its
    effective date."""
    with transaction(request) as session:
        policy_service.publish_version(session, principal, policy_id, body.number)
    return _view(request, principal, policy_id)


@router.post("/api/policies/{policy_id}/withdraw", response_model=PolicyView)
def withdraw_policy(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: Withdrawal
) -> PolicyView:
    """Withdraw the policy; its page keeps when and why."""
    with transaction(request) as session:
        policy_service.withdraw_policy(session, principal, policy_id, body.reason)
    return _view(request, principal, policy_id)


@router.get("/api/policies/{policy_id}/versions", response_model=list[VersionSummary])
def list_versions(
    request: Request, principal: PrincipalDep, policy_id: IdPath
) -> list[VersionSummary]:
    """Every approved version, newest first."""
    return _view(request, principal, policy_id).versions


@router.get("/api/policies/{policy_id}/versions/{number}", response_model=VersionView)
def get_version(
    request: Request, principal: PrincipalDep, policy_id: IdPath, number: Number
) -> VersionView:
    """One approved version, exactly as approved."""
    with reading(request) as session:
        return policy_views.version_view(session, principal, policy_id, number)


@router.get("/api/policies/{policy_id}/acknowledgements", response_model=Acknowledgements)
def list_acknowledgements(
    request: Request, principal: PrincipalDep, policy_id: IdPath
) -> Acknowledgements:
    """Who has and has not acknowledged the current version."""
    with reading(request) as session:
        return policy_acknowledgements.acknowledgements(session, principal, policy_id)


@router.post(
    "/api/policies/{policy_id}/acknowledgements",
    response_model=Acknowledgements,
    status_code=201,
)
def acknowledge(
    request: Request, principal: PrincipalDep, policy_id: IdPath, body: Acknowledgement
) -> Acknowledgements:
    """Record that the caller read the current version."""
    with transaction(request) as session:
        policy_acknowledgements.acknowledge(session, principal, policy_id, body.number)
    with reading(request) as session:
        return policy_acknowledgements.acknowledgements(session, principal, policy_id)
