"""JSON API of AI literacy (guideline 1(2) AIリテラシー, 3(2), 4(2)).

Public, no sign-in: the modules (without their answers), the grading of a module's quiz
and the citizens' self-check — graded here and never stored or logged. Signed in: the
modules assigned to members, the quizzes members complete, and progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.literacy import (
    MAX_CHOICES,
    MAX_QUESTIONS,
    Graded,
    ModuleText,
    grade,
    grade_module,
    self_check_items,
    text_of,
)
from tekisei.services import literacy as literacy_service
from tekisei.services.literacy import CompletionResult, CompletionView, Progress
from tekisei.services.literacy_content import MODULES, module
from tekisei.services.literacy_rules import RuleView
from tekisei.web.api.common import IdField, IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["literacy"])
public_router = APIRouter(tags=["public"])

Lang = Literal["ja", "en"]
LangQuery = Annotated[Lang, Query(description="Language of the texts (ja or en)")]
ModulePath = Annotated[
    str,
    Path(
        min_length=2,
        max_length=60,
        pattern=r"^[a-z0-9][a-z0-9-]{1,59}$",
        description="A module's short id (GET /api/public/literacy/modules)",
    ),
]
Choice = Annotated[int, Field(ge=0, le=MAX_CHOICES - 1)]
SELF_CHECK_QUESTIONS = len(self_check_items(list(MODULES)))


class QuizAnswers(BaseModel):
    """The chosen choice of each question in order (from 0); null: left unanswered."""

    model_config = ConfigDict(extra="forbid")

    answers: list[Choice | None] = Field(max_length=max(MAX_QUESTIONS, SELF_CHECK_QUESTIONS))


class SelfCheckQuestion(BaseModel):
    """A question of the self-check (its answer stays on the server)."""

    number: int
    module: str
    question: str
    choices: list[str]


class Assign(BaseModel):
    """Assign a module to every member (``users`` omitted or null) or to the members
    named, with an optional due date."""

    model_config = ConfigDict(extra="forbid")

    module: Annotated[str, Field(min_length=2, max_length=60)]
    users: list[IdField] | None = Field(default=None, max_length=literacy_service.MAX_MEMBERS)
    due_on: date | None = None


class AssignmentOut(BaseModel):
    """An assignment as stored."""

    id: int
    user_id: int
    module: str
    due_on: date | None


# ----------------------------------------------------------------------------- public


@public_router.get("/api/public/literacy/modules", response_model=list[ModuleText])
def public_modules(lang: LangQuery = "ja") -> list[ModuleText]:
    """Every module to read, with its quiz but not the answers (grade with POST
    …/modules/{module}/check). Nothing about the reader is stored."""
    return [text_of(m, lang) for m in MODULES]


@public_router.get("/api/public/literacy/modules/{module_id}", response_model=ModuleText)
def public_module(module_id: ModulePath, lang: LangQuery = "ja") -> ModuleText:
    """One module to read, with its quiz but not the answers."""
    return text_of(module(module_id), lang)


@public_router.post("/api/public/literacy/modules/{module_id}/check", response_model=Graded)
def public_check(module_id: ModulePath, body: QuizAnswers, lang: LangQuery = "ja") -> Graded:
    """Grade answers to a module's quiz: the score, the correct answers and why. Nothing
    is stored or logged."""
    return grade_module(module(module_id), list(body.answers), lang)


@public_router.get("/api/public/literacy/self-check", response_model=list[SelfCheckQuestion])
def self_check_questions(lang: LangQuery = "ja") -> list[SelfCheckQuestion]:
    """The citizens' self-check: one question from each module written for the public."""
    return [
        SelfCheckQuestion(
            number=i,
            module=module_id,
            question=q.question.get(lang),
            choices=[c.get(lang) for c in q.choices],
        )
        for i, (module_id, q) in enumerate(self_check_items(list(MODULES)), start=1)
    ]


@public_router.post("/api/public/literacy/self-check", response_model=Graded)
def self_check(body: QuizAnswers, lang: LangQuery = "ja") -> Graded:
    """Grade the self-check: the score, the correct answers and why, each with the module
    to read. Nothing is stored or logged — no record, no audit event."""
    return grade(self_check_items(list(MODULES)), list(body.answers), lang)


# ------------------------------------------------------------------------------ staff


@router.get("/api/literacy/progress", response_model=Progress)
def progress(request: Request, principal: PrincipalDep) -> Progress:
    """Each member's assignments and passed modules (administrators: everyone; other
    members: themselves)."""
    with reading(request) as session:
        return literacy_service.progress(session, principal)


@router.get("/api/literacy/progress/{user_id}", response_model=Progress)
def member_progress(request: Request, principal: PrincipalDep, user_id: IdPath) -> Progress:
    """One member's progress (administrators, or the member themselves)."""
    with reading(request) as session:
        return literacy_service.progress(session, principal, user_id)


@router.post("/api/literacy/assignments", response_model=list[AssignmentOut], status_code=201)
def assign(request: Request, principal: PrincipalDep, body: Assign) -> list[AssignmentOut]:
    """Assign a module to every member or to chosen members, with a due date
    (administrators). A member who has it already gets the new due date."""
    with transaction(request) as session:
        rows = literacy_service.assign(session, principal, body.module, body.users, body.due_on)
        return [
            AssignmentOut(id=r.id, user_id=r.user_id, module=r.module_id, due_on=r.due_on)
            for r in rows
        ]


@router.delete("/api/literacy/assignments/{assignment_id}", status_code=204)
def unassign(request: Request, principal: PrincipalDep, assignment_id: IdPath) -> None:
    """Withdraw an assignment (administrators); the member's completions stay."""
    with transaction(request) as session:
        literacy_service.unassign(session, principal, assignment_id)


@router.get("/api/literacy/rules", response_model=list[RuleView])
def rules(request: Request, principal: PrincipalDep) -> list[RuleView]:
    """The standing "every member" rules: modules a member who joins later is assigned
    too, due the rule's number of days after joining."""
    with reading(request) as session:
        return literacy_service.list_rules(session, principal)


@router.delete("/api/literacy/rules/{module_id}", status_code=204)
def remove_rule(request: Request, principal: PrincipalDep, module_id: ModulePath) -> None:
    """Remove a module's "every member" rule (administrators): members who join from now
    on are not assigned it; the assignments made and every completion stay."""
    with transaction(request) as session:
        literacy_service.remove_rule(session, principal, module_id)


@router.get("/api/literacy/completions", response_model=list[CompletionView])
def my_completions(request: Request, principal: PrincipalDep) -> list[CompletionView]:
    """The quizzes you took, newest first."""
    with reading(request) as session:
        return literacy_service.my_completions(session, principal)


@router.post(
    "/api/literacy/modules/{module_id}/complete",
    response_model=CompletionResult,
    status_code=201,
)
def complete(
    request: Request,
    principal: PrincipalDep,
    module_id: ModulePath,
    body: QuizAnswers,
    lang: LangQuery = "ja",
) -> CompletionResult:
    """Take a module's quiz as yourself: the attempt is kept (score, passed, the module's
    version) and counts towards your assignments."""
    with transaction(request) as session:
        return literacy_service.complete(session, principal, module_id, list(body.answers), lang)
