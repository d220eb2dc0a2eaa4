"""``tekisei literacy``: AI literacy of the organisation's staff (1(2) AIリテラシー, 3(2)).

``modules`` lists the modules the project wrote; ``assign`` gives one to every member
(``--all``) or to the members named (``--member``, repeatable) with a due date;
``progress`` shows each member's assignments. Members take the quizzes themselves, on the
web or through the API, so there is no ``complete`` command."""

from __future__ import annotations

from datetime import date
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
    principal,
    print_json,
    resolve_lang,
    table,
)
from tekisei.core.literacy import summary_of
from tekisei.errors import InvalidInputError
from tekisei.services import literacy as literacy_service
from tekisei.services.literacy_content import MODULES
from tekisei.services.literacy_rules import RuleView

app = typer.Typer(help="AI literacy modules, assignments and progress.", no_args_is_help=True)


@app.command("modules")
@handle_errors
def modules(lang: LangOption = None, as_json: JsonOption = False) -> None:
    """List the modules (id, audience, questions, title)."""
    language = resolve_lang(lang)
    found = [summary_of(m, language) for m in MODULES]
    if as_json:
        print_json(found)
        return
    table(
        ["id", "audience", "questions", "title"],
        [[m.id, m.audience, m.questions, m.title] for m in found],
    )


@app.command("assign")
@handle_errors
def assign(
    module: Annotated[str, typer.Argument(help="The module's id (tekisei literacy modules).")],
    org: OrgOption,
    everyone: Annotated[bool, typer.Option("--all", help="Every member.")] = False,
    members: Annotated[
        list[str] | None, typer.Option("--member", help="A member's e-mail (repeatable).")
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help="Due date (YYYY-MM-DD).")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign a module to every member or to the members named, with a due date. With
    --all it is a standing rule: a member who joins later is assigned it too, due as many
    days after joining as the members of today have until --due."""
    if everyone == bool(members):
        raise InvalidInputError(
            "give either --all or one or more --member",
            ja="--all か、--member（複数可）のどちらか一方を指定してください。",
        )
    try:
        due_on = date.fromisoformat(due) if due else None
    except ValueError:
        raise typer.BadParameter("write the date as YYYY-MM-DD", param_hint="--due") from None
    with database().transaction() as session:
        actor = principal(session, org, user)
        ids = literacy_service.member_ids(session, actor, members) if members else None
        rows = literacy_service.assign(session, actor, module, ids, due_on)
        out = [
            {"id": r.id, "user_id": r.user_id, "module": r.module_id,
             "due_on": r.due_on.isoformat() if r.due_on else None}
            for r in rows
        ]  # fmt: skip
    if as_json:
        print_json(out)
        return
    console.print(f"assigned {module} to {len(out)} members", markup=False)


@app.command("progress")
@handle_errors
def progress(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Each member's assignments: due date, completed or overdue, best score."""
    with database().reading() as session:
        actor = principal(session, org, user)
        found = literacy_service.progress(session, actor)
    if as_json:
        print_json(found)
        return
    rows = []
    for member in found.members:
        for a in member.assignments:
            state = "completed" if a.completed_at else ("overdue" if a.overdue else "open")
            score = f"{a.score}/{a.total}" if a.score is not None else "-"
            rows.append([member.name, member.email or "", a.module,
                         a.due_on.isoformat() if a.due_on else "-", state, score,
                         "all" if a.by_rule else "named"])  # fmt: skip
    table(["member", "email", "module", "due", "state", "best score", "to"], rows)
    if found.rules:
        _rules_table(found.rules)


def _rules_table(rules: list[RuleView]) -> None:
    table(
        ["module", "newcomers due", "since", "by"],
        [[r.module, "-" if r.due_days is None else f"{r.due_days} days after joining",
          r.created_at.date().isoformat(), r.created_by] for r in rules],
        title="assigned to every member, present and future",
    )  # fmt: skip


@app.command("rules")
@handle_errors
def rules(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """The modules assigned to every member as a standing rule: a member who joins later
    is assigned them too (assign with --all to make one)."""
    with database().reading() as session:
        actor = principal(session, org, user)
        found = literacy_service.list_rules(session, actor)
    if as_json:
        print_json(found)
        return
    _rules_table(found)


@app.command("remove-rule")
@handle_errors
def remove_rule(
    module: Annotated[str, typer.Argument(help="The module's id.")],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Stop assigning MODULE to members who join from now on; the assignments made and
    every completion stay."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        literacy_service.remove_rule(session, actor, module)
    console.print(f"{module} is no longer assigned to members who join", markup=False)
