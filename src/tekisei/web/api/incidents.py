"""JSON API of incidents (fn 16, 1(3)④): the register inside the workspace, its export
for public AI incident databases, and the public twin of each published incident notice
(no sign-in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.incidents import (
    CorrectiveAction,
    IncidentFields,
    IncidentReport,
    IncidentState,
    Notification,
    PublicChoice,
    Severity,
    Source,
    TimelineEntry,
)
from tekisei.errors import InvalidInputError
from tekisei.services import incident_actions, incident_drafts, incident_exports, public_incidents
from tekisei.services import incidents as incident_service
from tekisei.services.incident_drafts import IncidentDraft
from tekisei.services.incident_exports import IncidentExport
from tekisei.services.incidents import IncidentView, ReportedView
from tekisei.services.people import ActorNames
from tekisei.services.public_incidents import (
    MAX_REASON,
    IncidentWithdrawal,
    PublicIncident,
    VersionSummary,
)
from tekisei.web.api.common import (
    MAX_ID,
    IdPath,
    IdQuery,
    VersionField,
    changes_model,
    reading,
    transaction,
)
from tekisei.web.auth import PrincipalDep
from tekisei.web.errors import ErrorOut

router = APIRouter(tags=["incidents"])
public_router = APIRouter(tags=["public"])

PublicId = Annotated[
    str,
    Path(
        min_length=16,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]{16,32}$",
        description="The incident notice's public id (from its public address)",
    ),
]
Number = Annotated[int, Path(ge=1, le=100_000, description="A published version's number")]
if TYPE_CHECKING:
    IncidentChanges = BaseModel
else:
    IncidentChanges = changes_model("IncidentChanges", IncidentFields)


class Versioned(BaseModel):
    """``version``: the version of the incident you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


class TimelineBody(TimelineEntry):
    """A moment of the timeline, and the version you read."""

    version: VersionField


class NotificationBody(Notification):
    """Someone told about the incident, and the version you read."""

    version: VersionField


class ActionBody(CorrectiveAction):
    """A corrective action (a new risk, or an update of one), and the version you read."""

    version: VersionField


class Move(Versioned):
    """Move the incident; closing asks for the lessons learned."""

    state: IncidentState
    lessons: Annotated[str, Field(max_length=4000)] = ""


class PublishBody(PublicChoice):
    """What the public notice shows, and the version you read."""

    version: VersionField


class Unpublication(BaseModel):
    """Take the notice down; the reason is shown at its public address."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class WithdrawalOut(ErrorOut):
    """An incident notice that was taken down: when, and why."""

    withdrawn_at: str
    reason: str


def _one(request: Request, principal: PrincipalDep, incident_id: int) -> IncidentView:
    with reading(request) as session:
        row = incident_service.get_incident(session, principal, incident_id)
        return incident_service.view(session, row, ActorNames(session, principal))


@router.get("/api/incidents", response_model=list[IncidentView])
def list_incidents(
    request: Request,
    principal: PrincipalDep,
    state: IncidentState | None = None,
    severity: Severity | None = None,
    system: IdQuery = None,
    source: Source | None = None,
) -> list[IncidentView]:
    """The register, newest first (filters: state, severity, affected system, source)."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = incident_service.list_incidents(
            session, principal, state=state, severity=severity, system_id=system, source=source
        )
        return [incident_service.view(session, r, actors) for r in rows]


@router.post("/api/incidents", response_model=ReportedView, status_code=201)
def report(request: Request, principal: PrincipalDep, body: IncidentReport) -> ReportedView:
    """Report an incident; the PDCA review of each affected system opens at once
    (``reviews``: their ids)."""
    with transaction(request) as session:
        done = incident_service.report_incident(session, principal, body)
        shown = incident_service.view(session, done.row, ActorNames(session, principal))
        return ReportedView(**shown.model_dump(), reviews=done.reviews)


@router.get("/api/incidents/export.json", response_model=IncidentExport)
def export_all(request: Request, principal: PrincipalDep, public: bool = False) -> IncidentExport:
    """The register for public AI incident databases (AIID, OECD AIM); ``public``: only
    published notices, as published."""
    with reading(request) as session:
        return incident_exports.export(
            session, principal, public=public, public_url=request.app.state.settings.public_url
        )


@router.get("/api/incidents/draft", response_model=IncidentDraft)
def draft(
    request: Request,
    principal: PrincipalDep,
    inquiry: IdQuery = None,
    run: Annotated[int | None, Query(ge=1, le=MAX_ID, description="An evaluation run")] = None,
    check: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A provenance check")] = None,
    lang: Literal["ja", "en"] = "ja",
) -> IncidentDraft:
    """A report pre-filled from an inquiry, a failing evaluation run or a failing
    provenance check (one of them), to review and send with POST /api/incidents."""
    incident_service.reads_register(principal)
    with reading(request) as session:
        if inquiry is not None:
            return incident_drafts.from_inquiry(session, principal, inquiry, lang)
        if run is not None:
            return incident_drafts.from_run(session, principal, run, lang)
        if check is not None:
            return incident_drafts.from_check(session, principal, check, lang)
    raise InvalidInputError(
        "give the inquiry, run or check to draft the report from",
        ja="報告の下書きの元になる問い合わせ・評価実行・来歴の検証のいずれかを指定してください。",
    )


