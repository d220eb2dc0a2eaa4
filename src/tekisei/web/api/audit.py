"""JSON API of the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from tekisei.core.audit import AnchorStatus, AuditEvent, AuditExport
from tekisei.core.users import ApprovalFlag
from tekisei.services import audit as audit_service
from tekisei.services import users as user_service
from tekisei.web.api.common import Limit, Offset, Page, database, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/audit", tags=["audit"])


class Verification(BaseModel):
    """The result of checking the live chain (and its latest anchor, when
    TEKISEI_AUDIT_ANCHOR_FILE is set)."""

    ok: bool
    events: int
    problems: list[str]
    """Each failed check, naming the event, organisation or anchor (English)."""
    problems_ja: list[str]
    warnings: list[str]
    """What weakens the checks without being a break (no anchor file, no anchor yet)."""
    warnings_ja: list[str]
    signed_through: int
    """The highest event a valid signed checkpoint covers; later events are covered by
    the hash chain and by anchors taken after them."""
    key_id: str
    anchor: AnchorStatus | None
    """The latest anchor of the organisation and whether the chain still extends it."""


class AuditEventOut(AuditEvent):
    """An event, with separation-of-duties flags on acceptances and approvals."""

    flags: list[ApprovalFlag] = Field(
        default_factory=list,
        description="young_approver: the approver's account or membership was younger than "
        "TEKISEI_APPROVER_MIN_AGE_DAYS; approver_added_by_requester: whoever made the "
        "approver a member also created what was approved",
    )


@router.get("/events", response_model=Page[AuditEventOut])
def events(
    request: Request,
    principal: PrincipalDep,
    action: Annotated[str | None, Query(max_length=80)] = None,
    object_type: Annotated[str | None, Query(max_length=80)] = None,
    object_id: Annotated[str | None, Query(max_length=80)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AuditEventOut]:
    """Events of the organisation, newest first; acceptances and approvals carry flags."""
    with reading(request) as session:
        total, items = audit_service.list_events(
            session,
            principal,
            action=action,
            object_type=object_type,
            object_id=object_id,
            offset=offset,
            limit=limit,
        )
        flags = user_service.approval_flags_of(session, items)
    out = [AuditEventOut(**e.model_dump(), flags=flags.get(e.seq, [])) for e in items]
    return Page[AuditEventOut](total=total, offset=offset, limit=limit, items=out)


@router.get("/verify", response_model=Verification)
def verify(request: Request, principal: PrincipalDep) -> Verification:
    """Check the live hash chain and its signed checkpoints."""
    signer = database(request).signer
    assert signer is not None
    anchors = request.app.state.settings.audit_anchor_file
    with reading(request) as session:
        check = audit_service.check_live(session, principal, signer, anchors)
    return Verification(
        ok=check.ok,
        events=check.events,
        problems=check.messages("en"),
        problems_ja=check.messages("ja"),
        warnings=[w.en for w in check.warnings],
        warnings_ja=[w.ja for w in check.warnings],
        signed_through=check.signed_through,
        key_id=signer.key_id,
        anchor=check.anchor,
    )


@router.get("/export", response_model=AuditExport)
def export(request: Request, principal: PrincipalDep) -> AuditExport:
    """A self-contained export (auditors and admins), verifiable offline; 409 when the
    chain does not verify (a new checkpoint would vouch for it)."""
    signer = database(request).signer
    assert signer is not None
    anchors = request.app.state.settings.audit_anchor_file
    with transaction(request) as session:
        return audit_service.export_log(session, principal, signer, anchors)
