"""``tekisei systems``: the AI system inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from tekisei.core.catalog import SystemRole
from tekisei.core.systems import (
    AffectedGroup,
    Autonomy,
    DataCategory,
    Deployment,
    Scale,
    Stage,
    SystemFacts,
    UseDomain,
)
from tekisei.services import reports as report_service
from tekisei.services import risks as risk_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames

app = typer.Typer(help="The AI system inventory.", no_args_is_help=True)

NameOpt = Annotated[str | None, typer.Option("--name", help="The system's name.")]
RoleOpt = Annotated[
    SystemRole | None, typer.Option("--role", help="What the organisation is for it.")
]
PurposeOpt = Annotated[str | None, typer.Option(help="What it is for.")]
DomainOpt = Annotated[UseDomain | None, typer.Option(help="Field of use.")]
StageOpt = Annotated[Stage | None, typer.Option(help="Lifecycle stage.")]
ModelOpt = Annotated[list[str] | None, typer.Option("--model", help="Model used (repeatable).")]
VendorOpt = Annotated[list[str] | None, typer.Option("--vendor", help="Vendor (repeatable).")]
DataOpt = Annotated[
    list[DataCategory] | None, typer.Option("--data", help="Data category (repeatable).")
]
AffectedOpt = Annotated[
    list[AffectedGroup] | None, typer.Option("--affected", help="Who is affected (repeatable).")
]
AutonomyOpt = Annotated[Autonomy | None, typer.Option(help="Degree of autonomy.")]
ScaleOpt = Annotated[Scale | None, typer.Option(help="People reached per year.")]
DeploymentOpt = Annotated[Deployment | None, typer.Option(help="Who can use it.")]
ResponsibleOpt = Annotated[str | None, typer.Option(help="Responsible person.")]
ContactOpt = Annotated[str | None, typer.Option(help="Contact window for users.")]


@app.command("create")
@handle_errors
def create(
    org: OrgOption,
    name: Annotated[str, typer.Option("--name", help="The system's name.")],
    role: Annotated[SystemRole, typer.Option("--role", help="What the organisation is for it.")],
    purpose: PurposeOpt = None,
    domain: DomainOpt = None,
    stage: StageOpt = None,
    model: ModelOpt = None,
    vendor: VendorOpt = None,
    data: DataOpt = None,
    affected: AffectedOpt = None,
    autonomy: AutonomyOpt = None,
    scale: ScaleOpt = None,
    deployment: DeploymentOpt = None,
    responsible: ResponsibleOpt = None,
    contact: ContactOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an AI system; its risk tier is computed from the facts."""
    facts = SystemFacts.model_validate(
        given(
            name=name,
            org_role=role,
            purpose=purpose,
            domain=domain,
            stage=stage,
            models=model,
            vendors=vendor,
            data_categories=data,
            affected=affected,
            autonomy=autonomy,
            scale=scale,
            deployment=deployment,
            responsible_person=responsible,
            contact_window=contact,
        )
    )
    with database().transaction() as session:
        row = system_service.register_system(session, principal(session, org, user), facts)
        view = system_service.view(row, org)
    if as_json:
        print_json(view)
        return
    console.print(f"system {view.id} registered: tier {view.tier}", markup=False)


