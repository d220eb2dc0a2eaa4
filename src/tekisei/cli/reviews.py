"""``tekisei reviews``: PDCA cycles."""

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
from tekisei.core.reviews import Trigger
from tekisei.services import reviews as review_service
from tekisei.services.people import ActorNames

app = typer.Typer(help="Reviews (plan, do, check, act).", no_args_is_help=True)


@app.command("open")
@handle_errors
def open_command(
    system: Annotated[int, typer.Argument(metavar="SYSTEM")],
    org: OrgOption,
    trigger: Annotated[Trigger, typer.Option(help="Why.")] = Trigger.MANUAL,
    reason: Annotated[str, typer.Option(help="What happened.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a review of a system."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = review_service.view(
            review_service.open_review(session, actor, system, trigger, reason),
            ActorNames(session, actor),
        )
    if as_json:
        print_json(row)
        return
    console.print(f"review {row.id} open, due {row.due}", markup=False)


@app.command("record")
@handle_errors
def record(
    review: Annotated[int, typer.Argument(metavar="REVIEW")],
    org: OrgOption,
    phase: Annotated[str, typer.Option(help="plan, do, check or act.")],
    text: Annotated[str, typer.Option(help="The record.")],
    user: UserOption = None,
) -> None:
    """Write one PDCA record."""
    with database().transaction() as session:
        review_service.record_phase(session, principal(session, org, user), review, phase, text)
    console.print(f"review {review}: {phase} recorded", markup=False)


@app.command("complete")
@handle_errors
def complete(
    review: Annotated[int, typer.Argument(metavar="REVIEW")],
    org: OrgOption,
    maturity: Annotated[int, typer.Option(min=1, max=5, help="Maturity reached (1-5).")],
    user: UserOption = None,
) -> None:
    """Complete a review whose four records are written."""
    with database().transaction() as session:
        review_service.complete_review(session, principal(session, org, user), review, maturity)
    console.print(f"review {review} completed", markup=False)


@app.command("due")
@handle_errors
def due(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Every system's next review, overdue first."""
    with database().reading() as session:
        rows = review_service.due_list(session, principal(session, org, user))
    if as_json:
        print_json(rows)
        return
    table(
        ["system", "tier", "due", "overdue", "open review"],
        [[r.name, r.tier, r.due, "yes" if r.overdue else "", r.open_review or ""] for r in rows],
    )
