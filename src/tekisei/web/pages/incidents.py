"""Pages of incidents (fn 16, 1(3)④): the register with filters, the report form (blank, or
pre-filled from an inquiry, a failing evaluation run or a failing provenance check), an
incident's page with its timeline, corrective actions, notifications, state and public
notice, and the public notice itself (``/public/incidents/{public_id}``, no sign-in)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.incidents import (
    RULES_JA,
    CorrectiveAction,
    Harm,
    IncidentFields,
    IncidentReport,
    IncidentState,
    Notification,
    NotifiedParty,
    PublicChoice,
    Severity,
    TimelineEntry,
)
from tekisei.core.orgs import Principal
from tekisei.core.risks import Treatment
from tekisei.core.times import zone
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import incident_actions, incident_drafts, public_incidents
from tekisei.services import incidents as incident_service
from tekisei.services import risks as risk_service
from tekisei.services import systems as system_service
from tekisei.services.incident_drafts import IncidentDraft
from tekisei.services.people import ActorNames
from tekisei.services.public_incidents import IncidentWithdrawal
from tekisei.web.api.common import IdPath, IdQuery, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/incidents", include_in_schema=False)
public_router = APIRouter(prefix="/public/incidents", include_in_schema=False)
Failure = ConflictError | InvalidInputError
PublicId = Annotated[str, Path(min_length=1, max_length=32)]
Number = Annotated[int, Path(ge=1, le=100_000)]
LISTS = ("systems", "harms")
MOMENTS = ("occurred_at", "detected_at", "at")
CHOICES = tuple(n for n in PublicChoice.model_fields if n.startswith("show_"))


async def _read(request: Request) -> dict[str, Any]:
    """The form's fields: lists keep every ticked box."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key in LISTS:
            data[key] = [v for v in values if v]
        else:
            data[key] = values[-1].strip() if values else ""
    check_csrf(request, data)
    return data


def _zone_name(request: Request, principal: Principal) -> str:
    return principal.time_zone or str(request.app.state.settings.time_zone)


def _moment(text: str, where: str) -> datetime | str | None:
    """A ``datetime-local`` value read in the organisation's zone (None when empty; the
    text itself when it is no time, for the model to refuse)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(where))


def _local(where: str) -> Any:
    """How a time is written into a ``datetime-local`` field, in the organisation's zone
    (text that is no time stays as typed)."""
    place = zone(where)

    def written(value: object) -> str:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return str(value)
        if not isinstance(value, datetime):
            return ""
        moment = value if value.tzinfo else value.replace(tzinfo=place)
        return moment.astimezone(place).strftime("%Y-%m-%dT%H:%M")

    return written


def _fields(data: dict[str, Any], where: str) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in IncidentReport.model_fields}
    for key in LISTS:
        values.setdefault(key, [])
    for key in MOMENTS:
        if key in values:
            values[key] = _moment(str(values[key]), where)
    if values.get("people_affected") == "":
        values["people_affected"] = None
    return values


def _problem(exc: ValidationError | Failure, lang: str, prefix: str = "") -> dict[str, str]:
    if isinstance(exc, ValidationError):
        errors = field_errors(exc, lang)
        if lang == "ja":
            errors = {k: RULES_JA.get(v, v) for k, v in errors.items()}
    else:
        field = exc.field if isinstance(exc, InvalidInputError) else None
        errors = {field or "__all__": exc.localized(lang)}
    return {f"{prefix}{k}": v for k, v in errors.items()}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _systems(request: Request, principal: Principal) -> dict[int, str]:
    with reading(request) as session:
        return {s.id: s.name for s in system_service.list_systems(session, principal, limit=200)[1]}


def _common(request: Request, principal: Principal) -> dict[str, Any]:
    return {
        "systems": _systems(request, principal),
        "severities": [s.value for s in Severity],
        "states": [s.value for s in IncidentState],
        "harm_codes": [h.value for h in Harm],
        "parties": [p.value for p in NotifiedParty],
        "treatments": [t.value for t in Treatment],
        "choices": CHOICES,
        "writes": incident_service.writes(principal),
        "publishes": incident_service.publishes(principal),
    }


@router.get("", response_class=HTMLResponse)
def register(
    request: Request,
    principal: PrincipalDep,
    state: Annotated[IncidentState | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    system: IdQuery = None,
) -> HTMLResponse:
    """The register (JSON twin: /api/incidents)."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = incident_service.list_incidents(
            session, principal, state=state, severity=severity, system_id=system
        )
        listed = [incident_service.view(session, r, actors) for r in rows]
    return render(
        request,
        "incidents/index.html",
        _common(request, principal)
        | {
            "incidents": listed,
            "state": state.value if state else "",
            "severity": severity.value if severity else "",
            "system_id": system,
        },
    )


