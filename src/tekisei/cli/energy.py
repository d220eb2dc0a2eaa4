"""``tekisei energy``: compute and energy records of a system (guideline 1(2)).

``add`` records a phase and period (kWh measured or estimated, an optional emission
factor with its source); ``list`` and ``show`` read the records and the summary;
``remove`` deletes one; ``publish`` and ``unpublish`` switch the environmental section of
the system's public notice and the organisation's governance statement; ``default`` reads
or sets the organisation's default for systems that have not chosen.

Every refusal of a value (a wrong number, a period that ends before it starts, an unknown
phase, a factor without its source) names the option and reads in Japanese with
``--lang ja``: phase and basis are read as text and checked with the other values, not
by the option parser, whose messages are English only."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    LangOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.core.energy import emissions_text, factor_text, kwh_text, validated
from tekisei.errors import InvalidInputError
from tekisei.services import energy as energy_service

app = typer.Typer(help="Compute and energy records of systems (1(2)).", no_args_is_help=True)

OPTIONS = {
    "phase": "--phase", "start": "--from", "end": "--to", "kwh": "--kwh", "basis": "--basis",
    "source": "--source", "factor": "--factor", "factor_source": "--factor-source",
    "compute": "--compute",
}  # fmt: skip
"""The option that gives each field, named in the messages."""

SystemArg = Annotated[int, typer.Argument(help="The system's id.", min=1, max=2**31 - 1)]
RecordArg = Annotated[int, typer.Argument(help="The record's id.", min=1, max=2**31 - 1)]


@app.command("add")
@handle_errors
def add(
    system: SystemArg,
    org: OrgOption,
    phase: Annotated[str, typer.Option("--phase", help="training, fine_tuning or inference.")],
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    kwh: Annotated[str, typer.Option("--kwh", help="Electricity in kWh (up to 3 decimals).")],
    basis: Annotated[str, typer.Option("--basis", help="measured or estimated.")],
    source: Annotated[str, typer.Option("--source", help="Where the kWh figure comes from.")],
    factor: Annotated[
        str | None, typer.Option("--factor", help="Emission factor in kg-CO2e/kWh.")
    ] = None,
    factor_source: Annotated[
        str, typer.Option("--factor-source", help="Where the factor comes from (with --factor).")
    ] = "",
    compute: Annotated[
        str, typer.Option("--compute", help="Hardware, GPU-hours, region, PUE (free text).")
    ] = "",
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a phase and period of a system's energy use."""
    del lang  # the language of errors (handle_errors)
    fields = validated(
        {"phase": phase, "start": start, "end": end, "kwh": kwh, "source": source,
         "basis": basis, "factor": factor,
         "factor_source": factor_source, "compute": compute},
        OPTIONS,
    )  # fmt: skip
    with database().transaction() as session:
        view = energy_service.add_energy(session, principal(session, org, user), system, fields)
    if as_json:
        print_json(view)
        return
    console.print(f"recorded energy record {view.id}: {kwh_text(view.kwh)}", markup=False)


@app.command("list")
@handle_errors
def list_energy(
    system: SystemArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a system's records, the latest period first, with their emissions."""
    del lang  # the language of errors (handle_errors)
    with database().reading() as session:
        views = energy_service.list_energy(session, principal(session, org, user), system)
    if as_json:
        print_json(views)
        return
    table(
        ["id", "phase", "period", "energy", "basis", "factor", "emissions", "source"],
        [[v.id, v.phase.value, f"{v.start} – {v.end}", kwh_text(v.kwh), v.basis.value,
          factor_text(v.factor) if v.factor is not None else "-",
          emissions_text(v.emissions_kg) if v.emissions_kg is not None else "-",
          v.source[:60]] for v in views],
    )  # fmt: skip


@app.command("show")
@handle_errors
def show(
    system: SystemArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """A system's summary: totals by phase, emissions, share estimated, public or not."""
    del lang  # the language of errors (handle_errors)
    with database().reading() as session:
        found = energy_service.energy_overview(session, principal(session, org, user), system)
    if as_json:
        print_json(found)
        return
    summary = found.summary
    rows = [[p.phase.value, f"{p.start} – {p.end}", kwh_text(p.kwh),
             emissions_text(p.emissions_kg) if p.emissions_kg is not None else "-", p.basis]
            for p in summary.phases]  # fmt: skip
    share = "-" if summary.estimated_share is None else f"{summary.estimated_share:.0%} estimated"
    rows.append(["total", "", kwh_text(summary.kwh), emissions_text(summary.emissions_kg), share])
    table(["phase", "period", "energy", "emissions", "basis"], rows)
    for used in summary.factors:
        console.print(f"factor {factor_text(used.factor)} — {used.source}", markup=False)
    public = "shown publicly" if found.publication.published else "not shown publicly"
    own = "" if found.publication.own_choice else ", following the organisation's default"
    console.print(f"{public} (version {found.publication.version}{own})", markup=False)


@app.command("remove")
@handle_errors
def remove(
    system: SystemArg,
    record: RecordArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a record (the audit log keeps what it said)."""
    del lang  # the language of errors (handle_errors)
    with database().transaction() as session:
        energy_service.remove_energy(session, principal(session, org, user), system, record)
    if as_json:
        print_json({"removed": record})
        return
    console.print(f"removed energy record {record}", markup=False)


def _switch(
    system: int, org: str, user: str | None, on: bool, as_json: bool, sources: bool = False
) -> None:
    with database().transaction() as session:
        actor = principal(session, org, user)
        current = energy_service.energy_overview(session, actor, system).publication
        found = energy_service.set_publication(session, actor, system, on, current.version, sources)
    if as_json:
        print_json(found)
        return
    shown = "shown publicly" + (", with the source of each figure" if found.show_sources else "")
    console.print(shown if found.published else "not shown publicly", markup=False)


@app.command("publish")
@handle_errors
def publish(
    system: SystemArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
    with_sources: Annotated[
        bool, typer.Option("--with-sources", help="Show the source of each figure too")
    ] = False,
) -> None:
    """Show the figures on the system's public notice and the governance statement."""
    del lang  # the language of errors (handle_errors)
    _switch(system, org, user, True, as_json, with_sources)


@app.command("unpublish")
@handle_errors
def unpublish(
    system: SystemArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop showing the figures publicly."""
    del lang  # the language of errors (handle_errors)
    _switch(system, org, user, False, as_json)


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise InvalidInputError(
            f"say on or off, not {value[:20]!r}",
            ja=f"on か off を指定してください（「{value[:20]}」は指定できません）。",
        )
    return value == "on"


@app.command("default")
@handle_errors
def default(
    org: OrgOption,
    value: Annotated[
        str | None, typer.Argument(help="on or off; leave it out to read the default.")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read or set whether systems that have not chosen show their figures publicly
    (administrators set it; a system's own publish or unpublish overrides it)."""
    del lang  # the language of errors (handle_errors)
    wanted = None if value is None else _on_off(value)
    with database().transaction() as session:
        actor = principal(session, org, user)
        found = energy_service.read_default(session, actor)
        if wanted is not None:
            found = energy_service.set_default(session, actor, wanted, found.version)
    if as_json:
        print_json(found)
        return
    state = "on" if found.published else "off"
    following = "" if found.following is None else f"; {found.following} systems follow it"
    console.print(f"default: {state} (version {found.version}){following}", markup=False)
