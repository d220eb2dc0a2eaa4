"""``tekisei apply``: governance as code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
)
from tekisei.errors import CatalogFileError, InvalidInputError, Problem
from tekisei.services import governance
from tekisei.untrusted import MAX_YAML_BYTES, read_text


@handle_errors
def apply_command(
    file: Annotated[Path, typer.Option("-f", "--file", help="A tekisei-system/1 YAML file.")],
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation id (else the file's 'org').")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create or update one system, its risks and answers from a file (idempotent)."""
    try:
        text = read_text(file, MAX_YAML_BYTES)
    except FileNotFoundError:
        raise CatalogFileError([Problem(str(file), 0, 0, "no such file; check the path")]) from None
    document = governance.parse(text, str(file))
    slug = org or document.org
    if not slug:
        raise InvalidInputError(
            "say which organisation: --org ID, or 'org:' in the file",
            ja="組織を指定してください（--org またはファイルの org:）。",
        )
    db = database()
    with db.reading() as session:
        actor = principal(session, slug, user)
    result = governance.apply_file(db, actor, document, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "system": result.system,
                "changed": result.changed,
                "changes": result.changes,
                "dry_run": result.dry_run,
            }
        )
        return
    if not result.changed:
        console.print(f"system {result.system}: no change", markup=False)
        return
    heading = "would change" if dry_run else "changed"
    console.print(f"system {result.system}: {heading}", markup=False)
    for change in result.changes:
        console.print(f"  ~ {change}", markup=False)
