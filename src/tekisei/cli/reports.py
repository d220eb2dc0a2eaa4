"""``tekisei reports``: documents an organisation hands out (the ISO/IEC 42001 Statement
of Applicability; each report is a command of its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tekisei.cli.common import (
    LangOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    plain,
    principal,
    resolve_lang,
)

app = typer.Typer(help="Reports to hand out.", no_args_is_help=True)


@app.command("soa")
@handle_errors
def soa(
    org: OrgOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx or pdf.")] = "xlsx",
    approval: Annotated[
        int | None,
        typer.Option(help="An approved version, as it was approved (default: as it stands)."),
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
) -> None:
    """Write the ISO/IEC 42001 Statement of Applicability: one row per control (XLSX) or a
    document (PDF)."""
    from tekisei.services.soa_exports import soa_report

    with database().reading() as session:
        found = soa_report(
            session, principal(session, org, user), fmt, resolve_lang(lang), approval
        )
    output.write_bytes(found.content)
    console.print(plain(f"{output}: {len(found.content)} bytes"), soft_wrap=True)