@router.get("/api/incidents/{incident_id}", response_model=IncidentView)
def get_incident(request: Request, principal: PrincipalDep, incident_id: IdPath) -> IncidentView:
    """One incident."""
    return _one(request, principal, incident_id)


@router.get("/api/incidents/{incident_id}/export.json", response_model=IncidentExport)
def export_one(
    request: Request, principal: PrincipalDep, incident_id: IdPath, public: bool = False
) -> IncidentExport:
    """One incident in the export format."""
    with reading(request) as session:
        return incident_exports.export(
            session, principal, public=public, incident_id=incident_id,
            public_url=request.app.state.settings.public_url,
        )  # fmt: skip


@router.patch("/api/incidents/{incident_id}", response_model=IncidentView)
def update(
    request: Request,
    principal: PrincipalDep,
    incident_id: IdPath,
    body: IncidentChanges,
) -> IncidentView:
    """Change the incident (only the fields given)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        incident_service.update_incident(session, principal, incident_id, data, version)
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/timeline", response_model=IncidentView)
def add_timeline(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: TimelineBody
) -> IncidentView:
    """Add a moment to the timeline."""
    entry = TimelineEntry.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        incident_service.add_timeline(session, principal, incident_id, entry, body.version)
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/actions", response_model=IncidentView)
def add_action(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: ActionBody
) -> IncidentView:
    """Add a corrective action: a new risk in an affected system's register, or an update
    of one of its risks."""
    action = CorrectiveAction.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        incident_actions.add_action(session, principal, incident_id, action, body.version)
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/notifications", response_model=IncidentView)
def add_notification(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: NotificationBody
) -> IncidentView:
    """Record whom the organisation told, when and how."""
    told = Notification.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        incident_service.add_notification(session, principal, incident_id, told, body.version)
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/state", response_model=IncidentView)
def move(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: Move
) -> IncidentView:
    """Move it: open, contained, closed (with the lessons learned)."""
    with transaction(request) as session:
        incident_service.move(
            session, principal, incident_id, body.state, body.version, body.lessons
        )
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/publish", response_model=IncidentView)
def publish(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: PublishBody
) -> IncidentView:
    """Publish its public notice as the next version, showing what is chosen."""
    choice = PublicChoice.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        public_incidents.publish_incident(session, principal, incident_id, choice, body.version)
    return _one(request, principal, incident_id)


@router.post("/api/incidents/{incident_id}/unpublish", response_model=IncidentView)
def unpublish(
    request: Request, principal: PrincipalDep, incident_id: IdPath, body: Unpublication
) -> IncidentView:
    """Take the notice down; its address then says when and why."""
    with transaction(request) as session:
        public_incidents.unpublish_incident(session, principal, incident_id, body.reason)
    return _one(request, principal, incident_id)


# ----------------------------------------------------------------------------- public


def _public(request: Request, public_id: str, number: int | None) -> PublicIncident | Response:
    with reading(request) as session:
        found = public_incidents.read_public(session, public_id, number)
    if isinstance(found, IncidentWithdrawal):
        return gone(found)
    return found


def gone(found: IncidentWithdrawal) -> JSONResponse:
    """The 410 a withdrawn incident notice answers with: when and why."""
    return JSONResponse(
        WithdrawalOut(
            detail="this incident notice was taken down by its organisation",
            detail_ja="このインシデントのお知らせは、提供者により公開が取り下げられました。",
            withdrawn_at=found.withdrawn_at.isoformat(),
            reason=found.reason,
        ).model_dump(),
        status_code=410,
    )


GONE: dict[int | str, dict[str, Any]] = {
    410: {"model": WithdrawalOut, "description": "The notice was taken down"}
}


@public_router.get(
    "/api/public/incidents/{incident_public_id}", response_model=PublicIncident, responses=GONE
)
def public_incident(request: Request, incident_public_id: PublicId) -> PublicIncident | Response:
    """A published incident notice (latest version) with the list of its versions."""
    return _public(request, incident_public_id, None)


@public_router.get(
    "/api/public/incidents/{incident_public_id}/versions",
    response_model=list[VersionSummary],
    responses=GONE,
)
def public_versions(
    request: Request, incident_public_id: PublicId
) -> list[VersionSummary] | Response:
    """Every published version, newest first."""
    found = _public(request, incident_public_id, None)
    return found.versions if isinstance(found, PublicIncident) else found


@public_router.get(
    "/api/public/incidents/{incident_public_id}/versions/{number}",
    response_model=PublicIncident,
    responses=GONE,
)
def public_version(
    request: Request, incident_public_id: PublicId, number: Number
) -> PublicIncident | Response:
    """One published version, exactly as it was published."""
    return _public(request, incident_public_id, number)
