"""``tekisei procurements``: procurements of AI systems and services and their checklists
(guideline 3(1))."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
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
    principal,
    print_json,
    resolve_lang,
    table,
)
from tekisei.core.procurements import (
    AREAS,
    CHECKLIST,
    OUR_WORDING,
    Entry,
    ItemStatus,
    Kind,
    Phase,
)
from tekisei.errors import InvalidInputError
from tekisei.services import procurements as procurement_service
from tekisei.services.people import ActorNames
from tekisei.services.procurements import ProcurementView

app = typer.Typer(
    help="Procurements of AI systems and services and their checklists (3(1)).",
    no_args_is_help=True,
)

SystemArg = Annotated[int, typer.Argument(help="The system's id.", min=1, max=2**31 - 1)]
IdArg = Annotated[int, typer.Argument(help="The procurement's id.", min=1, max=2**31 - 1)]
VendorOption = Annotated[
    int | None, typer.Option("--vendor", help="The vendor's id.", min=1, max=2**31 - 1)
]
DateOption = Annotated[str | None, typer.Option(help="A day (YYYY-MM-DD); empty clears it.")]


def _summary(view: ProcurementView, said: str) -> None:
    done = view.completeness
    console.print(
        f"procurement {view.id} {said}: {view.title} — {view.phase.value}, "
        f"{done.settled}/{done.applicable} items settled (version {view.version})",
        markup=False,
    )
    if done.gaps:
        console.print(f"  not in the contract yet: {', '.join(done.gaps)}", markup=False)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"write the day {value!r} as YYYY-MM-DD",
            ja=f"日付 {value!r} は YYYY-MM-DD の形で書いてください。",
        ) from None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise InvalidInputError(
            f"write {text!r} as ITEM=VALUE",
            ja=f"{text!r} は 項目ID=値 の形で書いてください。",
        )
    return key.strip(), value.strip()


@app.command("checklist")
@handle_errors
def checklist(lang: LangOption = None, as_json: JsonOption = False) -> None:
    """Show the procurement checklist (tekisei's wording, not an official text)."""
    chosen = resolve_lang(lang)
    if as_json:
        print_json(
            [
                {"id": i.id, "area": i.area.value, "applies": i.applies.value,
                 "ja": i.ja, "en": i.en}
                for i in CHECKLIST
            ]
        )  # fmt: skip
        return
    pick = 0 if chosen == "ja" else 1
    console.print(OUR_WORDING[pick], markup=False)
    table(
        ["item", "area", "applies", "text"],
        [
            [i.id, AREAS[i.area][pick], i.applies.value, i.ja if chosen == "ja" else i.en]
            for i in CHECKLIST
        ],
    )


@app.command("list")
@handle_errors
def list_procurements(
    org: OrgOption, system: SystemArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """List the system's procurements, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        rows = procurement_service.list_procurements(session, actor, system)
        views = [procurement_service.view(session, r, actors) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "title", "vendor", "phase", "settled"],
        [
            [v.id, v.title, v.vendor_name or "", v.phase.value,
             f"{v.completeness.settled}/{v.completeness.applicable}"]
            for v in views
        ],
    )  # fmt: skip


@app.command("create")
@handle_errors
def create(
    org: OrgOption,
    system: SystemArg,
    title: Annotated[str, typer.Option("--title", help="What is bought.")],
    kind: Annotated[Kind, typer.Option("--kind", help="system or service.")] = Kind.SERVICE,
    phase: Annotated[Phase, typer.Option("--phase")] = Phase.PLANNING,
    vendor: VendorOption = None,
    reference: Annotated[str, typer.Option("--reference", help="Tender/contract no.")] = "",
    tender_on: DateOption = None,
    contract_on: DateOption = None,
    ends_on: DateOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a procurement for the system; every checklist item starts open."""
    fields = procurement_service.validated(
        {"title": title, "kind": kind, "phase": phase, "vendor_id": vendor,
         "reference": reference, "tender_on": _day(tender_on),
         "contract_on": _day(contract_on), "ends_on": _day(ends_on)}
    )  # fmt: skip
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = procurement_service.create_procurement(session, actor, system, fields)
        view = procurement_service.view(session, row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    _summary(view, "recorded")


@app.command("show")
@handle_errors
def show(
    org: OrgOption,
    system: SystemArg,
    procurement: IdArg,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a procurement and its checklist."""
    with database().reading() as session:
        actor = principal(session, org, user)
        row = procurement_service.get_procurement(session, actor, system, procurement)
        view = procurement_service.view(session, row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    chosen = resolve_lang(lang)
    _summary(view, "")
    table(
        ["item", "status", "note"],
        [[k, e.status.value, e.note] for k, e in view.checklist.items()],
        title=OUR_WORDING[0 if chosen == "ja" else 1],
    )


@app.command("set")
@handle_errors
def set_items(
    org: OrgOption,
    system: SystemArg,
    procurement: IdArg,
    version: Annotated[int, typer.Option("--version", help="The version you read.", min=1)],
    item: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            help="ITEM=open|in_tender|in_contract|confirmed|not_applicable (repeatable).",
        ),
    ] = None,
    note: Annotated[
        list[str] | None, typer.Option("--note", help="ITEM=text (repeatable).")
    ] = None,
    phase: Annotated[Phase | None, typer.Option("--phase", help="Move to this phase.")] = None,
    vendor: VendorOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fill checklist items (a note per item; not_applicable needs the reason), and
    optionally move the procurement to another phase or name its vendor."""
    notes = dict(_pair(n) for n in note or [])
    entries: dict[str, Entry] = {}
    statuses = {s.value for s in ItemStatus}
    for given in item or []:
        key, value = _pair(given)
        if value not in statuses:
            raise InvalidInputError(
                f"item {key}: the status is one of {', '.join(sorted(statuses))}, not {value!r}",
                ja=f"項目 {key} の状況は {'、'.join(sorted(statuses))} のいずれかです。",
            )
        entries[key] = Entry(status=ItemStatus(value), note=notes.get(key, ""))
    for key in set(notes) - set(entries):
        raise InvalidInputError(
            f"--note {key}=… needs --item {key}=STATUS",
            ja=f"--note {key}=… には --item {key}=状況 も指定してください。",
        )
    changes: dict[str, Any] = {}
    if phase is not None:
        changes["phase"] = phase
    if vendor is not None:
        changes["vendor_id"] = vendor
    if not entries and not changes:
        raise InvalidInputError(
            "give --item, --phase or --vendor",
            ja="--item、--phase、--vendor のいずれかを指定してください。",
        )
    with database().transaction() as session:
        actor = principal(session, org, user)
        if entries:
            row = procurement_service.set_items(session, actor, system, procurement, entries,
                                                version)  # fmt: skip
            version = row.version
        if changes:
            row = procurement_service.update_procurement(
                session, actor, system, procurement, changes, version
            )
        view = procurement_service.view(session, row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    _summary(view, "saved")


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    system: SystemArg,
    procurement: IdArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
) -> None:
    """Write the checklist as a tender annex (CSV, UTF-8 with a BOM; formula-like cells
    are kept as text)."""
    chosen = resolve_lang(lang)
    with database().reading() as session:
        actor = principal(session, org, user)
        row = procurement_service.get_procurement(session, actor, system, procurement)
        view = procurement_service.view(session, row, ActorNames(session, actor))
    text = procurement_service.annex_csv(view, chosen)
    if output is None:
        sys.stdout.write(text.removeprefix("\ufeff"))
        return
    output.write_text(text, encoding="utf-8", newline="")
    console.print(f"wrote {output} ({len(view.checklist)} items)", markup=False)
