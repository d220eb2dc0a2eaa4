"""``tekisei soa``: the organisation's ISO/IEC 42001 Statement of Applicability (guideline
2(1), fn 16). The files to hand out are written by ``tekisei reports soa``."""

from __future__ import annotations

from typing import Annotated, Any

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
    table,
)
from tekisei.i18n import messages
from tekisei.render.soa import derivation_text
from tekisei.services import owners, soa_approvals, soa_overview
from tekisei.services import soa as soa_service

app = typer.Typer(help="The ISO/IEC 42001 Statement of Applicability.", no_args_is_help=True)

ControlArg = Annotated[str, typer.Argument(metavar="CONTROL", help="An Annex A control: A.6.2.4.")]
VersionOpt = Annotated[
    int, typer.Option(help="The version you read (0 for a control nothing was stated about).")
]


@app.command("show")
@handle_errors
def show(
    org: OrgOption,
    control: Annotated[
        str | None, typer.Option("--control", help="Show one control in full.")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the statement: each control's applicability, state and owner (or one control
    with how its state was derived, its evidence and history)."""
    words = messages(resolve_lang(lang))
    with database().reading() as session:
        actor = principal(session, org, user)
        if control is not None:
            view: Any = soa_service.control_view(session, actor, control)
        else:
            view = soa_overview.soa_view(session, actor)
    if as_json:
        print_json(view)
        return
    if control is not None:
        line = view.control
        console.print(plain(f"{line.ref} {line.title_ja if words.lang == 'ja' else line.title_en}"))
        console.print(
            plain(f"{words.gettext('soa:col-state')}: {words.words('state', line.state.value)}")
        )
        console.print(plain(f"version {line.version}"))
        console.print(plain(derivation_text(line, words.lang)))
        return
    yes, no = words.gettext("soa:applicable:yes"), words.gettext("soa:applicable:no")
    table(
        [
            words.gettext("soa:col-control"),
            words.gettext("soa:col-applicable"),
            words.gettext("soa:col-state"),
            words.gettext("soa:col-owner"),
            "version",
        ],
        [
            [
                f"{c.ref} {c.title_ja if words.lang == 'ja' else c.title_en}",
                yes if c.applicable else no,
                words.words("state", c.state.value),
                c.owner.name if c.owner else "",
                c.version,
            ]
            for c in view.controls
        ],
        title=f"{words.gettext('soa:title')} — {view.org_name} "
        f"({words.gettext('soa:statement-version')} {view.version})",
    )


@app.command("set")
@handle_errors
def set_control(
    control: ControlArg,
    org: OrgOption,
    version: VersionOpt,
    applicable: Annotated[
        bool | None,
        typer.Option("--applicable/--not-applicable", help="Whether the control applies."),
    ] = None,
    justification: Annotated[
        str | None, typer.Option(help="Why it applies or not (required when it does not).")
    ] = None,
    notes: Annotated[str | None, typer.Option(help="How it is implemented, plans.")] = None,
    owner: Annotated[
        str | None, typer.Option(help="The owning member's email ('' for none).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change what the statement says about one control; options left out stay as they
    are."""
    given = {"applicable": applicable, "justification": justification, "notes": notes}
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    with database().transaction() as session:
        actor = principal(session, org, user)
        if owner is not None:
            changes["owner_id"] = owners.owner_by_email(session, actor, owner)
        soa_service.set_control(session, actor, control, changes, version)
    with database().reading() as session:
        view = soa_service.control_view(session, principal(session, org, user), control)
    if as_json:
        print_json(view)
        return
    console.print(
        plain(f"{view.control.ref}: version {view.control.version} (statement {view.soa_version})")
    )


@app.command("approve")
@handle_errors
def approve(
    org: OrgOption,
    version: Annotated[int, typer.Option(help="The statement's version you read.")],
    user: Annotated[str, typer.Option("--user", help="The approving executive's email.")],
    note: Annotated[str, typer.Option(help="Kept with the approval.")] = "",
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve the statement as it stands at VERSION (executives)."""
    with database().transaction() as session:
        row = soa_approvals.approve(session, principal(session, org, user), version, note)
        number = row.number
    with database().reading() as session:
        view = soa_approvals.get_approval(session, principal(session, org, user), number)
    if as_json:
        print_json(view)
        return
    console.print(plain(f"approval {view.number}: version {view.soa_version}"))


@app.command("history")
@handle_errors
def history(
    org: OrgOption,
    control: Annotated[str | None, typer.Option("--control", help="Only this control.")] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """The statement's changes, newest first."""
    with database().reading() as session:
        changes = soa_service.history(session, principal(session, org, user), control)
    if as_json:
        print_json(changes)
        return
    table(
        ["version", "control", "changed", "by", "at"],
        [
            [c.soa_version, c.control, ", ".join(c.changed), c.changed_by, c.changed_at.isoformat()]
            for c in changes
        ],
    )
