"""``tekisei inquiries``: the inbox of inquiries from the public (fn 17, fn 18, 2(5)).

``purge`` erases the personal data of inquiries past the organisation's retention period;
run it daily, e.g. from cron: ``tekisei inquiries purge --org acme``."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
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
from tekisei.core import times
from tekisei.core.inquiries import InquiryKind, InquiryState
from tekisei.services import inquiries as inquiry_service
from tekisei.services.inquiries import InquiryView
from tekisei.services.orgs import org_zone
from tekisei.services.owners import owner_by_email
from tekisei.services.people import ActorNames

app = typer.Typer(help="Inquiries from the public (fn 17, fn 18).", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The inquiry's id.", min=1, max=2**31 - 1)]
VersionOpt = Annotated[int, typer.Option("--version", help="The version you read.", min=1)]
TextOpt = Annotated[str, typer.Option("--text", help="The text (at most 4,000 characters).")]


def _text(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 4000:
        raise typer.BadParameter("write 1 to 4,000 characters", param_hint="--text")
    return value


def _show(view: InquiryView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(
        f"inquiry {view.id} ({view.tracking}) {said}: {view.state.value} (version {view.version})",
        markup=False,
    )


@app.command("list")
@handle_errors
def list_inquiries(
    org: OrgOption,
    state: Annotated[InquiryState | None, typer.Option("--state")] = None,
    kind: Annotated[InquiryKind | None, typer.Option("--kind")] = None,
    system: Annotated[int | None, typer.Option("--system", min=1)] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the inbox, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = inquiry_service.list_inquiries(
            session, actor, state=state, kind=kind, system_id=system, overdue=overdue
        )
        views = [inquiry_service.view(actor, r, actors) for r in rows]
        where = org_zone(session, actor)
    if as_json:
        print_json(views)
        return
    table(
        ["id", "tracking", "kind", "state", "due", "subject", "version"],
        [
            [v.id, v.tracking, v.kind.value, v.state.value + (" (overdue)" if v.overdue else ""),
             times.shown(v.due_at, where, with_time=False), v.subject, v.version]
            for v in views
        ],
    )  # fmt: skip


@app.command("show")
@handle_errors
def show(
    org: OrgOption, inquiry: IdArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Show an inquiry and its history (notes included)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        view = inquiry_service.view(
            actor, inquiry_service.get_inquiry(session, actor, inquiry), actors
        )
        where = org_zone(session, actor)
        entries = [
            inquiry_service.entry_view(e, actors)
            for e in inquiry_service.history(session, actor, inquiry)
        ]
    if as_json:
        print_json({"inquiry": view, "history": entries})
        return
    facts = view.model_dump(mode="json", exclude={"id"})
    table(["field", "value"], [[k, "" if v is None else str(v)] for k, v in facts.items()])
    table(
        ["when", "what", "state", "text"],
        [[times.shown(e.created_at, where), e.kind.value, e.state.value if e.state else "", e.text]
         for e in entries],
    )  # fmt: skip


@app.command("reply")
@handle_errors
def reply(
    org: OrgOption,
    inquiry: IdArg,
    text: TextOpt,
    version: VersionOpt,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer the sender (shown on the public status page)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        inquiry_service.reply(session, actor, inquiry, _text(text), version)
        view = inquiry_service.view(
            actor, inquiry_service.get_inquiry(session, actor, inquiry), ActorNames(session, actor)
        )
    _show(view, as_json, "answered")


@app.command("close")
@handle_errors
def close(
    org: OrgOption,
    inquiry: IdArg,
    version: VersionOpt,
    note: Annotated[str, typer.Option("--note", help="An internal note.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close an inquiry."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = inquiry_service.close(session, actor, inquiry, version, note[:4000])
        view = inquiry_service.view(actor, row, ActorNames(session, actor))
    _show(view, as_json, "closed")


@app.command("reject")
@handle_errors
def reject(
    org: OrgOption,
    inquiry: IdArg,
    version: VersionOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why (the sender reads it).")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject an inquiry with the reason."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = inquiry_service.reject(session, actor, inquiry, version, reason[:4000])
        view = inquiry_service.view(actor, row, ActorNames(session, actor))
    _show(view, as_json, "rejected")


@app.command("assign")
@handle_errors
def assign(
    org: OrgOption,
    inquiry: IdArg,
    version: VersionOpt,
    to: Annotated[str, typer.Option("--to", help="The member's e-mail ('' for nobody).")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign an inquiry to a member."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        member = owner_by_email(session, actor, to)
        row = inquiry_service.assign(session, actor, inquiry, member, version)
        view = inquiry_service.view(actor, row, ActorNames(session, actor))
    _show(view, as_json, "assigned")


@app.command("erase")
@handle_errors
def erase(
    org: OrgOption, inquiry: IdArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Erase the sender's personal data now (administrators)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = inquiry_service.erase(session, actor, inquiry)
        view = inquiry_service.view(actor, row, ActorNames(session, actor))
    _show(view, as_json, "erased")


@app.command("purge")
@handle_errors
def purge(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Erase the personal data of inquiries past the retention period (run it daily)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        erased = inquiry_service.purge(session, actor)
    if as_json:
        print_json({"erased": erased})
        return
    console.print(f"erased the personal data of {len(erased)} inquiries", markup=False)
