"""``tekisei incidents``: the incident register (fn 16, 1(3)④).

``report`` opens the PDCA review of each affected system at once (``--json`` prints the
review ids); ``export`` writes the register in the format public AI incident databases
take in (AIID, OECD AIM)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
    settings,
    table,
)
from tekisei.core.incidents import (
    Harm,
    IncidentReport,
    IncidentState,
    PublicChoice,
    Severity,
    Source,
)
from tekisei.core.times import zone
from tekisei.services import incident_drafts, incident_exports, public_incidents
from tekisei.services import incidents as incident_service
from tekisei.services.incidents import IncidentView, ReportedView
from tekisei.services.people import ActorNames

app = typer.Typer(help="Incidents (fn 16, 1(3)④).", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The incident's id.", min=1, max=2**31 - 1)]
VersionOpt = Annotated[int, typer.Option("--version", help="The version you read.", min=1)]


def say(view: IncidentView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(
        f"incident {view.id} {said}: {view.state.value}, {view.severity.value} "
        f"(version {view.version})",
        markup=False,
    )


def moment_of(text: str, where: ZoneInfo) -> datetime | str | None:
    """An ISO 8601 time; one without an offset is read in the organisation's zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment if moment.tzinfo else moment.replace(tzinfo=where)


@app.command("report")
@handle_errors
def report(
    systems: Annotated[list[int], typer.Argument(help="The affected systems' ids.", min=1)],
    org: OrgOption,
    title: Annotated[str, typer.Option("--title", help="What happened, in a line.")],
    severity: Annotated[Severity, typer.Option("--severity")] = Severity.MEDIUM,
    description: Annotated[str, typer.Option("--description")] = "",
    harm: Annotated[list[Harm] | None, typer.Option("--harm", help="Repeat for more.")] = None,
    occurred: Annotated[str, typer.Option("--occurred", help="ISO 8601 time.")] = "",
    detected: Annotated[str, typer.Option("--detected", help="ISO 8601 time.")] = "",
    from_inquiry: Annotated[
        int | None, typer.Option("--from-inquiry", help="The inquiry it comes from.", min=1)
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report an incident on systems; their PDCA reviews open at once."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        where = zone(actor.time_zone, settings().time_zone)
        data: dict[str, object] = {
            "title": title, "severity": severity, "description": description,
            "systems": systems, "harms": harm or [], "occurred_at": moment_of(occurred, where),
            "detected_at": moment_of(detected, where),
        }  # fmt: skip
        if from_inquiry is not None:
            draft = incident_drafts.from_inquiry(session, actor, from_inquiry, "en")
            data |= {"source": Source.INQUIRY, "source_ref": draft.source_ref}
            data["description"] = description or draft.description
            data["detected_at"] = data["detected_at"] or draft.detected_at
        sent = IncidentReport.model_validate(data)
        assert isinstance(sent, IncidentReport)
        done = incident_service.report_incident(session, actor, sent)
        shown = incident_service.view(session, done.row, ActorNames(session, actor))
        view = ReportedView(**shown.model_dump(), reviews=done.reviews)
    if as_json:
        print_json(view)
        return
    say(view, False, "reported")
    console.print(f"reviews opened: {', '.join(map(str, view.reviews))}", markup=False)


@app.command("list")
@handle_errors
def list_incidents(
    org: OrgOption,
    state: Annotated[IncidentState | None, typer.Option("--state")] = None,
    severity: Annotated[Severity | None, typer.Option("--severity")] = None,
    system: Annotated[int | None, typer.Option("--system", min=1)] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the register, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = incident_service.list_incidents(
            session, actor, state=state, severity=severity, system_id=system
        )
        views = [incident_service.view(session, r, actors) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "severity", "state", "systems", "title", "version"],
        [[v.id, v.severity.value, v.state.value, ", ".join(map(str, v.systems)), v.title,
          v.version] for v in views],
    )  # fmt: skip


@app.command("show")
@handle_errors
def show(
    org: OrgOption, incident: IdArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Show an incident."""
    with database().reading() as session:
        actor = principal(session, org, user)
        row = incident_service.get_incident(session, actor, incident)
        view = incident_service.view(session, row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    facts = view.model_dump(mode="json", exclude={"id"})
    table(["field", "value"], [[k, "" if v is None else str(v)] for k, v in facts.items()])


@app.command("update")
@handle_errors
def update(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    title: Annotated[str | None, typer.Option("--title")] = None,
    severity: Annotated[Severity | None, typer.Option("--severity")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    containment: Annotated[str | None, typer.Option("--containment")] = None,
    root_cause: Annotated[str | None, typer.Option("--root-cause")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an incident (only the options given)."""
    given = {
        "title": title, "severity": severity, "description": description,
        "containment": containment, "root_cause": root_cause,
    }  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = incident_service.update_incident(session, actor, incident, changes, version)
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "updated")


@app.command("close")
@handle_errors
def close(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    lessons: Annotated[str, typer.Option("--lessons", help="The lessons learned.")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close an incident with the lessons learned."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = incident_service.move(
            session, actor, incident, IncidentState.CLOSED, version, lessons
        )
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "closed")


@app.command("publish")
@handle_errors
def publish(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    title: Annotated[str, typer.Option("--title", help="The public title.")],
    summary: Annotated[str, typer.Option("--summary", help="The public summary.")],
    show: Annotated[
        list[str] | None,
        typer.Option("--show", help="Also show: containment, root_cause, actions, lessons."),
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the incident's public notice as its next version."""
    extra = {f"show_{name}": True for name in show or []}
    choice = PublicChoice.model_validate({"title": title, "summary": summary, **extra})
    assert isinstance(choice, PublicChoice)
    with database().transaction() as session:
        actor = principal(session, org, user)
        published = public_incidents.publish_incident(session, actor, incident, choice, version)
        row = incident_service.get_incident(session, actor, incident)
        url = public_incidents.public_path(row.public_id)
    if as_json:
        print_json({"incident": incident, "number": published.number, "url": url})
        return
    console.print(f"published version {published.number} at {url}", markup=False)


@app.command("unpublish")
@handle_errors
def unpublish(
    org: OrgOption,
    incident: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Shown at its public address.")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the incident's public notice down."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = public_incidents.unpublish_incident(session, actor, incident, reason)
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "taken down")


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    public: Annotated[bool, typer.Option("--public", help="Only published notices.")] = False,
    incident: Annotated[int | None, typer.Option("--incident", min=1)] = None,
    user: UserOption = None,
) -> None:
    """Print the register as JSON for public AI incident databases (AIID, OECD AIM)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        found = incident_exports.export(
            session, actor, public=public, incident_id=incident, public_url=settings().public_url
        )
    print_json(found)