@app.command("update")
@handle_errors
def update(
    system_id: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    version: Annotated[int, typer.Option(help="The version you are changing (see 'show').")],
    name: NameOpt = None,
    role: RoleOpt = None,
    purpose: PurposeOpt = None,
    domain: DomainOpt = None,
    stage: StageOpt = None,
    model: ModelOpt = None,
    vendor: VendorOpt = None,
    data: DataOpt = None,
    affected: AffectedOpt = None,
    autonomy: AutonomyOpt = None,
    scale: ScaleOpt = None,
    deployment: DeploymentOpt = None,
    responsible: ResponsibleOpt = None,
    contact: ContactOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change some facts; refused when someone changed the system since ``--version``."""
    changes = given(
        name=name,
        org_role=role,
        purpose=purpose,
        domain=domain,
        stage=stage,
        models=model,
        vendors=vendor,
        data_categories=data,
        affected=affected,
        autonomy=autonomy,
        scale=scale,
        deployment=deployment,
        responsible_person=responsible,
        contact_window=contact,
    )
    with database().transaction() as session:
        row = system_service.update_system(
            session, principal(session, org, user), system_id, changes, version
        )
        view = system_service.view(row, org)
    if as_json:
        print_json(view)
        return
    console.print(f"system {view.id} is at version {view.version}, tier {view.tier}", markup=False)


@app.command("list")
@handle_errors
def list_command(
    org: OrgOption,
    tier: Annotated[str | None, typer.Option(help="minimal, limited, high or critical.")] = None,
    stage: StageOpt = None,
    role: RoleOpt = None,
    sort: Annotated[str, typer.Option(help="name, tier, stage, updated; '-' reverses.")] = "name",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the organisation's systems."""
    with database().reading() as session:
        total, rows = system_service.list_systems(
            session,
            principal(session, org, user),
            tier=tier,
            stage=stage.value if stage else None,
            org_role=role.value if role else None,
            sort=sort,
            limit=1000,
        )
        views = [system_service.view(r, org) for r in rows]
    if as_json:
        print_json({"total": total, "items": views})
        return
    table(
        ["id", "name", "tier", "stage", "role", "domain"],
        [[v.id, v.name, v.tier, v.stage.value, v.org_role.value, v.domain.value] for v in views],
    )


@app.command("show")
@handle_errors
def show(
    system_id: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a system: facts, tier with reasons, applicable requirements and risks."""
    language = resolve_lang(lang)
    with database().reading() as session:
        actor = principal(session, org, user)
        view = system_service.view(system_service.visible_system(session, actor, system_id), org)
        requirements = system_service.system_requirements(session, actor, system_id)
        _, risk_rows = risk_service.list_risks(session, actor, system_id=system_id, limit=1000)
        actors = ActorNames(session, actor)
        risks = [risk_service.view(r, actors) for r in risk_rows]
    if as_json:
        print_json({"system": view, "requirements": requirements, "risks": risks})
        return
    console.print(f"[bold]{view.name}[/bold] (id {view.id}, version {view.version})")
    console.print(f"tier: [bold]{view.tier}[/bold]")
    for reason in view.tier_reasons:
        console.print(f"  - {reason.ja if language == 'ja' else reason.en}", markup=False)
    table(
        ["section", "title"],
        [[r.section, r.title_ja if language == "ja" else r.title_en] for r in requirements],
        title="requirements" if language == "en" else "適用される項目",
    )
    table(
        ["id", "title", "inherent", "residual", "status"],
        [[r.id, r.title, r.inherent_score, r.residual_score, r.status.value] for r in risks],
        title="risks" if language == "en" else "リスク",
    )


@app.command("assign")
@handle_errors
def assign(
    system_id: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    tester: Annotated[str, typer.Option(help="Email of an external tester of the org.")],
    user: UserOption = None,
) -> None:
    """Let an external tester see and test one system."""
    with database().transaction() as session:
        system_service.assign_tester(session, principal(session, org, user), system_id, tester)
    console.print(f"{tester} assigned to system {system_id}", markup=False)


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: FormatOption = "xlsx",
    lang: LangOption = None,
    user: UserOption = None,
) -> None:
    """Write the inventory as a spreadsheet (xlsx) or CSV, in the columns 'import' reads
    back; text never becomes a formula."""
    with database().reading() as session:
        found = report_service.system_inventory(
            session, principal(session, org, user), fmt, resolve_lang(lang)
        )
    output.write_bytes(found.content)
    console.print(f"inventory → {output}", markup=False)


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
    """Add and change systems from a CSV or XLSX file: rows with an ID change that system,
    rows without one add a system. Every row is checked first; with any problem nothing
    is written (exit code 4)."""
    run_import("systems", file, org, user, dry_run=dry_run, as_json=as_json, lang=lang)
