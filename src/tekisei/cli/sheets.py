"""What ``tekisei systems import`` and ``tekisei risks import`` share: reading the file,
the import, and the report (changes on stdout, problems on stderr)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tekisei.cli.common import (
    EXIT_INVALID,
    console,
    database,
    principal,
    print_json,
    resolve_lang,
    table,
)
from tekisei.services.sheet_files import LIMITS
from tekisei.services.sheet_imports import ImportResult, Target, import_sheet
from tekisei.untrusted import read_bytes

SheetFile = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        exists=True,
        dir_okay=False,
        readable=True,
        help="A CSV (UTF-8 or Shift_JIS) or XLSX file with the export's columns.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Validate and show what would change; write nothing.")
]
FormatOption = Annotated[str, typer.Option("--format", help="xlsx or csv.")]


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def run_import(
    target: Target,
    path: Path,
    org: str,
    user: str | None,
    *,
    dry_run: bool,
    as_json: bool,
    lang: str | None,
) -> None:
    """Import ``path`` (all rows or none) and report; exit with 4 when a row has a problem.

    Raises:
        typer.Exit: the file has problems (nothing was written).
    """
    language = resolve_lang(lang)
    data = read_bytes(path, LIMITS.max_bytes)
    db = database()
    with db.reading() if dry_run else db.transaction() as session:
        result = import_sheet(
            session, principal(session, org, user), target, data, path.name, dry_run=dry_run
        )
    if as_json:
        print_json(result)
    else:
        _report(result, language)
    if result.errors:
        raise typer.Exit(EXIT_INVALID)


def _report(result: ImportResult, lang: str) -> None:
    changing = [r for r in result.rows if r.action != "unchanged"]
    if changing:
        table(
            ["row", "action", "id", "name", "changes"],
            [
                [
                    r.row,
                    r.action,
                    r.id or "",
                    r.name,
                    "\n".join(
                        f"{c.column}: {_shown(c.before)} → {_shown(c.after)}" for c in r.changes
                    ),
                ]
                for r in changing
            ],
        )
    label = "エラー" if lang == "ja" else "error"
    row_word = "行" if lang == "ja" else "row"
    for problem in result.errors:
        where = f"{row_word} {problem.row}" + (f", {problem.column}" if problem.column else "")
        sys.stderr.write(f"{label}: {where}: {problem.localized(lang)}\n")
    console.print(result.summary(lang), markup=False)
