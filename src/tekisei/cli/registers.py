"""``tekisei register``: the organisation's public register of AI use (3(1), 3(4))."""

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
    plain,
    principal,
    print_json,
    resolve_lang,
)
from tekisei.core.registers import CONTRIBUTION_NAMES, Contribution, EntryChoice
from tekisei.services import registers as register_service
from tekisei.services.registers import RegisterView

app = typer.Typer(help="The public register of AI use.", no_args_is_help=True)
SystemArg = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The system's id.")]


def _view(org: str, user: str | None) -> RegisterView:
    with database().reading() as session:
        return register_service.show_register(session, principal(session, org, user))


@app.command("show")
@handle_errors
def show(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Show whether the register is published and which systems it lists."""
    view = _view(org, user)
    if as_json:
        print_json(view)
        return
    ja = resolve_lang(lang) == "ja"
    state = (
        ("公開中" if ja else "published")
        if view.published
        else ("未公開" if ja else "not published")
    )
    console.print(plain(f"{state}: {view.public_path}"))
    for s in view.systems:
        if s.listed:
            words = CONTRIBUTION_NAMES[s.contribution][0 if ja else 1]
            console.print(plain(f"- {s.system_id} {s.name} ({s.division or '—'}; {words})"))


@app.command("list-systems")
@handle_errors
def list_systems(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Show every system, listed on the register or not."""
    view = _view(org, user)
    if as_json:
        print_json(view.systems)
        return
    ja = resolve_lang(lang) == "ja"
    for s in view.systems:
        mark = ("掲載" if ja else "listed") if s.listed else "-"
        console.print(plain(f"{s.system_id}\t{mark}\t{s.name}"))


@app.command("add")
@handle_errors
def add(
    org: OrgOption,
    system: SystemArg,
    division: Annotated[str, typer.Option(max=200, help="The division responsible.")] = "",
    contribution: Annotated[
        Contribution | None, typer.Option(help="The AI's part in decisions.")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a system on the register (or change its division and contribution)."""
    choice = EntryChoice(division=division, contribution=contribution)
    with database().transaction() as session:
        register_service.list_system(session, principal(session, org, user), system, choice)
    show(org, user, lang, as_json)


@app.command("remove")
@handle_errors
def remove(
    org: OrgOption,
    system: SystemArg,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a system off the register."""
    with database().transaction() as session:
        register_service.unlist_system(session, principal(session, org, user), system)
    show(org, user, lang, as_json)


@app.command("publish")
@handle_errors
def publish(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Publish the register (administrators)."""
    with database().transaction() as session:
        register_service.publish_register(session, principal(session, org, user))
    show(org, user, lang, as_json)


@app.command("unpublish")
@handle_errors
def unpublish(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Take the register down; its public address then answers "not found"."""
    with database().transaction() as session:
        register_service.unpublish_register(session, principal(session, org, user))
    show(org, user, lang, as_json)
