"""JSON API of the disclosure notices (2(2), fn 18): inside the workspace, and the public
twin of each published notice (no sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.notices import NoticeText
from tekisei.services import notice_approvals, notice_views, public_notices
from tekisei.services import notices as notice_service
from tekisei.services.notice_views import NoticeSummary, NoticeView, VersionSummary
from tekisei.services.notices import MAX_REASON
from tekisei.services.public_notices import PublicNotice, Withdrawal
from tekisei.web.api.common import IdPath, VersionField, database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.errors import ErrorOut

router = APIRouter(tags=["notices"])
public_router = APIRouter(tags=["public"])

PublicId = Annotated[
    str,
    Path(
        min_length=16,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]{16,32}$",
        description="The notice's public id (from its public address)",
    ),
]
Number = Annotated[int, Path(ge=1, le=100_000, description="A published version's number")]
Reason = Annotated[str, Field(max_length=MAX_REASON, description="Shown with the decision")]


class Regeneration(BaseModel):
    """Generate the draft again from the system's facts, over the current one."""

    model_config = ConfigDict(extra="forbid")

    regenerate: bool = False
    version: VersionField | None = None


class NoticeEdit(BaseModel):
    """The draft as edited, per language (null or all blank: not given in that language)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    ja: NoticeText | None = None
    en: NoticeText | None = None


class ApprovalRequest(BaseModel):
    """A request for an executive's approval of the draft the caller read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    note: Reason = ""


class ApprovalDecision(BaseModel):
    """An executive's decision on the draft they read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    approve: bool
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class Publication(BaseModel):
    """Publish the draft the caller read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


class Unpublication(BaseModel):
    """Take the notice down; the reason is shown at its public address."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class WithdrawalOut(ErrorOut):
    """A notice that was taken down: when, and why."""

    withdrawn_at: str
    reason: str


def _view(request: Request, principal: PrincipalDep, system_id: int) -> NoticeView:
    with reading(request) as session:
        row = notice_service.get_notice(session, principal, system_id)
        return notice_views.view(session, principal, row)


@router.get("/api/notices", response_model=list[NoticeSummary])
def list_notices(
    request: Request, principal: PrincipalDep, awaiting_approval: bool = False
) -> list[NoticeSummary]:
    """The notices of the systems the caller sees; ``awaiting_approval`` keeps those
    waiting for an executive."""
    with reading(request) as session:
        return notice_views.list_notices(session, principal, awaiting_approval=awaiting_approval)


@router.get("/api/systems/{system_id}/notice", response_model=NoticeView)
def get_notice(request: Request, principal: PrincipalDep, system_id: IdPath) -> NoticeView:
    """The system's notice: the draft, its approval, and its published versions."""
    return _view(request, principal, system_id)


@router.post("/api/systems/{system_id}/notice", response_model=NoticeView, status_code=201)
def draft_notice(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: Regeneration
) -> NoticeView:
    """Generate the draft from the system's facts, records and provenance register (with
    ``regenerate``, again over the current draft)."""
    with transaction(request) as session:
        notice_service.draft_notice(
            session, principal, system_id, regenerate=body.regenerate, version=body.version
        )
    return _view(request, principal, system_id)


@router.put("/api/systems/{system_id}/notice", response_model=NoticeView)
def save_notice(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: NoticeEdit
) -> NoticeView:
    """Save the edited draft (a stale ``version`` gets 409 and nothing is overwritten)."""
    with transaction(request) as session:
        notice_service.save_notice(
            session, principal, system_id, {"ja": body.ja, "en": body.en}, body.version
        )
    return _view(request, principal, system_id)


@router.post("/api/systems/{system_id}/notice/approval-request", response_model=NoticeView)
def request_approval(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: ApprovalRequest
) -> NoticeView:
    """Ask an executive to approve publishing this draft (high and critical tiers)."""
    with transaction(request) as session:
        notice_approvals.request_approval(session, principal, system_id, body.version, body.note)
    return _view(request, principal, system_id)


@router.post("/api/systems/{system_id}/notice/approval", response_model=NoticeView)
def decide_approval(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: ApprovalDecision
) -> NoticeView:
    """Approve or reject publishing the draft (executives)."""
    with transaction(request) as session:
        notice_approvals.decide_approval(
            session,
            principal,
            system_id,
            approve=body.approve,
            reason=body.reason,
            version=body.version,
        )
    return _view(request, principal, system_id)


@router.post("/api/systems/{system_id}/notice/publish", response_model=NoticeView)
def publish_notice(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: Publication
) -> NoticeView:
    """Publish the draft as the next version (kept unchanged from then on)."""
    db = database(request)
    assert db.files_dir is not None
    with transaction(request) as session:
        notice_service.publish_notice(
            session,
            principal,
            system_id,
            body.version,
            files_dir=db.files_dir,
            max_bytes=db.max_upload_bytes,
        )
    return _view(request, principal, system_id)


@router.post("/api/systems/{system_id}/notice/unpublish", response_model=NoticeView)
def unpublish_notice(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: Unpublication
) -> NoticeView:
    """Take the notice down; its address then says when and why."""
    with transaction(request) as session:
        notice_service.unpublish_notice(session, principal, system_id, body.reason)
    return _view(request, principal, system_id)


# ----------------------------------------------------------------------------- public


def _public(request: Request, public_id: str, number: int | None) -> PublicNotice | Response:
    with reading(request) as session:
        found = public_notices.read_notice(session, public_id, number)
    if isinstance(found, Withdrawal):
        return gone(found)
    return found


def gone(found: Withdrawal) -> JSONResponse:
    """The 410 a withdrawn notice answers with: when and why."""
    return JSONResponse(
        WithdrawalOut(
            detail="this notice was taken down by its organisation",
            detail_ja="このお知らせは、提供者により公開が取り下げられました。",
            withdrawn_at=found.withdrawn_at.isoformat(),
            reason=found.reason,
        ).model_dump(),
        status_code=410,
    )


@public_router.get(
    "/api/public/notices/{public_id}",
    response_model=PublicNotice,
    responses={410: {"model": WithdrawalOut, "description": "The notice was taken down"}},
)
def public_notice(request: Request, public_id: PublicId) -> PublicNotice | Response:
    """A published notice (latest version) with the list of its versions; no sign-in."""
    return _public(request, public_id, None)


@public_router.get(
    "/api/public/notices/{public_id}/versions",
    response_model=list[VersionSummary],
    responses={410: {"model": WithdrawalOut, "description": "The notice was taken down"}},
)
def public_versions(request: Request, public_id: PublicId) -> list[VersionSummary] | Response:
    """Every published version of a notice, newest first."""
    found = _public(request, public_id, None)
    return found.versions if isinstance(found, PublicNotice) else found


@public_router.get(
    "/api/public/notices/{public_id}/versions/{number}",
    response_model=PublicNotice,
    responses={410: {"model": WithdrawalOut, "description": "The notice was taken down"}},
)
def public_version(
    request: Request, public_id: PublicId, number: Number
) -> PublicNotice | Response:
    """One published version, exactly as it was published."""
    return _public(request, public_id, number)
