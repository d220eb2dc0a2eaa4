"""Records of AI-assisted administrative decisions (guideline 3(4): nothing about a
decision may become opaque).

A record says, for one case of a case system, what was decided and on what grounds, what
the AI contributed (its suggestion and a :class:`Contribution` kind), whether the human
who reviewed and decided kept, changed or overrode the AI's suggestion
(:class:`Outcome`), who that human was and when. Records are kept
:attr:`DecisionSettings.retention_days` after the decision, then purged.

This module holds the vocabulary, the limits, the CSV columns and the statistics; it
knows nothing of files or databases.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.text import VisibleText

MAX_CASE_REF = 100
"""Characters of a case reference (the case system's id)."""
MAX_DECISION = 2000
MAX_GROUNDS = 4000
MAX_SUGGESTION = 4000
MAX_REVIEWER = 200
MAX_ROWS = 50_000
"""Rows of one imported file (a month of a busy case system); a larger file is refused."""
MAX_BYTES = 20 * 1024 * 1024
MAX_PUBLISHED = 1000
"""Systems whose statistics one organisation publishes."""
MAX_PUBLIC_RECORDS = 1000
"""Anonymised records the public register shows per system (the newest)."""
DEFAULT_RETENTION_DAYS = 5 * 365 + 1
"""Five years: the longest retention of ordinary administrative documents."""


class Contribution(StrEnum):
    """What the AI contributed to the decision."""

    PROPOSAL = "proposal"
    """Proposed the decision itself (grant, refuse, amount …)."""
    DRAFT = "draft"
    """Drafted the decision's text or its grounds."""
    SCREENING = "screening"
    """Sorted, prioritised or flagged the case."""
    CHECK = "check"
    """Checked a human's draft for errors or omissions."""
    INFORMATION = "information"
    """Found or summarised information the reviewer used."""
    OTHER = "other"


class Outcome(StrEnum):
    """What the reviewer did with the AI's suggestion."""

    KEPT = "kept"
    CHANGED = "changed"
    OVERRIDDEN = "overridden"


CONTRIBUTION_JA: dict[Contribution, str] = {
    Contribution.PROPOSAL: "決定案の提示",
    Contribution.DRAFT: "文案の作成",
    Contribution.SCREENING: "振り分け・優先順位付け",
    Contribution.CHECK: "誤りの点検",
    Contribution.INFORMATION: "情報の検索・要約",
    Contribution.OTHER: "その他",
}
OUTCOME_JA: dict[Outcome, str] = {
    Outcome.KEPT: "採用",
    Outcome.CHANGED: "修正",
    Outcome.OVERRIDDEN: "不採用",
}


class Decision(BaseModel):
    """One decision as imported (what a row of the CSV file holds)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    case_ref: VisibleText = Field(min_length=1, max_length=MAX_CASE_REF)
    decided_on: date
    decision: VisibleText = Field(min_length=1, max_length=MAX_DECISION)
    grounds: VisibleText = Field(default="", max_length=MAX_GROUNDS)
    contribution: Contribution
    ai_suggestion: VisibleText = Field(default="", max_length=MAX_SUGGESTION)
    outcome: Outcome
    reviewer: VisibleText = Field(min_length=1, max_length=MAX_REVIEWER)
    """A member's email address, or the name of the person who reviewed and decided."""


class DecisionSettings(BaseModel):
    """How long an organisation keeps decision records, and the systems whose anonymised
    statistics it publishes."""

    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=30, le=36_500)
    published: list[int] = Field(default_factory=list, max_length=MAX_PUBLISHED)
    """Ids of the systems whose statistics are public (counts and shares, no cases)."""
    publish_records: bool = False
    """Whether the anonymised records of those systems are public too (no case reference,
    no person, no free text: the month, the AI's contribution and the review outcome)."""


@dataclass(frozen=True)
class Column:
    """One column of the CSV file: the field, its headers, whether it must be filled."""

    key: str
    ja: str
    en: str
    required: bool
    limit: int = 0


