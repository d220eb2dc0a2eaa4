"""``tekisei db``: create and migrate the database schema."""

from __future__ import annotations

import typer

from tekisei.cli.common import JsonOption, console, handle_errors, print_json, settings
from tekisei.services.database import database_status, open_database, upgrade_database

app = typer.Typer(help="The database schema.", no_args_is_help=True)


@app.command("upgrade")
@handle_errors
def upgrade_command(as_json: JsonOption = False) -> None:
    """Create the schema or migrate it to the newest revision (safe to repeat)."""
    status = upgrade_database(settings())
    if as_json:
        print_json({"url": status.url, "revision": status.current})
        return
    console.print(f"database {status.url} is at revision {status.current}", markup=False)


@app.command("status")
@handle_errors
def status_command(as_json: JsonOption = False) -> None:
    """Show the schema revision of the database and of this version of tekisei."""
    database = open_database(settings(), check_schema=False)
    try:
        status = database_status(database)
    finally:
        database.close()
    if as_json:
        print_json(
            {
                "url": status.url,
                "current": status.current,
                "head": status.head,
                "up_to_date": status.up_to_date,
            }
        )
        return
    state = "up to date" if status.up_to_date else "needs 'tekisei db upgrade'"
    console.print(
        f"{status.url}: {status.current or 'empty'} (newest {status.head}) — {state}", markup=False
    )
