"""``tekisei audit``: export the tamper-evident log and verify an export offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tekisei.cli.common import (
    EXIT_INVALID,
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
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit as audit_service
from tekisei.untrusted import MAX_FILE_BYTES, read_text

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    user: UserOption = None,
) -> None:
    """Write a self-contained export: every event, signed checkpoints and the public key."""
    db = database()
    assert db.signer is not None
    with db.transaction() as session:
        data = audit_service.export_log(session, principal(session, org, user), db.signer)
    text = data.model_dump_json(indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"{len(data.events)} events written to {output}", markup=False)


@app.command("verify")
@handle_errors
def verify(
    file: Annotated[Path, typer.Argument(help="An export written by 'tekisei audit export'.")],
    key: Annotated[
        str | None, typer.Option(help="Trusted public key (base64); checks who signed it.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check an export offline; exits 4 and names the first broken event when it fails."""
    try:
        text = read_text(file, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise NotFoundError(f"{file}: no such file", ja=f"{file}: ファイルがありません。") from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{file} is not UTF-8 text; it was changed or is not an export",
            ja=f"{file} はUTF-8のテキストではありません。",
        ) from None
    data = audit_service.parse_export(text)
    ok, checked, problems = audit_service.verify_export(data, key)
    if as_json:
        print_json({"ok": ok, "events": checked, "problems": problems, "key_id": data.key_id})
    elif ok:
        console.print(
            f"ok: {checked} events of {data.org}, chain intact, signed by key {data.key_id}",
            markup=False,
        )
    else:
        for problem in problems:
            typer.echo(problem, err=True)
    if not ok:
        raise typer.Exit(EXIT_INVALID)


@app.command("events")
@handle_errors
def events(
    org: OrgOption,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. risk.accept.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show recent events, newest first."""
    with database().reading() as session:
        total, rows = audit_service.list_events(
            session, principal(session, org, user), action=action, limit=limit
        )
    if as_json:
        print_json({"total": total, "items": rows})
        return
    table(
        ["seq", "at", "actor", "action", "object"],
        [[e.seq, e.at[:19], e.actor, e.action, f"{e.object_type} {e.object_id}"] for e in rows],
    )