COLUMNS: tuple[Column, ...] = (
    Column("case_ref", "案件番号", "Case reference", True, MAX_CASE_REF),
    Column("decided_on", "決定日", "Decided on", True),
    Column("decision", "決定内容", "Decision", True, MAX_DECISION),
    Column("grounds", "根拠", "Grounds", False, MAX_GROUNDS),
    Column("contribution", "AIの関与", "AI contribution", True),
    Column("ai_suggestion", "AIの提案", "AI suggestion", False, MAX_SUGGESTION),
    Column("outcome", "審査結果", "Outcome", True),
    Column("reviewer", "審査・決定者", "Reviewer", True, MAX_REVIEWER),
)
"""The documented header (docs/decisions.md), in this order in the template."""


def fold(text: str) -> str:
    """Text as compared for headers and words: NFKC, spaces removed, case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def header_map(cells: Iterable[str]) -> tuple[dict[int, Column], list[str], list[str]]:
    """The header's cells matched to :data:`COLUMNS` (index → column), the headers of
    required columns it lacks, and the columns it names more than once (whichever of the
    two the reader meant, the other would be dropped without a word)."""
    names = {fold(name): c for c in COLUMNS for name in (c.key, c.ja, c.en)}
    found: dict[int, Column] = {}
    twice: list[str] = []
    for index, cell in enumerate(cells):
        column = names.get(fold(cell))
        if column is None:
            continue
        if column in found.values():
            twice.append(column.ja + " / " + column.en)
        else:
            found[index] = column
    missing = [c.ja + " / " + c.en for c in COLUMNS if c.required and c not in found.values()]
    return found, missing, list(dict.fromkeys(twice))


def contribution_of(text: str) -> Contribution | None:
    """The contribution ``text`` names: its code or its Japanese word."""
    key = fold(text)
    for kind in Contribution:
        if key in (kind.value, fold(CONTRIBUTION_JA[kind])):
            return kind
    return None


def outcome_of(text: str) -> Outcome | None:
    """The outcome ``text`` names: its code or its Japanese word."""
    key = fold(text)
    for kind in Outcome:
        if key in (kind.value, fold(OUTCOME_JA[kind])):
            return kind
    return None


class Tally(BaseModel):
    """How often the reviewers kept, changed or overrode the AI's suggestion."""

    count: int
    kept: int
    changed: int
    overridden: int
    kept_share: float | None
    """Share of the count, 0 to 1 rounded to 3 places (None: no decisions)."""
    changed_share: float | None
    overridden_share: float | None


class MonthTally(Tally):
    """One calendar month's tally (``month`` as YYYY-MM)."""

    month: str


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def tally(outcomes: Iterable[Outcome]) -> Tally:
    """The tally of ``outcomes``."""
    counts = Counter(outcomes)
    total = sum(counts.values())
    return Tally(
        count=total,
        kept=counts[Outcome.KEPT],
        changed=counts[Outcome.CHANGED],
        overridden=counts[Outcome.OVERRIDDEN],
        kept_share=_share(counts[Outcome.KEPT], total),
        changed_share=_share(counts[Outcome.CHANGED], total),
        overridden_share=_share(counts[Outcome.OVERRIDDEN], total),
    )


def by_month(rows: Iterable[tuple[date, Outcome]]) -> list[MonthTally]:
    """The tally of each calendar month that has decisions, oldest first."""
    months: dict[str, list[Outcome]] = {}
    for day, outcome in rows:
        months.setdefault(f"{day.year:04d}-{day.month:02d}", []).append(outcome)
    return [
        MonthTally(month=month, **tally(outcomes).model_dump())
        for month, outcomes in sorted(months.items())
    ]


class PublicDecision(BaseModel):
    """One decision as the public reads it: anonymised, with no case reference, no person
    and no free text."""

    month: str = Field(description="The month of the decision (YYYY-MM)")
    contribution: Contribution = Field(description="What the AI contributed")
    outcome: Outcome = Field(description="What the reviewer did with the AI's suggestion")
    changed: bool = Field(description="Whether the reviewer changed or overrode it")


class PublicDecisions(BaseModel):
    """A system's published decision statistics and, when the organisation opts in, its
    anonymised records (newest first)."""

    total: Tally
    months: list[MonthTally]
    records: list[PublicDecision] | None = Field(
        default=None, description="Anonymised records; absent unless the organisation opts in"
    )


def anonymised(decided_on: date, contribution: Contribution, outcome: Outcome) -> PublicDecision:
    """A record reduced to what may be published."""
    return PublicDecision(
        month=f"{decided_on.year:04d}-{decided_on.month:02d}",
        contribution=contribution,
        outcome=outcome,
        changed=outcome is not Outcome.KEPT,
    )
