"""AI literacy (guideline 1(2) AIリテラシー, 3(2), 4(2)): the modules the project wrote, each
with a short quiz, and how answers are graded.

The modules live as package data (``catalogs/literacy/*.yaml``) and are validated by
:class:`Module` when they are loaded. Grading is pure: the same answers always give the
same result, and nothing here stores anything — the public self-check keeps nothing at all,
and a member's completion is stored by ``services/literacy.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.catalog import Lang, Localized

ModuleId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$", min_length=2, max_length=60)
]
"""A module's stable short id (``what-ai-is``); it appears in addresses and records."""

Audience = Literal["public", "staff"]
"""Who a module is written for: anyone, or the staff of an organisation."""

PASS_PERCENT = 60
"""A quiz is passed with at least this share of correct answers (2 of 3, 3 of 4 or 5)."""
MIN_QUESTIONS = 3
MAX_QUESTIONS = 5
MAX_CHOICES = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Strict):
    """One short section of a module: a heading and paragraphs (blank lines between)."""

    heading: Localized
    body: Localized

    def paragraphs(self, lang: Lang) -> list[str]:
        """The body's paragraphs in ``lang``."""
        return [p.strip() for p in self.body.get(lang).split("\n\n") if p.strip()]


class Question(_Strict):
    """A multiple-choice question: the choices, the correct one (from 0) and a one-line
    explanation shown after answering."""

    question: Localized
    choices: list[Localized] = Field(min_length=2, max_length=MAX_CHOICES)
    answer: int = Field(ge=0)
    explanation: Localized

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Question:
        if self.answer >= len(self.choices):
            raise ValueError(f"answer {self.answer} is not one of the {len(self.choices)} choices")
        return self


class Module(_Strict):
    """One literacy module: title, summary, sections and a quiz, in Japanese and English."""

    id: ModuleId
    version: int = Field(ge=1)
    """Raised when the content changes in substance; completions record the version."""
    order: int = Field(ge=1)
    audience: Audience
    refs: list[str] = Field(min_length=1)
    """The guideline items (catalog references such as ``4.2``) the module teaches."""
    title: Localized
    summary: Localized
    sections: list[Section] = Field(min_length=2, max_length=6)
    quiz: list[Question] = Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS)


class ModuleSummary(BaseModel):
    """A module as the list shows it, in one language."""

    id: str
    version: int
    audience: Audience
    title: str
    summary: str
    questions: int


class SectionText(BaseModel):
    """A section in one language."""

    heading: str
    paragraphs: list[str]


class QuestionText(BaseModel):
    """A question in one language, without its answer (graded on the server)."""

    number: int
    """From 1."""
    question: str
    choices: list[str]


class ModuleText(ModuleSummary):
    """A module to read and take, in one language (the answers are not included)."""

    refs: list[str]
    sections: list[SectionText]
    quiz: list[QuestionText]


def summary_of(module: Module, lang: Lang) -> ModuleSummary:
    """The module as the list shows it in ``lang``."""
    return ModuleSummary(
        id=module.id,
        version=module.version,
        audience=module.audience,
        title=module.title.get(lang),
        summary=module.summary.get(lang),
        questions=len(module.quiz),
    )


def _question_text(number: int, question: Question, lang: Lang) -> QuestionText:
    return QuestionText(
        number=number,
        question=question.question.get(lang),
        choices=[c.get(lang) for c in question.choices],
    )


def text_of(module: Module, lang: Lang) -> ModuleText:
    """The module to read and take in ``lang``."""
    return ModuleText(
        **summary_of(module, lang).model_dump(),
        refs=list(module.refs),
        sections=[
            SectionText(heading=s.heading.get(lang), paragraphs=s.paragraphs(lang))
            for s in module.sections
        ],
        quiz=[_question_text(i, q, lang) for i, q in enumerate(module.quiz, start=1)],
    )


class GradedQuestion(BaseModel):
    """One question after grading: what was chosen, what is correct, and why."""

    number: int
    question: str
    choices: list[str]
    chosen: int | None
    """The choice given (from 0); None: left unanswered."""
    correct: int
    right: bool
    explanation: str
    module: str
    """The module the question comes from (the self-check draws from several)."""


class Graded(BaseModel):
    """A quiz after grading."""

    score: int
    total: int
    percent: int
    passed: bool
    """At least :data:`PASS_PERCENT` correct."""
    questions: list[GradedQuestion]


Answers = list[int | None]
"""The chosen choice of each question in order (from 0); None: unanswered."""


def passes(score: int, total: int) -> bool:
    """Whether ``score`` of ``total`` passes (:data:`PASS_PERCENT`)."""
    return total > 0 and score * 100 >= PASS_PERCENT * total


def grade(items: list[tuple[str, Question]], answers: Answers, lang: Lang) -> Graded:
    """Grade ``answers`` against the questions (each with its module's id); a missing or
    out-of-range answer counts as unanswered, never as an error."""
    graded: list[GradedQuestion] = []
    for number, (module_id, question) in enumerate(items, start=1):
        given = answers[number - 1] if number - 1 < len(answers) else None
        chosen = given if given is not None and 0 <= given < len(question.choices) else None
        graded.append(
            GradedQuestion(
                number=number,
                question=question.question.get(lang),
                choices=[c.get(lang) for c in question.choices],
                chosen=chosen,
                correct=question.answer,
                right=chosen == question.answer,
                explanation=question.explanation.get(lang),
                module=module_id,
            )
        )
    score = sum(1 for g in graded if g.right)
    total = len(graded)
    return Graded(
        score=score,
        total=total,
        percent=(score * 100 // total) if total else 0,
        passed=passes(score, total),
        questions=graded,
    )


def grade_module(module: Module, answers: Answers, lang: Lang) -> Graded:
    """Grade a module's quiz."""
    return grade([(module.id, q) for q in module.quiz], answers, lang)


def self_check_items(modules: list[Module]) -> list[tuple[str, Question]]:
    """The citizens' self-check: the first question of each module written for the public,
    in the modules' order."""
    return [(m.id, m.quiz[0]) for m in modules if m.audience == "public"]


def overdue(due_on: date | None, done: bool, today: date) -> bool:
    """Whether an assignment is overdue: not completed and its due date has passed."""
    return not done and due_on is not None and due_on < today
