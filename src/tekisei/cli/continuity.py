"""``tekisei continuity``: business continuity plans and drills (guideline 2(4))."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.core.continuity import DrillFields, Outcome, ScenarioKind
from tekisei.errors import InvalidInputError
from tekisei.services import continuity as continuity_service
from tekisei.untrusted import load_yaml, read_text

app = typer.Typer(help="Business continuity plans and drills (2(4)).", no_args_is_help=True)

MAX_PLAN_BYTES = 1024 * 1024
"""The largest plan file read."""
MAX_PLAN_NODES = 20_000
"""YAML nodes after aliases are expanded: a full plan has a few thousand."""
SystemArg = Annotated[int, typer.Argument(metavar="SYSTEM", help="The system's id.", min=1)]


def _read_plan(path: Path) -> dict[str, Any]:
    """A plan file (JSON or YAML), read with limits; ``version`` is taken from it."""
    try:
        text = read_text(path, MAX_PLAN_BYTES)
        data = (
            json.loads(text)
            if path.suffix.lower() == ".json"
            else load_yaml(text, str(path), max_nodes=MAX_PLAN_NODES)
        )
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise InvalidInputError(
            f"{path} is not JSON or YAML: {exc}",
            ja=f"{path} はJSONまたはYAMLとして読めません。",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{path}: write the plan as a mapping (dependencies, scenarios, contacts, notes)",
            ja=f"{path}: 計画は dependencies・scenarios・contacts・notes "
            "の対応表で書いてください。",
        )
    return data


@app.command("plan")
@handle_errors
def plan(
    system: SystemArg,
    org: OrgOption,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="Set the plan from this JSON or YAML file (with 'version')."
        ),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option("--version", help="The version you read (0 creates); else the file's."),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Mark the plan reviewed today by you.")
    ] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a system's plan (or its draft), set it from a file, or mark it reviewed."""
    if file is not None or review:
        changes = _read_plan(file) if file is not None else {}
        given = changes.pop("version", None)
        wanted = version if version is not None else given
        if not isinstance(wanted, int) or isinstance(wanted, bool):
            raise InvalidInputError(
                "give the version you read: --version N or 'version: N' in the file "
                "(0 creates the plan)",
                ja="読み込んだときのバージョンを --version またはファイルの version で"
                "指定してください（新規作成は0）。",
            )
        with database().transaction() as session:
            actor = principal(session, org, user)
            if file is not None:
                row = continuity_service.save_plan(session, actor, system, changes, wanted)
                wanted = row.version
            if review:
                continuity_service.review_plan(session, actor, system, wanted)
    with database().reading() as session:
        view = continuity_service.get_plan(session, principal(session, org, user), system)
    if as_json:
        print_json(view)
        return
    state = f"version {view.version}" if view.exists else "draft, not saved yet"
    console.print(f"continuity plan of system {system} ({state})", markup=False)
    table(
        ["kind", "dependency", "link"],
        [[d.kind.value, d.name, d.link] for d in view.dependencies],
    )
    table(
        ["scenario", "procedure", "RTO", "RPO"],
        [
            [s.kind.value, s.procedure,
             f"{s.rto.value} {s.rto.unit.value}" if s.rto else "",
             f"{s.rpo.value} {s.rpo.unit.value}" if s.rpo else ""]
            for s in view.scenarios
        ],
    )  # fmt: skip
    table(["contact", "role", "reach"], [[c.name, c.role, c.reach] for c in view.contacts])
    if view.reviewed_on:
        console.print(f"reviewed on {view.reviewed_on} by {view.reviewed_by}", markup=False)


@app.command("drill")
@handle_errors
def drill(
    system: SystemArg,
    org: OrgOption,
    scenario: Annotated[ScenarioKind, typer.Option(help="One of the plan's scenarios.")],
    outcome: Annotated[Outcome, typer.Option(help="How it went.")],
    held_on: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")
    ] = None,
    findings: Annotated[str, typer.Option(help="What the drill found.")] = "",
    actions: Annotated[str, typer.Option(help="Follow-up actions.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a drill of one of the plan's scenarios."""
    fields = DrillFields.model_validate(
        {"held_on": held_on or date.today().isoformat(), "scenario": scenario,
         "outcome": outcome, "findings": findings, "actions": actions}
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = continuity_service.record_drill(session, actor, system, fields)
        view = continuity_service.drill_view(session, actor, row)
    if as_json:
        print_json(view)
        return
    console.print(f"drill {view.id} recorded for system {system}", markup=False)


@app.command("drills")
@handle_errors
def drills(
    system: SystemArg, org: OrgOption, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """A system's drills, latest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        views = [
            continuity_service.drill_view(session, actor, row)
            for row in continuity_service.list_drills(session, actor, system)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "date", "scenario", "outcome", "findings"],
        [[v.id, v.held_on.isoformat(), v.scenario.value, v.outcome.value, v.findings]
         for v in views],
    )  # fmt: skip


@app.command("list")
@handle_errors
def list_command(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Every system with its plan and latest drill; high and critical tiers first."""
    with database().reading() as session:
        rows = continuity_service.overview(session, principal(session, org, user))
    if as_json:
        print_json(rows)
        return
    table(
        ["system", "name", "tier", "stage", "plan", "last drill", "missing"],
        [
            [r.system_id, r.name, r.tier, r.stage, "yes" if r.has_plan else "",
             f"{r.last_drill} ({r.last_outcome.value})" if r.last_drill and r.last_outcome
             else "", ", ".join(r.missing)]
            for r in rows
        ],
    )  # fmt: skip