def _form(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "incidents/new.html",
        _common(request, principal)
        | {
            "values": values,
            "errors": errors or {},
            "local": _local(_zone_name(request, principal)),
        },
        status_code=status,
    )


@router.get("/new", response_class=HTMLResponse)
def new(
    request: Request,
    principal: PrincipalDep,
    inquiry: IdQuery = None,
    run: IdQuery = None,
    check: IdQuery = None,
    system: IdQuery = None,
) -> HTMLResponse:
    """The report form, pre-filled from an inquiry, a failing run or a failing provenance
    check when one is named (JSON twin: GET /api/incidents/draft, POST /api/incidents)."""
    lang = request.state.lang
    with reading(request) as session:
        incident_service.reads_register(principal)
        if inquiry is not None:
            draft = incident_drafts.from_inquiry(session, principal, inquiry, lang)
        elif run is not None:
            draft = incident_drafts.from_run(session, principal, run, lang)
        elif check is not None:
            draft = incident_drafts.from_check(session, principal, check, lang)
        else:
            draft = IncidentDraft(title="", systems=[system] if system else [])
    return _form(request, principal, draft.model_dump(mode="json"))


@router.post("/new", response_model=None)
async def report(request: Request, principal: PrincipalDep) -> Response:
    """Report the incident; the reviews of the affected systems open at once."""
    data = await _read(request)
    values = _fields(data, _zone_name(request, principal))
    try:
        sent = IncidentReport.model_validate(values)
        with transaction(request) as session:
            reported = incident_service.report_incident(session, principal, sent)
            incident_id = reported.row.id
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        shown = {k: data.get(k, v) for k, v in values.items()} | {k: values[k] for k in LISTS}
        return _form(
            request, principal, shown, errors=_problem(exc, request.state.lang),
            status=_status(exc),
        )  # fmt: skip
    return done(f"/incidents/{incident_id}")


