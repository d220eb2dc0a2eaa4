"""``tekisei vendors``: the vendor register (guideline 2(4); APPI art. 28)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    given,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.core import times
from tekisei.core.systems import DataCategory
from tekisei.core.vendors import ChangeReason, VendorChange, VendorFields, VendorKind
from tekisei.services import vendors as vendor_service
from tekisei.services.orgs import org_zone
from tekisei.services.people import ActorNames
from tekisei.services.vendors import VendorView

app = typer.Typer(help="Vendors and third parties (2(4), APPI art. 28).", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The vendor's id.", min=1, max=2**31 - 1)]
VersionOpt = Annotated[int, typer.Option("--version", help="The version you read.", min=1)]
SystemsOpt = Annotated[
    list[int] | None,
    typer.Option("--system", help="A system that depends on it (repeatable).", min=1),
]
CategoriesOpt = Annotated[
    list[DataCategory] | None,
    typer.Option("--data", help="A category of data it processes (repeatable)."),
]
KindOpt = Annotated[VendorKind | None, typer.Option("--kind", help="What it provides.")]
TextOpt = Annotated[str | None, typer.Option()]
DateOpt = Annotated[str | None, typer.Option(help="YYYY-MM-DD.")]
FlagOpt = Annotated[bool | None, typer.Option()]


def _day(text: str | None) -> date | str | None:
    return text or None


def _show(view: VendorView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    console.print(f"vendor {view.id} {said} (version {view.version})", markup=False)


def _fields(**values: object) -> dict[str, object]:
    return given(**values)


@app.command("list")
@handle_errors
def list_vendors(
    org: OrgOption,
    system: Annotated[int | None, typer.Option("--system", help="Only those it uses.")] = None,
    kind: KindOpt = None,
    abroad: Annotated[
        bool | None, typer.Option("--abroad/--domestic", help="Personal data goes abroad.")
    ] = None,
    archived: Annotated[bool, typer.Option("--archived", help="Archived ones too.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the register (by name)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = vendor_service.list_vendors(
            session, actor, system_id=system, kind=kind, abroad=abroad, archived=archived
        )
        views = [vendor_service.view(session, actor, r, actors) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "name", "kind", "abroad", "next review", "version"],
        [
            [v.id, v.name + (" (archived)" if v.archived_at else ""), v.kind.value,
             "yes" if v.abroad else "", v.next_review.isoformat() if v.next_review else "",
             v.version]
            for v in views
        ],
    )  # fmt: skip


@app.command("show")
@handle_errors
def show(
    org: OrgOption, vendor: IdArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Show a vendor and its history."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        view = vendor_service.view(
            session, actor, vendor_service.get_vendor(session, actor, vendor), actors
        )
        events = [
            vendor_service.event_view(e, actors)
            for e in vendor_service.history(session, actor, vendor)
        ]
        where = org_zone(session, actor)
    if as_json:
        print_json({"vendor": view, "history": events})
        return
    facts = view.model_dump(mode="json", exclude={"id"})
    table(["field", "value"], [[k, "" if v is None else str(v)] for k, v in facts.items()])
    table(
        ["when", "what", "reason", "detail", "reviews opened"],
        [
            [times.shown(e.created_at, where), e.kind.value, e.reason.value if e.reason else "",
             e.detail, ", ".join(map(str, e.reviews))]
            for e in events
        ],
    )  # fmt: skip


@app.command("add")
@handle_errors
def add(
    org: OrgOption,
    name: Annotated[str, typer.Option("--name", help="The vendor's name.")],
    kind: KindOpt = None,
    region: Annotated[str | None, typer.Option(help="Where it processes data.")] = None,
    abroad: Annotated[
        bool | None, typer.Option("--abroad/--domestic", help="Personal data goes abroad.")
    ] = None,
    basis: Annotated[
        str | None, typer.Option("--basis", help="The legal basis under APPI art. 28.")
    ] = None,
    contract: Annotated[str | None, typer.Option("--contract", help="Contract reference.")] = None,
    contract_start: DateOpt = None,
    contract_end: DateOpt = None,
    covers_ai_use: FlagOpt = None,
    covers_data_use: FlagOpt = None,
    covers_incidents: FlagOpt = None,
    covers_exit: FlagOpt = None,
    data: CategoriesOpt = None,
    last_review: DateOpt = None,
    review_result: TextOpt = None,
    next_review: DateOpt = None,
    contact: Annotated[str | None, typer.Option(help="How to reach them.")] = None,
    system: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a vendor (administrators and editors)."""
    fields = VendorFields.model_validate(
        _fields(name=name, kind=kind, region=region, abroad=abroad, abroad_basis=basis,
                contract_ref=contract, contract_start=_day(contract_start),
                contract_end=_day(contract_end), covers_ai_use=covers_ai_use,
                covers_data_use=covers_data_use, covers_incidents=covers_incidents,
                covers_exit=covers_exit, data_categories=data, last_review=_day(last_review),
                review_result=review_result, next_review=_day(next_review), contact=contact,
                systems=system)
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = vendor_service.add_vendor(session, actor, fields)
        view = vendor_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "added")


