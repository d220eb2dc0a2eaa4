"""``tekisei data-holders``: the data-holder register, the communication log and the
benefit-return arrangements (guideline 2(5))."""

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
from tekisei.core.data_holders import (
    BenefitFields,
    BenefitKind,
    BenefitStatus,
    Channel,
    CommunicationFields,
    DataHolderFields,
    HolderKind,
    Right,
)
from tekisei.services import data_holder_logs
from tekisei.services import data_holders as holder_service
from tekisei.services.data_holder_logs import BenefitView
from tekisei.services.data_holders import DataHolderView
from tekisei.services.people import ActorNames

app = typer.Typer(
    help="Data holders, communication with them and benefits returned (2(5)).",
    no_args_is_help=True,
)
benefits_app = typer.Typer(help="Benefit-return arrangements of a data holder.")
app.add_typer(benefits_app, name="benefits", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The data holder's id.", min=1, max=2**31 - 1)]
VersionOpt = Annotated[int, typer.Option("--version", help="The version you read.", min=1)]
DatasetsOpt = Annotated[
    list[int] | None,
    typer.Option("--dataset", help="A dataset record holding their data (repeatable).", min=1),
]
RightsOpt = Annotated[
    list[Right] | None, typer.Option("--right", help="A right or interest (repeatable).")
]
KindOpt = Annotated[HolderKind | None, typer.Option("--kind", help="Who they are.")]
TextOpt = Annotated[str | None, typer.Option()]
DayOpt = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD.")]


def _show(view: DataHolderView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(f"data holder {view.id} {said} (version {view.version})", markup=False)


@app.command("list")
@handle_errors
def list_holders(
    org: OrgOption,
    dataset: Annotated[
        int | None, typer.Option("--dataset", help="Only those linked to this dataset record.")
    ] = None,
    kind: KindOpt = None,
    right: Annotated[Right | None, typer.Option("--right", help="Only those with it.")] = None,
    archived: Annotated[bool, typer.Option("--archived", help="Archived ones too.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the register (by name)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = holder_service.list_holders(
            session, actor, dataset_id=dataset, kind=kind, right=right, archived=archived
        )
        views = [holder_service.view(session, actor, r, actors) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "name", "kind", "rights", "datasets", "archived", "version"],
        [
            [v.id, v.name, v.kind.value, ", ".join(r.value for r in v.rights),
             ", ".join(str(d.id) for d in v.datasets), "yes" if v.archived_at else "", v.version]
            for v in views
        ],
    )  # fmt: skip


@app.command("add")
@handle_errors
def add(
    org: OrgOption,
    name: Annotated[str, typer.Option("--name", help="Who they are, by name.")],
    kind: KindOpt = None,
    data: Annotated[str | None, typer.Option(help="What data they hold or provided.")] = None,
    right: RightsOpt = None,
    interests: TextOpt = None,
    contact: Annotated[str | None, typer.Option(help="How to reach them (personal data).")] = None,
    dataset: DatasetsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a data holder (administrators and editors)."""
    fields = DataHolderFields.model_validate(
        given(name=name, kind=kind, data=data, rights=right, interests=interests,
              contact=contact, datasets=dataset)
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = holder_service.add_holder(session, actor, fields)
        view = holder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "added")


@app.command("update")
@handle_errors
def update(
    org: OrgOption,
    holder: IdArg,
    version: VersionOpt,
    name: TextOpt = None,
    kind: KindOpt = None,
    data: TextOpt = None,
    right: RightsOpt = None,
    interests: TextOpt = None,
    contact: TextOpt = None,
    dataset: DatasetsOpt = None,
    no_datasets: Annotated[
        bool, typer.Option("--no-datasets", help="Unlink every dataset record.")
    ] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a data holder (only the options given)."""
    changes = given(name=name, kind=kind, data=data, rights=right, interests=interests,
                    contact=contact, datasets=dataset)  # fmt: skip
    if no_datasets:
        changes["datasets"] = []
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = holder_service.update_holder(session, actor, holder, changes, version)
        view = holder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "saved")


@app.command("archive")
@handle_errors
def archive(
    org: OrgOption,
    holder: IdArg,
    version: VersionOpt,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive a data holder (kept with its log and arrangements)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = holder_service.archive_holder(session, actor, holder, version)
        view = holder_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "archived")


@app.command("log")
@handle_errors
def log(
    org: OrgOption,
    holder: IdArg,
    summary: Annotated[
        str | None, typer.Option("--summary", help="Log a communication: what was said.")
    ] = None,
    channel: Annotated[Channel | None, typer.Option("--channel", help="How.")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (today on the organisation's clock).")
    ] = None,
    outcome: Annotated[str | None, typer.Option(help="What came of it.")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a data holder's communication log, newest first; with --summary, log one."""
    if summary is not None:
        fields = CommunicationFields.model_validate(
            given(summary=summary, channel=channel, outcome=outcome, happened_on=day or None)
        )
        with database().transaction() as session:
            actor = principal(session, org, user)
            row = data_holder_logs.log_communication(session, actor, holder, fields)
            entry = data_holder_logs.communication_view(row, ActorNames(session, actor))
        if as_json:
            print_json(entry)
        else:
            console.print(
                f"communication {entry.id} logged for data holder {entry.holder_id} on "
                f"{entry.happened_on.isoformat()}",
                markup=False,
            )
        return
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        views = [
            data_holder_logs.communication_view(e, actors)
            for e in data_holder_logs.communications(session, actor, holder)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "date", "channel", "summary", "outcome"],
        [[v.id, v.happened_on.isoformat(), v.channel.value, v.summary, v.outcome] for v in views],
    )


def _benefit(view: BenefitView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(f"benefit arrangement {view.id} {said} (version {view.version})", markup=False)


@benefits_app.command("list")
@handle_errors
def list_benefits(
    org: OrgOption, holder: IdArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """A data holder's benefit-return arrangements, newest start first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        views = [
            data_holder_logs.benefit_view(b, actors)
            for b in data_holder_logs.benefits(session, actor, holder)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "kind", "recipient", "since", "until", "status", "version"],
        [
            [v.id, v.kind.value, v.recipient, v.since.isoformat(),
             v.until.isoformat() if v.until else "", v.status.value, v.version]
            for v in views
        ],
    )  # fmt: skip


@benefits_app.command("add")
@handle_errors
def add_benefit(
    org: OrgOption,
    holder: IdArg,
    kind: Annotated[BenefitKind, typer.Option("--kind", help="What is returned.")],
    recipient: Annotated[str, typer.Option("--recipient", help="To whom.")],
    since: Annotated[str, typer.Option("--since", help="YYYY-MM-DD: from when.")],
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD: until when.")] = None,
    method: Annotated[str | None, typer.Option("--method", help="How.")] = None,
    status: Annotated[BenefitStatus | None, typer.Option("--status")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a benefit-return arrangement (administrators and editors)."""
    fields = BenefitFields.model_validate(
        given(kind=kind, recipient=recipient, since=since, until=until or None, method=method,
              status=status)
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = data_holder_logs.add_benefit(session, actor, holder, fields)
        view = data_holder_logs.benefit_view(row, ActorNames(session, actor))
    _benefit(view, as_json, "added")


@benefits_app.command("update")
@handle_errors
def update_benefit(
    org: OrgOption,
    benefit: Annotated[int, typer.Argument(help="The arrangement's id.", min=1, max=2**31 - 1)],
    version: VersionOpt,
    kind: Annotated[BenefitKind | None, typer.Option("--kind")] = None,
    recipient: TextOpt = None,
    method: TextOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD.")] = None,
    status: Annotated[BenefitStatus | None, typer.Option("--status")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a benefit-return arrangement, e.g. ``--status ended --until 2027-03-31``."""
    changes = given(kind=kind, recipient=recipient, method=method, since=since, until=until,
                    status=status)  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = data_holder_logs.update_benefit(session, actor, benefit, changes, version)
        view = data_holder_logs.benefit_view(row, ActorNames(session, actor))
    _benefit(view, as_json, "saved")
