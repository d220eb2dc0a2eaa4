"""``tekisei stakeholders``: the stakeholder register and the engagement log (guideline
1(3)②)."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    given,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.core.stakeholders import (
    EngagementFields,
    EngagementKind,
    Relation,
    StakeholderFields,
    StakeholderKind,
)
from tekisei.services import stakeholders as stakeholder_service
from tekisei.services.people import ActorNames
from tekisei.services.stakeholders import StakeholderView

app = typer.Typer(help="Stakeholders and the engagement log (1(3)②).", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The stakeholder's id.", min=1, max=2**31 - 1)]
VersionOpt = Annotated[int, typer.Option("--version", help="The version you read.", min=1)]
SystemsOpt = Annotated[
    list[int] | None,
    typer.Option("--system", help="A system it concerns (repeatable; none: every system).", min=1),
]
KindOpt = Annotated[StakeholderKind | None, typer.Option("--kind", help="Who they are.")]
RelationOpt = Annotated[Relation | None, typer.Option("--relation", help="Direct or indirect.")]
TextOpt = Annotated[str | None, typer.Option()]


def _show(view: StakeholderView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(f"stakeholder {view.id} {said} (version {view.version})", markup=False)


@app.command("list")
@handle_errors
def list_stakeholders(
    org: OrgOption,
    system: Annotated[int | None, typer.Option("--system", help="Only those it concerns.")] = None,
    kind: KindOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="Archived ones too.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the register (by name)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = stakeholder_service.list_stakeholders(
            session, actor, system_id=system, kind=kind, archived=archived
        )
        views = [stakeholder_service.view(session, actor, r, actors) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "name", "kind", "relation", "systems", "archived", "version"],
        [
            [v.id, v.name, v.kind.value, v.relation.value,
             ", ".join(map(str, v.systems)) or "all", "yes" if v.archived_at else "", v.version]
            for v in views
        ],
    )  # fmt: skip


@app.command("add")
@handle_errors
def add(
    org: OrgOption,
    name: Annotated[str, typer.Option("--name", help="Who they are, by name.")],
    kind: KindOpt = None,
    relation: RelationOpt = None,
    interests: TextOpt = None,
    engagement: Annotated[str | None, typer.Option(help="How they are engaged.")] = None,
    contact: Annotated[str | None, typer.Option(help="How to reach them (personal data).")] = None,
    system: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a stakeholder (administrators and editors)."""
    fields = StakeholderFields.model_validate(
        given(name=name, kind=kind, relation=relation, interests=interests,
              engagement=engagement, contact=contact, systems=system)
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = stakeholder_service.add_stakeholder(session, actor, fields)
        view = stakeholder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "added")


@app.command("update")
@handle_errors
def update(
    org: OrgOption,
    stakeholder: IdArg,
    version: VersionOpt,
    name: TextOpt = None,
    kind: KindOpt = None,
    relation: RelationOpt = None,
    interests: TextOpt = None,
    engagement: TextOpt = None,
    contact: TextOpt = None,
    system: SystemsOpt = None,
    every_system: Annotated[
        bool, typer.Option("--every-system", help="Concern every system (drop the links).")
    ] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a stakeholder (only the options given)."""
    changes = given(name=name, kind=kind, relation=relation, interests=interests,
                    engagement=engagement, contact=contact, systems=system)  # fmt: skip
    if every_system:
        changes["systems"] = []
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = stakeholder_service.update_stakeholder(session, actor, stakeholder, changes, version)
        view = stakeholder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "saved")


@app.command("archive")
@handle_errors
def archive(
    org: OrgOption,
    stakeholder: IdArg,
    version: VersionOpt,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive a stakeholder (kept with its log, no longer engaged)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = stakeholder_service.archive_stakeholder(session, actor, stakeholder, version)
        view = stakeholder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "archived")


@app.command("engage")
@handle_errors
def engage(
    org: OrgOption,
    stakeholder: IdArg,
    summary: Annotated[str, typer.Option("--summary", help="What was said or heard.")],
    kind: Annotated[
        EngagementKind | None, typer.Option("--kind", help="How they were engaged.")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (today on the organisation's clock).")
    ] = None,
    outcome: Annotated[str | None, typer.Option(help="What was done with it.")] = None,
    system: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log an engagement with a stakeholder."""
    fields = EngagementFields.model_validate(
        given(summary=summary, kind=kind, outcome=outcome, systems=system,
              happened_on=day or None)
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = stakeholder_service.engage(session, actor, stakeholder, fields)
        view = stakeholder_service.engagement_view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(
        f"engagement {view.id} logged for stakeholder {view.stakeholder_id} on "
        f"{view.happened_on.isoformat()}",
        markup=False,
    )


@app.command("log")
@handle_errors
def log(
    org: OrgOption,
    stakeholder: IdArg,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a stakeholder's engagement log, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        views = [
            stakeholder_service.engagement_view(e, actors)
            for e in stakeholder_service.engagements(session, actor, stakeholder)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "date", "kind", "summary", "outcome", "systems"],
        [
            [v.id, v.happened_on.isoformat(), v.kind.value, v.summary, v.outcome,
             ", ".join(map(str, v.systems))]
            for v in views
        ],
    )  # fmt: skip
