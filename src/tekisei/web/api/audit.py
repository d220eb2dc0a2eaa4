"""JSON API of the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from tekisei.core.audit import AuditEvent, AuditExport
from tekisei.services import audit as audit_service
from tekisei.web.api.common import Limit, Offset, Page, database, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/audit", tags=["audit"])


class Verification(BaseModel):
    """The result of checking the live chain."""

    ok: bool
    events: int
    problems: list[str]
    key_id: str


@router.get("/events", response_model=Page[AuditEvent])
def events(
    request: Request,
    principal: PrincipalDep,
    action: Annotated[str | None, Query(max_length=80)] = None,
    object_type: Annotated[str | None, Query(max_length=80)] = None,
    object_id: Annotated[str | None, Query(max_length=80)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AuditEvent]:
    """Events of the organisation, newest first."""
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
    return Page[AuditEvent](total=total, offset=offset, limit=limit, items=items)


@router.get("/verify", response_model=Verification)
def verify(request: Request, principal: PrincipalDep) -> Verification:
    """Check the live hash chain and its signed checkpoints."""
    signer = database(request).signer
    assert signer is not None
    with reading(request) as session:
        ok, checked, problems = audit_service.verify_live(session, principal, signer)
    return Verification(ok=ok, events=checked, problems=problems, key_id=signer.key_id)


@router.get("/export", response_model=AuditExport)
def export(request: Request, principal: PrincipalDep) -> AuditExport:
    """A self-contained export (auditors and admins), verifiable offline."""
    signer = database(request).signer
    assert signer is not None
    with transaction(request) as session:
        return audit_service.export_log(session, principal, signer)
