"""``tekisei judgements``: DS-920 high-risk judgements of systems (guideline 3(1))."""

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
from tekisei.core.judgements import OUR_WORDING, PERSPECTIVES, QUESTIONS, Answer, Perspective, Reply
from tekisei.errors import InvalidInputError
from tekisei.services import judgements as judgement_service
from tekisei.services.judgements import JudgementView
from tekisei.services.people import ActorNames

app = typer.Typer(help="High-risk judgements of systems (DS-920, 3(1)).", no_args_is_help=True)

SystemArg = Annotated[int, typer.Argument(help="The system's id.", min=1, max=2**31 - 1)]
IdArg = Annotated[int, typer.Argument(help="The judgement's id.", min=1, max=2**31 - 1)]


def _show(view: JudgementView, as_json: bool, said: str) -> None:
    if as_json:
        print_json(view)
        return
    outcome = "high-risk" if view.high_risk else "not high-risk"
    console.print(
        f"judgement {view.id} (#{view.number}) {said}: {outcome}"
        + (f", {len(view.unanswered)} unanswered" if view.unanswered else "")
        + (" — stale, to be redone" if view.stale else "")
        + f" (version {view.version})",
        markup=False,
    )
    for reason in view.reasons:
        console.print(f"  {reason.en}", markup=False)
    if view.stale:
        console.print(f"  facts changed since: {', '.join(view.changed_facts)}", markup=False)
    if view.redo_of is not None and not view.signed:
        console.print(
            f"  redoes judgement {view.redo_of.id} (#{view.redo_of.number}); facts changed "
            f"since: {', '.join(view.redo_of.changed_facts) or 'none'}; sign with --confirm "
            "for each perspective (users, work, data, output)",
            markup=False,
        )


@app.command("show")
@handle_errors
def show(
    org: OrgOption,
    system: SystemArg,
    judgement: Annotated[int | None, typer.Option("--id", help="A judgement's id.")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the sheet's questions (tekisei's wording) and the judgement in force, or the
    judgement ``--id``."""
    with database().reading() as session:
        actor = principal(session, org, user)
        row = (
            judgement_service.in_force(session, actor, system)
            if judgement is None
            else judgement_service.get_judgement(session, actor, system, judgement)
        )
        actors = ActorNames(session, actor)
        view = None if row is None else judgement_service.view(session, row, actors)
    if as_json:
        print_json(view)
        return
    console.print(OUR_WORDING[1], markup=False)
    table(
        ["question", "perspective", "text"],
        [[q.id, PERSPECTIVES[q.perspective][0], q.en] for q in QUESTIONS],
    )
    if view is None:
        console.print("no signed judgement yet", markup=False)
    else:
        _show(view, False, "signed" if view.signed else "draft")


@app.command("answer")
@handle_errors
def answer(
    org: OrgOption,
    system: SystemArg,
    reply: Annotated[
        list[str],
        typer.Option("--answer", help="QUESTION=yes|no|unsure (repeatable)."),
    ],
    note: Annotated[
        list[str] | None, typer.Option("--note", help="QUESTION=text (repeatable).")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="The draft's version you read.", min=1)
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer questions of the system's draft judgement (started when there is none)."""
    notes = dict(_pair(n) for n in note or [])
    answers: dict[str, Answer] = {}
    for item in reply:
        question, value = _pair(item)
        if value not in ("yes", "no", "unsure"):
            raise InvalidInputError(
                f"answer {question} with yes, no or unsure, not {value!r}",
                ja=f"設問 {question} には yes、no、unsure のいずれかで答えてください。",
            )
        chosen: Reply = value  # type: ignore[assignment]
        answers[question] = Answer(answer=chosen, note=notes.get(question, ""))
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = judgement_service.answer(session, actor, system, answers, version)
        view = judgement_service.view(session, row, ActorNames(session, actor))
    _show(view, as_json, "answered")


def _pair(text: str) -> tuple[str, str]:
    question, sep, value = text.partition("=")
    if not sep:
        raise InvalidInputError(
            f"write {text!r} as QUESTION=VALUE",
            ja=f"{text!r} は 設問ID=値 の形で書いてください。",
        )
    return question.strip(), value.strip()


@app.command("sign")
@handle_errors
def sign(
    org: OrgOption,
    system: SystemArg,
    judgement: IdArg,
    version: Annotated[int, typer.Option("--version", help="The version you read.", min=1)],
    confirm: Annotated[
        list[Perspective] | None,
        typer.Option(
            "--confirm",
            help="For a redo of a stale judgement: a perspective you confirmed again against "
            "today's facts (repeat for each of users, work, data, output).",
        ),
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign a complete draft (administrators and executives). A redo of a stale judgement
    needs --confirm for every perspective."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        confirmed = [p.value for p in confirm or []]
        row = judgement_service.sign(session, actor, system, judgement, version, confirmed)
        view = judgement_service.view(session, row, ActorNames(session, actor))
    _show(view, as_json, "signed")


@app.command("list")
@handle_errors
def list_judgements(
    org: OrgOption, system: SystemArg, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """List the system's judgements, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        rows = judgement_service.list_judgements(session, actor, system)
        views = [judgement_service.view(session, r, ActorNames(session, actor)) for r in rows]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "#", "outcome", "signed by", "state"],
        [
            [v.id, v.number, "high-risk" if v.high_risk else "not high-risk",
             v.signed_by or "", _state(v)]
            for v in views
        ],
    )  # fmt: skip


def _state(view: JudgementView) -> str:
    if not view.signed:
        return "draft"
    if view.superseded:
        return "superseded"
    return "stale" if view.stale else "in force"
