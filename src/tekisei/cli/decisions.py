"""``tekisei decisions``: records of AI-assisted administrative decisions (3(4)).

``import`` reads a case system's CSV export (UTF-8 or Shift_JIS; header in
docs/decisions.md), all rows or none. ``purge`` deletes records past the organisation's
retention; run it daily, e.g. from cron: ``tekisei decisions purge --org city``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tekisei.cli.common import (
    EXIT_INVALID,
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
from tekisei.core.decisions import MAX_BYTES, DecisionSettings
from tekisei.errors import FileLimitError
from tekisei.services import decisions as decision_service
from tekisei.services.decision_imports import import_decisions, template

app = typer.Typer(help="Records of AI-assisted decisions (3(4)).", no_args_is_help=True)

SystemArg = Annotated[int, typer.Argument(help="The system's id.", min=1, max=2**31 - 1)]
StartOpt = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
EndOpt = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]


def _day(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("write the date as YYYY-MM-DD", param_hint=hint) from None


@app.command("import")
@handle_errors
def import_file(
    system: SystemArg,
    file: Annotated[Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False)],
    org: OrgOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import decision records from a CSV file, all rows or none."""
    if file.stat().st_size > MAX_BYTES:
        raise FileLimitError(
            f"{file.name} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it",
            ja=f"{file.name} は {MAX_BYTES // (1024 * 1024)} MB を超えています。分けてください。",
        )
    data = file.read_bytes()
    db = database()
    with db.reading() if dry_run else db.transaction() as session:
        actor = principal(session, org, user)
        result = import_decisions(session, actor, system, data, file.name, dry_run=dry_run)
    language = resolve_lang(lang)
    if as_json:
        print_json(result)
    else:
        for problem in result.errors:
            where = f"row {problem.row}" + (f", {problem.column}" if problem.column else "")
            sys.stderr.write(f"{where}: {problem.localized(language)}\n")
        console.print(result.summary(language), markup=False)
    if result.errors:
        raise typer.Exit(EXIT_INVALID)


@app.command("list")
@handle_errors
def list_decisions(
    system: SystemArg,
    org: OrgOption,
    start: StartOpt = None,
    end: EndOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a system's decision records, newest first (at most 500)."""
    first, last = _day(start, "--from"), _day(end, "--to")
    with database().reading() as session:
        actor = principal(session, org, user)
        views = decision_service.list_decisions(session, actor, system, first, last)
    if as_json:
        print_json(views)
        return
    table(
        ["case", "decided", "contribution", "outcome", "reviewer", "decision"],
        [[v.case_ref, v.decided_on.isoformat(), v.contribution.value, v.outcome.value,
          v.reviewer_name, v.decision[:60]] for v in views],
    )  # fmt: skip


@app.command("stats")
@handle_errors
def stats(
    system: SystemArg,
    org: OrgOption,
    start: StartOpt = None,
    end: EndOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """How often the reviewers kept, changed or overrode the AI's suggestion, by month."""
    first, last = _day(start, "--from"), _day(end, "--to")
    with database().reading() as session:
        actor = principal(session, org, user)
        found = decision_service.decision_stats(session, actor, system, first, last)

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    if as_json:
        print_json(found)
        return
    rows = [[m.month, m.count, share(m.kept_share), share(m.changed_share),
             share(m.overridden_share)] for m in found.months]  # fmt: skip
    total = found.total
    rows.append(["total", total.count, share(total.kept_share), share(total.changed_share),
                 share(total.overridden_share)])  # fmt: skip
    table(["month", "decisions", "kept", "changed", "overridden"], rows)


@app.command("template")
@handle_errors
def template_file(lang: LangOption = None) -> None:
    """Print the CSV template (the documented header and an example row)."""
    sys.stdout.buffer.write(template(resolve_lang(lang)))


@app.command("purge")
@handle_errors
def purge(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Delete decision records past the retention period (run it daily)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        deleted = decision_service.purge(session, actor)
    if as_json:
        print_json({"deleted": deleted})
        return
    console.print(f"deleted {deleted} decision records past the retention", markup=False)


@app.command("settings")
@handle_errors
def settings(
    org: OrgOption,
    retention_days: Annotated[
        int | None,
        typer.Option("--retention-days", help="Keep records this many days.", min=30, max=36_500),
    ] = None,
    publish: Annotated[
        list[int] | None,
        typer.Option("--publish", help="Publish this system's statistics (repeatable).", min=1),
    ] = None,
    unpublish: Annotated[
        list[int] | None,
        typer.Option("--unpublish", help="Stop publishing this system's (repeatable).", min=1),
    ] = None,
    records: Annotated[
        bool | None,
        typer.Option(
            "--records/--no-records",
            help="Also publish the anonymised records of those systems (or stop).",
        ),
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the retention and publication of decision records, or change them (admins).

    The statistics (and, with --records, the anonymised records) of the published systems
    appear on the public register of AI use while it is published and lists them."""
    changing = retention_days is not None or publish or unpublish or records is not None
    with database().reading() if not changing else database().transaction() as session:
        actor = principal(session, org, user)
        current = decision_service.read_settings(session, actor)
        if changing:
            chosen = (set(current.published) | set(publish or [])) - set(unpublish or [])
            wanted = DecisionSettings(
                retention_days=retention_days or current.retention_days,
                published=sorted(chosen),
                publish_records=current.publish_records if records is None else records,
            )
            current = decision_service.update_settings(session, actor, wanted, current.version)
    if as_json:
        print_json(current)
        return
    console.print(
        f"retention: {current.retention_days} days\n"
        f"published systems: {', '.join(map(str, current.published)) or '-'}\n"
        f"anonymised records published: {'yes' if current.publish_records else 'no'}\n"
        f"version: {current.version}",
        markup=False,
    )
