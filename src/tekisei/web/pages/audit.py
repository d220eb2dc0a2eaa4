"""The audit log viewer, with the state of the hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tekisei.services import audit as audit_service
from tekisei.services import users as user_service
from tekisei.web.api.common import database, reading
from tekisei.web.auth import PrincipalDep
from tekisei.web.templating import render

router = APIRouter(prefix="/audit", include_in_schema=False)
PAGE = 50


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: PrincipalDep,
    action: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Events newest first and whether the chain verifies
    (JSON twins: /api/audit/events, /api/audit/verify)."""
    signer = database(request).signer
    assert signer is not None
    lang = getattr(request.state, "lang", "ja")
    with reading(request) as session:
        check = audit_service.check_live(
            session, principal, signer, request.app.state.settings.audit_anchor_file
        )
    with reading(request) as session:
        total, events = audit_service.list_events(
            session, principal, action=action or None, offset=(page - 1) * PAGE, limit=PAGE
        )
        flags = user_service.approval_flags_of(session, events)
    return render(
        request,
        "audit/index.html",
        {
            "events": events,
            "flags": flags,
            "total": total,
            "action": action,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
            "ok": check.ok,
            "checked": check.events,
            "problems": check.messages(lang),
            "warnings": [w.localized(lang) for w in check.warnings],
            "signed_through": check.signed_through,
            "anchor": check.anchor,
            "key_id": signer.key_id,
        },
    )