def _detail(
    request: Request,
    principal: Principal,
    incident_id: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        row = incident_service.get_incident(session, principal, incident_id)
        shown = incident_service.view(session, row, ActorNames(session, principal))
        choice = PublicChoice.model_validate(row.public_choice) if row.public_choice else None
        status_word = public_incidents.status_of(row)
        risks = [
            r
            for system_id in shown.systems
            for r in risk_service.list_risks(session, principal, system_id=system_id, limit=200)[1]
        ]
    return render(
        request,
        "incidents/detail.html",
        _common(request, principal)
        | {
            "incident": shown,
            "choice": choice,
            "public_status": status_word,
            "risks": risks,
            "public_url": public_incidents.public_path(shown.public_id),
            "local": _local(_zone_name(request, principal)),
            "closed": shown.state is IncidentState.CLOSED,
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/{incident_id}", response_class=HTMLResponse)
def detail(request: Request, principal: PrincipalDep, incident_id: IdPath) -> HTMLResponse:
    """An incident and its forms (JSON twin: /api/incidents/{id})."""
    return _detail(request, principal, incident_id)


def _version(data: dict[str, Any]) -> int:
    text = str(data.pop("version", ""))
    return int(text) if text.isdigit() and len(text) < 10 else -1


def _action(data: dict[str, Any]) -> CorrectiveAction:
    body: dict[str, Any] = {"text": data.get("text", ""), "system_id": data.get("system_id")}
    risk_id, _, risk_version = str(data.get("risk", "")).partition(":")
    if risk_id:
        body["update"] = {
            "risk_id": risk_id, "version": risk_version or 0,
            **{k: data[k] for k in ("likelihood", "impact", "treatment") if data.get(k)},
        }  # fmt: skip
    else:
        body["new_risk"] = {
            "title": data.get("risk_title", ""), "taxonomy": [data.get("taxonomy", "")],
            "likelihood": data.get("likelihood") or 0, "impact": data.get("impact") or 0,
            "treatment": data.get("treatment") or Treatment.MITIGATE.value,
        }  # fmt: skip
    return CorrectiveAction.model_validate(body)


async def _act(request: Request, principal: Principal, incident_id: int, action: str) -> Response:
    data = await _read(request)
    version = _version(data)
    where = _zone_name(request, principal)
    try:
        with transaction(request) as session:
            if action == "edit":
                edited = {
                    k: v
                    for k, v in _fields(data, where).items()
                    if k in IncidentFields.model_fields
                }
                changes = IncidentFields.model_validate(edited).model_dump()
                incident_service.update_incident(session, principal, incident_id, changes, version)
            elif action == "timeline":
                entry = TimelineEntry.model_validate(
                    {"at": _moment(str(data.get("at", "")), where), "text": data.get("text", "")}
                )
                incident_service.add_timeline(session, principal, incident_id, entry, version)
            elif action == "actions":
                incident_actions.add_action(session, principal, incident_id, _action(data), version)
            elif action == "notifications":
                told = Notification.model_validate(
                    {k: data.get(k, "") for k in ("party", "name", "channel")}
                    | {"at": _moment(str(data.get("at", "")), where)}
                )
                incident_service.add_notification(session, principal, incident_id, told, version)
            elif action == "state":
                to = IncidentState(str(data.get("state"))) if data.get("state") in {
                    s.value for s in IncidentState} else IncidentState.OPEN  # fmt: skip
                incident_service.move(
                    session, principal, incident_id, to, version, str(data.get("lessons", ""))
                )
            elif action == "publish":
                choice = PublicChoice.model_validate(
                    {"title": data.get("title", ""), "summary": data.get("summary", "")}
                    | {name: name in data for name in CHOICES}
                )
                public_incidents.publish_incident(session, principal, incident_id, choice, version)
            else:
                public_incidents.unpublish_incident(
                    session, principal, incident_id, str(data.get("reason", ""))[:4000]
                )
    except (ValidationError, ConflictError, InvalidInputError) as exc:
        problem = _problem(exc, request.state.lang, f"{action}-")
        return _detail(request, principal, incident_id, errors=problem, status=_status(exc))
    return done(f"/incidents/{incident_id}")


def _action_route(action: str, path: str, doc: str) -> None:
    async def handler(request: Request, principal: PrincipalDep, incident_id: IdPath) -> Response:
        return await _act(request, principal, incident_id, action)

    handler.__doc__ = doc
    handler.__name__ = f"incident_{action}"
    router.add_api_route(path, handler, methods=["POST"], response_model=None)


for _action_name, _path, _doc in (
    ("edit", "/{incident_id}", "Change the incident."),
    ("timeline", "/{incident_id}/timeline", "Add a moment to the timeline."),
    ("actions", "/{incident_id}/actions", "Add a corrective action (a risk, new or updated)."),
    ("notifications", "/{incident_id}/notifications", "Record whom the organisation told."),
    ("state", "/{incident_id}/state", "Move it (closing asks for the lessons learned)."),
    ("publish", "/{incident_id}/publish", "Publish its public notice as the next version."),
    ("unpublish", "/{incident_id}/unpublish", "Take its public notice down."),
):
    _action_route(_action_name, _path, _doc)


# ----------------------------------------------------------------------------- public


def _public(request: Request, public_id: str, number: int | None) -> HTMLResponse:
    with reading(request) as session:
        found = public_incidents.read_public(session, public_id, number)
    if isinstance(found, IncidentWithdrawal):
        return render(
            request, "incidents/gone.html", {"gone": found}, status_code=410,
            time_zone=found.time_zone,
        )  # fmt: skip
    base = public_incidents.public_path(found.public_id)
    here = base if number is None else f"{base}/versions/{number}"
    return render(
        request,
        "incidents/public.html",
        {
            "notice": found,
            "org_slug": found.org_slug,
            "base": base,
            "page_url": here,
            "json_url": f"/api/public/incidents/{found.public_id}"
            + ("" if number is None else f"/versions/{number}"),
        },
        time_zone=found.time_zone,
    )


@public_router.get("/{incident_public_id}", response_class=HTMLResponse)
def public_page(request: Request, incident_public_id: PublicId) -> HTMLResponse:
    """A published incident notice, its latest version; no sign-in (JSON twin:
    /api/public/incidents/{public_id})."""
    return _public(request, incident_public_id, None)


@public_router.get("/{incident_public_id}/versions/{number}", response_class=HTMLResponse)
def public_version_page(
    request: Request, incident_public_id: PublicId, number: Number
) -> HTMLResponse:
    """One published version, as it was published."""
    return _public(request, incident_public_id, number)
