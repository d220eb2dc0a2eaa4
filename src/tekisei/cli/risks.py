"""``tekisei risks``: the risk register."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tekisei.cli.common import (
    JsonOption,
    LangOption,
    OrgOption,
    UserOption,
    console,
    database,
    given,
    handle_errors,
    principal,
    print_json,
    resolve_lang,
    table,
)
from tekisei.cli.sheets import DryRunOption, FormatOption, SheetFile, run_import
from tekisei.core.risks import RiskFields, Treatment
from tekisei.services import owners
from tekisei.services import reports as report_service
from tekisei.services import risks as risk_service
from tekisei.services.people import ActorNames

app = typer.Typer(help="The risk register.", no_args_is_help=True)

TaxonomyOpt = Annotated[
    list[str] | None, typer.Option("--taxonomy", help="tekisei-risks-1 id (repeatable).")
]
ScoreOpt = Annotated[int | None, typer.Option(min=1, max=5)]
TreatmentOpt = Annotated[Treatment | None, typer.Option(help="How the risk is handled.")]
TextOpt = Annotated[str | None, typer.Option()]
DueOpt = Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option(help="The email of the member who owns it (a member of the org; '' for none)."),
]


def _changes(**values: Any) -> dict[str, Any]:
    out = given(**values)
    if "due" in out:
        out["due"] = date.fromisoformat(out["due"])
    return out


@app.command("add")
@handle_errors
def add(
    org: OrgOption,
    system: Annotated[int, typer.Option(help="The system's id.")],
    title: Annotated[str, typer.Option(help="Short title of the risk.")],
    taxonomy: Annotated[list[str], typer.Option("--taxonomy", help="tekisei-risks-1 id.")],
    likelihood: Annotated[int, typer.Option(min=1, max=5)],
    impact: Annotated[int, typer.Option(min=1, max=5)],
    description: TextOpt = None,
    residual_likelihood: ScoreOpt = None,
    residual_impact: ScoreOpt = None,
    treatment: TreatmentOpt = None,
    plan: TextOpt = None,
    owner: OwnerOpt = None,
    due: DueOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a risk to a system's register."""
    values = _changes(
        title=title,
        taxonomy=taxonomy,
        likelihood=likelihood,
        impact=impact,
        description=description,
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
        treatment=treatment,
        treatment_plan=plan,
        due=due,
    )
    with database().transaction() as session:
        actor = principal(session, org, user)
        if owner:
            values["owner_id"] = owners.owner_by_email(session, actor, owner)
        fields = RiskFields.model_validate(values)
        row = risk_service.add_risk(session, actor, system, fields)
        view = risk_service.view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(
        f"risk {view.id} added: {view.inherent_score} ({view.inherent_level})", markup=False
    )


@app.command("update")
@handle_errors
def update(
    risk_id: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    version: Annotated[int, typer.Option(help="The version you are changing.")],
    title: TextOpt = None,
    taxonomy: TaxonomyOpt = None,
    likelihood: ScoreOpt = None,
    impact: ScoreOpt = None,
    description: TextOpt = None,
    residual_likelihood: ScoreOpt = None,
    residual_impact: ScoreOpt = None,
    treatment: TreatmentOpt = None,
    plan: TextOpt = None,
    owner: OwnerOpt = None,
    due: DueOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a risk; refused when someone changed it since ``--version``."""
    changes = _changes(
        title=title,
        taxonomy=taxonomy,
        likelihood=likelihood,
        impact=impact,
        description=description,
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
        treatment=treatment,
        treatment_plan=plan,
        due=due,
    )
    with database().transaction() as session:
        actor = principal(session, org, user)
        if owner is not None:  # '' takes the owner away, a text written before included
            changes["owner_id"] = owners.owner_by_email(session, actor, owner)
            if changes["owner_id"] is None:
                changes["owner_text"] = ""
        row = risk_service.update_risk(session, actor, risk_id, changes, version)
        view = risk_service.view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(
        f"risk {view.id} is at version {view.version} ({view.status.value})", markup=False
    )


@app.command("accept")
@handle_errors
def accept(
    risk_id: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    version: Annotated[int, typer.Option(help="The version you are accepting.")],
    note: Annotated[str, typer.Option(help="Why the residual risk is acceptable.")],
    user: Annotated[str, typer.Option("--user", help="The executive who accepts it.")],
    as_json: JsonOption = False,
) -> None:
    """Accept a risk's residual level (executives only; recorded in the audit log)."""
    with database().transaction() as session:
        row = risk_service.accept_risk(
            session, actor := principal(session, org, user), risk_id, note, version
        )
        view = risk_service.view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(f"risk {view.id} accepted by {user}", markup=False)


@app.command("list")
@handle_errors
def list_command(
    org: OrgOption,
    system: Annotated[int | None, typer.Option(help="Only this system.")] = None,
    status: Annotated[str | None, typer.Option(help="open, treating, accepted, closed.")] = None,
    sort: Annotated[
        str, typer.Option(help="inherent, residual, due, title; '-' reverses.")
    ] = "-inherent",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List risks, highest first."""
    with database().reading() as session:
        total, rows = risk_service.list_risks(
            session,
            actor := principal(session, org, user),
            system_id=system,
            status=status,
            sort=sort,
            limit=1000,
        )
        actors = ActorNames(session, actor)
        views = [risk_service.view(r, actors) for r in rows]
    if as_json:
        print_json({"total": total, "items": views})
        return
    table(
        ["id", "system", "title", "inherent", "residual", "treatment", "status"],
        [
            [
                v.id,
                v.system_id,
                v.title,
                f"{v.inherent_score} {v.inherent_level}",
                v.residual_score,
                v.treatment.value if v.treatment else "",
                v.status.value,
            ]
            for v in views
        ],
    )


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: FormatOption = "xlsx",
    system: Annotated[int | None, typer.Option(help="Only this system.")] = None,
    lang: LangOption = None,
    user: UserOption = None,
) -> None:
    """Write the risk register as a spreadsheet (xlsx) or CSV, in the columns 'import'
    reads back; text never becomes a formula."""
    with database().reading() as session:
        found = report_service.risk_register(
            session, principal(session, org, user), fmt, resolve_lang(lang), system
        )
    output.write_bytes(found.content)
    console.print(f"risk register → {output}", markup=False)


@app.command("import")
@handle_errors
def import_command(
    file: SheetFile,
    org: OrgOption,
    dry_run: DryRunOption = False,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add and change risks from a CSV or XLSX file: rows with an ID change that risk, rows
    without one add a risk to the system in 'AI system ID'. Every row is checked first;
    with any problem nothing is written (exit code 4)."""
    run_import("risks", file, org, user, dry_run=dry_run, as_json=as_json, lang=lang)
