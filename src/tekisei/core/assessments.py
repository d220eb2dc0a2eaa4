"""Assessments: answers to guideline requirements, their scores, and how an answer given
once is read in every framework linked to it by the crosswalks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.catalog import Relation
from tekisei.core.orgs import UserId

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class AnswerState(StrEnum):
    """How far a requirement is met."""

    NOT_STARTED = "not_started"
    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_APPLICABLE = "not_applicable"


class AnswerBase(BaseModel):
    """What an assessor records for one requirement, apart from who owns it."""

    model_config = ConfigDict(extra="forbid")

    state: AnswerState = AnswerState.NOT_STARTED
    notes: Text = ""
    justification: Text = ""

    @model_validator(mode="after")
    def _not_applicable_needs_a_reason(self) -> Self:
        if self.state is AnswerState.NOT_APPLICABLE and not self.justification:
            raise ValueError(
                "say why the requirement does not apply: 'not applicable' needs a justification"
            )
        return self


class AnswerFields(AnswerBase):
    """What an assessor records for one requirement, with its owner: a member of the
    organisation."""

    owner_id: UserId | None = Field(
        default=None,
        description="The member who owns the answer: a user id of the organisation "
        "(GET /api/orgs/current/members)",
    )
    owner_text: ShortText = Field(
        default="",
        description="The owner as written before owners were chosen from members; it can be "
        "kept or cleared, not changed, and choosing owner_id clears it",
    )


# The ten elements of 1(2), as catalog refs of the guideline.
ELEMENTS: tuple[str, ...] = (
    "1.2.human-centric",
    "1.2.fairness",
    "1.2.safety",
    "1.2.transparency",
    "1.2.accountability",
    "1.2.security",
    "1.2.privacy",
    "1.2.fair-competition",
    "1.2.ai-literacy",
    "1.2.innovation",
)

# Which elements each duty of sections 1(3)-4 and the footnotes mainly serves. The ◇
# points of 1(2) belong to their own element.
ELEMENT_OF: dict[str, tuple[str, ...]] = {
    "1.3.1": ("1.2.safety", "1.2.accountability"),
    "fn8": ("1.2.safety", "1.2.security"),
    "1.3.2": ("1.2.human-centric", "1.2.transparency"),
    "1.3.3": ("1.2.accountability",),
    "1.3.4": ("1.2.accountability", "1.2.innovation"),
    "2.1": ("1.2.accountability",),
    "fn15": ("1.2.accountability",),
    "fn16": ("1.2.accountability", "1.2.transparency"),
    "2.2": ("1.2.transparency", "1.2.privacy"),
    "fn17": ("1.2.transparency",),
    "fn18": ("1.2.transparency", "1.2.fairness"),
    "2.3": ("1.2.safety", "1.2.security", "1.2.fairness"),
    "2.4": ("1.2.safety",),
    "2.5": ("1.2.privacy", "1.2.fair-competition", "1.2.innovation"),
    "3.1": ("1.2.innovation",),
    "3.2": ("1.2.ai-literacy",),
    "3.3": ("1.2.accountability", "1.2.innovation"),
    "3.4": ("1.2.accountability", "1.2.transparency"),
    "fn20": ("1.2.accountability",),
    "4.1": ("1.2.human-centric",),
    "4.2": ("1.2.ai-literacy",),
}


def elements_of(ref: str) -> tuple[str, ...]:
    """The elements of 1(2) a guideline requirement serves."""
    for element in ELEMENTS:
        if ref.startswith(element + "."):
            return (element,)
    return ELEMENT_OF.get(ref, ())


@dataclass
class Score:
    """Counts of answers and the two ratios shown to users.

    Completeness is the share of requirements answered (anything but not started).
    Conformity is implemented (1) and partial (½) over the answered requirements that
    apply (not applicable excluded).
    """

    total: int = 0
    implemented: int = 0
    partial: int = 0
    not_implemented: int = 0
    not_applicable: int = 0

    def add(self, state: AnswerState) -> None:
        """Count one requirement in ``state``."""
        self.total += 1
        if state is AnswerState.IMPLEMENTED:
            self.implemented += 1
        elif state is AnswerState.PARTIAL:
            self.partial += 1
        elif state is AnswerState.NOT_IMPLEMENTED:
            self.not_implemented += 1
        elif state is AnswerState.NOT_APPLICABLE:
            self.not_applicable += 1

    @property
    def answered(self) -> int:
        """Requirements with an answer."""
        return self.implemented + self.partial + self.not_implemented + self.not_applicable

    @property
    def completeness(self) -> float:
        """Answered over total (1.0 when there is nothing to answer)."""
        return self.answered / self.total if self.total else 1.0

    @property
    def conformity(self) -> float:
        """(implemented + ½ partial) over answered-and-applicable (0.0 when none)."""
        applicable = self.implemented + self.partial + self.not_implemented
        return (self.implemented + 0.5 * self.partial) / applicable if applicable else 0.0


@dataclass(frozen=True)
class Answered:
    """One requirement and its state, as scoring sees it."""

    ref: str
    group: str
    state: AnswerState


@dataclass
class Scores:
    """Scores overall, per requirement group (chapter) and per element of 1(2)."""

    overall: Score = field(default_factory=Score)
    groups: dict[str, Score] = field(default_factory=dict)
    elements: dict[str, Score] = field(default_factory=lambda: {e: Score() for e in ELEMENTS})


def score(answers: Iterable[Answered]) -> Scores:
    """Count answers overall, per group and per element."""
    result = Scores()
    for answer in answers:
        result.overall.add(answer.state)
        result.groups.setdefault(answer.group, Score()).add(answer.state)
        for element in elements_of(answer.ref):
            result.elements[element].add(answer.state)
    return result


GAP_ORDER = {
    AnswerState.NOT_IMPLEMENTED: 0,
    AnswerState.NOT_STARTED: 1,
    AnswerState.PARTIAL: 2,
}


def is_gap(state: AnswerState) -> bool:
    """Whether a requirement still needs work."""
    return state in GAP_ORDER


# ----------------------------------------------------------------------------- framework views


class TransferKind(StrEnum):
    """How much of a guideline answer carries over to a linked requirement."""

    FULL = "full"
    PART = "part"
    NONE = "none"


def transfer(relation: Relation) -> TransferKind:
    """What a guideline answer says about a target requirement, given "guideline item is
    <relation> target".

    Equal or superset: the guideline item covers the target, so its state carries over.
    Subset or intersect: it covers part of the target, so at most "partial" carries over.
    Related: same subject, different demands; nothing carries over.
    """
    if relation in (Relation.EQUAL, Relation.SUPERSET):
        return TransferKind.FULL
    if relation in (Relation.SUBSET, Relation.INTERSECT):
        return TransferKind.PART
    return TransferKind.NONE


@dataclass(frozen=True)
class Source:
    """A guideline answer that a framework view draws on."""

    urn: str
    section: str
    relation: Relation
    state: AnswerState

    @property
    def kind(self) -> TransferKind:
        """How much of this answer carries over."""
        return transfer(self.relation)


def derive(sources: list[Source]) -> AnswerState | None:
    """The state of a target requirement derived from guideline answers.

    Returns:
        None when no source carries anything over (the requirement has no counterpart
        and needs a direct answer).
    """
    carrying = [s for s in sources if s.kind is not TransferKind.NONE]
    if not carrying:
        return None
    full = [s.state for s in carrying if s.kind is TransferKind.FULL]
    part = [s.state for s in carrying if s.kind is TransferKind.PART]
    states = full + part
    if AnswerState.IMPLEMENTED in full:
        return AnswerState.IMPLEMENTED
    if AnswerState.PARTIAL in full or {AnswerState.IMPLEMENTED, AnswerState.PARTIAL} & set(part):
        return AnswerState.PARTIAL
    if AnswerState.NOT_IMPLEMENTED in states:
        return AnswerState.NOT_IMPLEMENTED
    if states and all(s is AnswerState.NOT_APPLICABLE for s in states):
        return AnswerState.NOT_APPLICABLE
    return AnswerState.NOT_STARTED
