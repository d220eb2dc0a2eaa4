"""``tekisei incidents timeline|told|action``: what happens after a report — moments of the
timeline, who was told (stakeholders, authorities, the affected people) and corrective
actions, which add a risk to an affected system's register or update one of its risks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    database,
    handle_errors,
    principal,
    settings,
)
from tekisei.cli.incidents import IdArg, VersionOpt, app, moment_of, say
from tekisei.core.incidents import CorrectiveAction, Notification, NotifiedParty, TimelineEntry
from tekisei.core.risks import Treatment
from tekisei.core.times import zone
from tekisei.services import incident_actions
from tekisei.services import incidents as incident_service
from tekisei.services.people import ActorNames

AtOpt = Annotated[
    str,
    typer.Option(
        "--at", help="ISO 8601 time (without an offset: the organisation's zone); default now."
    ),
]
Score = Annotated[int | None, typer.Option(min=1, max=5)]


def _when(text: str, time_zone: str | None) -> datetime | str:
    moment = moment_of(text, zone(time_zone, settings().time_zone))
    return datetime.now(UTC) if moment is None else moment


@app.command("timeline")
@handle_errors
def timeline(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    text: Annotated[str, typer.Option("--text", help="What happened at that moment.")],
    at: AtOpt = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a moment to an incident's timeline."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        entry = TimelineEntry.model_validate({"at": _when(at, actor.time_zone), "text": text})
        row = incident_service.add_timeline(session, actor, incident, entry, version)
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "updated")


@app.command("told")
@handle_errors
def told(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    party: Annotated[NotifiedParty, typer.Option("--party", help="Who was told.")],
    name: Annotated[str, typer.Option("--name", help="The authority, stakeholder or group.")],
    at: AtOpt = "",
    channel: Annotated[str, typer.Option("--channel", help="Letter, e-mail, phone …")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that someone was told about an incident (whom, when, how)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        data: dict[str, object] = {
            "party": party, "name": name, "at": _when(at, actor.time_zone), "channel": channel,
        }  # fmt: skip
        row = incident_service.add_notification(
            session, actor, incident, Notification.model_validate(data), version
        )
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "updated")


@app.command("action")
@handle_errors
def action(
    org: OrgOption,
    incident: IdArg,
    version: VersionOpt,
    text: Annotated[str, typer.Option("--text", help="The corrective action.")],
    system: Annotated[int, typer.Option("--system", help="The affected system it is for.")],
    new_risk: Annotated[
        str | None, typer.Option("--new-risk", help="Add a risk with this title …")
    ] = None,
    taxonomy: Annotated[
        list[str] | None, typer.Option("--taxonomy", help="… in this category (repeat).")
    ] = None,
    risk: Annotated[
        int | None, typer.Option("--risk", help="Or update this risk of the system.", min=1)
    ] = None,
    risk_version: Annotated[
        int | None, typer.Option("--risk-version", help="The risk's version you read.", min=1)
    ] = None,
    likelihood: Score = None,
    impact: Score = None,
    treatment: Annotated[Treatment | None, typer.Option("--treatment")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a corrective action: a new risk (--new-risk, --taxonomy, --likelihood,
    --impact) or an update of a risk (--risk, --risk-version, and what changes)."""
    data: dict[str, object] = {"text": text, "system_id": system}
    if new_risk is not None:
        data["new_risk"] = {
            "title": new_risk, "taxonomy": taxonomy or [], "likelihood": likelihood,
            "impact": impact,
        } | ({"treatment": treatment} if treatment else {})  # fmt: skip
    if risk is not None:
        update = {"risk_id": risk, "version": risk_version, "likelihood": likelihood,
                  "impact": impact, "treatment": treatment}  # fmt: skip
        data["update"] = {k: v for k, v in update.items() if v is not None}
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = incident_actions.add_action(
            session, actor, incident, CorrectiveAction.model_validate(data), version
        )
        view = incident_service.view(session, row, ActorNames(session, actor))
    say(view, as_json, "updated")