@app.command("update")
@handle_errors
def update(
    org: OrgOption,
    vendor: IdArg,
    version: VersionOpt,
    name: TextOpt = None,
    kind: KindOpt = None,
    region: TextOpt = None,
    abroad: Annotated[bool | None, typer.Option("--abroad/--domestic")] = None,
    basis: Annotated[str | None, typer.Option("--basis")] = None,
    contract: Annotated[str | None, typer.Option("--contract")] = None,
    contract_start: DateOpt = None,
    contract_end: DateOpt = None,
    covers_ai_use: FlagOpt = None,
    covers_data_use: FlagOpt = None,
    covers_incidents: FlagOpt = None,
    covers_exit: FlagOpt = None,
    data: CategoriesOpt = None,
    last_review: DateOpt = None,
    review_result: TextOpt = None,
    next_review: DateOpt = None,
    contact: TextOpt = None,
    system: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a vendor (only the options given)."""
    changes = _fields(
        name=name, kind=kind, region=region, abroad=abroad, abroad_basis=basis,
        contract_ref=contract, contract_start=_day(contract_start),
        contract_end=_day(contract_end), covers_ai_use=covers_ai_use,
        covers_data_use=covers_data_use, covers_incidents=covers_incidents,
        covers_exit=covers_exit, data_categories=data, last_review=_day(last_review),
        review_result=review_result, next_review=_day(next_review), contact=contact,
        systems=system,
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = vendor_service.update_vendor(session, actor, vendor, changes, version)
        view = vendor_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "saved")


@app.command("change")
@handle_errors
def change(
    org: OrgOption,
    vendor: IdArg,
    version: VersionOpt,
    reason: Annotated[ChangeReason, typer.Option("--reason", help="What changed.")],
    detail: Annotated[str, typer.Option("--detail", help="In words.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a vendor changed; opens a review of each system that depends on it."""
    what = VendorChange(reason=reason, detail=detail)
    with database().transaction() as session:
        actor = principal(session, org, user)
        event = vendor_service.mark_changed(session, actor, vendor, what, version)
        view = vendor_service.event_view(event, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    opened = ", ".join(map(str, view.reviews)) or "none"
    console.print(f"vendor {vendor} changed; reviews opened for systems: {opened}", markup=False)


@app.command("archive")
@handle_errors
def archive(
    org: OrgOption,
    vendor: IdArg,
    version: VersionOpt,
    detail: Annotated[str, typer.Option("--detail", help="Why it is no longer used.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive (exit) a vendor; opens a review of each system that depended on it."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = vendor_service.archive_vendor(session, actor, vendor, version, detail)
        view = vendor_service.view(session, actor, row, ActorNames(session, actor))
    _show(view, as_json, "archived")
