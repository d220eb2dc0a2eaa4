"""``tekisei demo``: a demo workspace for a first look."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import JsonOption, console, database, handle_errors, print_json, settings
from tekisei.services.demo import load_demo

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("load")
@handle_errors
def load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when no organisation exists yet.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create two demo organisations with systems and risks, and print how to sign in."""
    config = settings()
    from tekisei.services.provenance import master_key

    result = load_demo(
        database(), config.data_dir, only_if_empty=if_empty, master=master_key(config)
    )
    if as_json:
        print_json(result.__dict__ | {"accounts": [a.__dict__ for a in result.accounts]})
        return
    if result.skipped_reason and not result.accounts:
        console.print(f"demo not loaded: {result.skipped_reason}", markup=False)
        return
    heading = "demo loaded" if result.created else f"demo: {result.skipped_reason}"
    console.print(heading, markup=False)
    url = f"http://{config.host}:{config.port}/signin"
    console.print(f"sign in / サインイン: {url}", markup=False, soft_wrap=True)
    for account in result.accounts:
        console.print(f"  {account.email:28} {account.role:10} ({account.org})", markup=False)
    if result.password:
        console.print(f"  password / パスワード: {result.password}", markup=False)
        console.print(f"  (kept in {result.credentials_file})", markup=False)
