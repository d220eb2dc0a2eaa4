"""``tekisei check`` and ``tekisei approvals``."""

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
    resolve_lang,
    table,
)
from tekisei.core.systems import Stage
from tekisei.services import gate_facts
from tekisei.services import gates as gate_service

app = typer.Typer(help="Lifecycle gates and executive approvals.", no_args_is_help=True)
EXIT_GATE = 2


@handle_errors
def check_command(
    system: Annotated[int, typer.Argument(metavar="SYSTEM", help="The system's id.")],
    org: OrgOption,
    min_completeness: Annotated[
        float | None, typer.Option(help="Required share of answered requirements (0-1).")
    ] = None,
    eval_pass_rate: Annotated[
        float | None,
        typer.Option(help="Require a finished evaluation run passing at least this share (0-1)."),
    ] = None,
    eval_max_age: Annotated[
        int | None, typer.Option(help="…no older than this many days (default 90).")
    ] = None,
    eval_suite: Annotated[
        str | None, typer.Option(help="…of this suite (default: any suite).")
    ] = None,
    require_provenance: Annotated[
        bool, typer.Option(help="Require a passing check of sample outputs' provenance marks.")
    ] = False,
    to: Annotated[
        Stage | None,
        typer.Option("--to", help="Check the move to this stage (default: the next gate)."),
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exit 0 when the system meets its gates, 2 with what is missing (for CI jobs)."""
    language = resolve_lang(lang)
    gate = gate_facts.parse_gate(eval_pass_rate, eval_max_age, eval_suite)
    with database().reading() as session:
        result = gate_service.check_system(
            session,
            principal(session, org, user),
            system,
            min_completeness,
            gate,
            require_provenance,
            to,
        )
    if as_json:
        out = {
            "ok": result.ok,
            "missing": [m.ja if language == "ja" else m.en for m in result.missing],
            "codes": [m.code for m in result.missing],
            "completeness": result.completeness,
            "threshold": result.threshold,
            "to_stage": result.to_stage,
            "before_operation": [
                m.ja if language == "ja" else m.en for m in result.before_operation
            ],
            "before_operation_codes": [m.code for m in result.before_operation],
        }
        if gate is not None:
            out["latest_eval"] = result.latest_eval
        print_json(out)
    elif result.ok:
        console.print(f"ok: system {system} meets its gates", markup=False)
    else:
        typer.echo(f"system {system} does not meet its gates:", err=True)
        for item in result.missing:
            typer.echo(f"  - {item.ja if language == 'ja' else item.en}", err=True)
    if result.before_operation and not as_json:
        typer.echo(
            "運用に移る前には、さらに次も必要です:"
            if language == "ja"
            else "Before operation it will also need:",
            err=True,
        )
        for item in result.before_operation:
            typer.echo(f"  - {item.ja if language == 'ja' else item.en}", err=True)
    if not result.ok:
        raise typer.Exit(EXIT_GATE)


@app.command("request")
@handle_errors
def request(
    system: Annotated[int, typer.Argument(metavar="SYSTEM")],
    org: OrgOption,
    to: Annotated[Stage, typer.Option("--to", help="The stage to move to.")],
    note: Annotated[str, typer.Option(help="Why now.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask an executive to approve moving a system through a gate."""
    with database().transaction() as session:
        row = gate_service.request_stage_change(
            session, principal(session, org, user), system, to, note
        )
        result = {"id": row.id, "status": row.status, "to_stage": row.to_stage}
    if as_json:
        print_json(result)
        return
    console.print(f"request {result['id']} waits for an executive", markup=False)


@app.command("list")
@handle_errors
def list_command(
    org: OrgOption,
    status: Annotated[str, typer.Option(help="pending, approved, rejected or all.")] = "pending",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The approvals inbox."""
    with database().reading() as session:
        rows = gate_service.list_approvals(
            session, principal(session, org, user), None if status == "all" else status
        )
    if as_json:
        print_json(rows)
        return
    table(
        ["id", "system", "from", "to", "status", "requested by"],
        [[r.id, r.system_name, r.from_stage, r.to_stage, r.status, r.requested_by] for r in rows],
    )


def _decide(approval: int, org: str, user: str, reason: str, approve: bool, as_json: bool) -> None:
    with database().transaction() as session:
        row = gate_service.decide(session, principal(session, org, user), approval, approve, reason)
        result = {"id": row.id, "status": row.status, "to_stage": row.to_stage}
    if as_json:
        print_json(result)
        return
    console.print(f"request {result['id']} {result['status']}", markup=False)


@app.command("approve")
@handle_errors
def approve(
    approval: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    user: Annotated[str, typer.Option("--user", help="The executive who decides.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    as_json: JsonOption = False,
) -> None:
    """Approve: the system moves (refused with what is missing while the gate is not met)."""
    _decide(approval, org, user, reason, True, as_json)


@app.command("reject")
@handle_errors
def reject(
    approval: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgOption,
    user: Annotated[str, typer.Option("--user", help="The executive who decides.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    as_json: JsonOption = False,
) -> None:
    """Reject the request, with a reason."""
    _decide(approval, org, user, reason, False, as_json)
