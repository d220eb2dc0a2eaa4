"""The public register of AI use (guideline 3(1): active and appropriate use by the
national and local governments; 3(4): accountability of administrative use): the
systems an organisation chooses to list, in a versioned format aggregators can collect.

The register says what each listed system is for, who answers for it, how far the AI
takes part in decisions, its risk tier and why, its stage, its published notice, its
vendors and when it was last reviewed; nothing internal (risks, notes, people's
addresses) is part of the format.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.decisions import PublicDecisions
from tekisei.core.systems import Autonomy
from tekisei.core.text import VisibleText

REGISTER_VERSION = 1
"""The version of the public register's format; raised on any change an aggregator would
notice (a field removed or its meaning changed)."""

MAX_ENTRIES = 5000
"""The most systems one register lists."""


class Contribution(StrEnum):
    """How far the AI takes part in the decisions the system is used for."""

    NONE = "none"
    """No decision about people is made with it (e.g. drafting, search)."""
    INFORMS = "informs"
    """It gives information a person weighs."""
    RECOMMENDS = "recommends"
    """It proposes an outcome; a person decides."""
    DECIDES_WITH_REVIEW = "decides_with_review"
    """Its outcome takes effect after or under a person's review."""
    DECIDES_ALONE = "decides_alone"
    """Its outcome takes effect without a person's review."""


CONTRIBUTION_NAMES: dict[Contribution, tuple[str, str]] = {
    Contribution.NONE: ("判断には関与しない", "takes no part in decisions"),
    Contribution.INFORMS: ("職員が判断する際の情報を示す", "informs a person's decision"),
    Contribution.RECOMMENDS: ("結果を提案し、職員が判断する", "recommends; a person decides"),
    Contribution.DECIDES_WITH_REVIEW: (
        "職員の確認のもとで結果を決める",
        "decides, with a person's review",
    ),
    Contribution.DECIDES_ALONE: ("人の確認なしに結果を決める", "decides without human review"),
}
"""Each contribution in words (Japanese, English)."""

_FROM_AUTONOMY = {
    Autonomy.ASSISTIVE: Contribution.RECOMMENDS,
    Autonomy.HUMAN_IN_THE_LOOP: Contribution.DECIDES_WITH_REVIEW,
    Autonomy.HUMAN_ON_THE_LOOP: Contribution.DECIDES_WITH_REVIEW,
    Autonomy.AUTONOMOUS: Contribution.DECIDES_ALONE,
}


def default_contribution(autonomy: Autonomy) -> Contribution:
    """The contribution a system's recorded autonomy suggests, until the organisation
    says otherwise."""
    return _FROM_AUTONOMY[autonomy]


Division = Annotated[VisibleText, StringConstraints(strip_whitespace=True, max_length=200)]


class EntryChoice(BaseModel):
    """List a system on the register (or change how it is listed)."""

    model_config = ConfigDict(extra="forbid")

    division: Division = Field(default="", description="The division responsible")
    contribution: Contribution | None = Field(
        default=None, description="The AI's part in decisions; by default, from its autonomy"
    )


class RegisterReason(BaseModel):
    """One reason for the tier, in Japanese and English."""

    code: str
    ja: str
    en: str


class RegisterEntry(BaseModel):
    """One listed system, as the public reads it."""

    name: str = Field(description="The system's name")
    purpose: str = Field(description="What it is used for")
    division: str = Field(description="The division responsible")
    contribution: Contribution = Field(description="The AI's part in decisions")
    tier: Literal["minimal", "limited", "high", "critical"] = Field(description="Risk tier")
    tier_reasons: list[RegisterReason] = Field(description="Why the tier is what it is")
    stage: str = Field(description="Lifecycle stage (plan, …, operate, retire)")
    domain: str = Field(description="Field of use")
    notice_url: str | None = Field(description="The published disclosure notice, if any")
    vendors: list[str] = Field(description="Vendors supplying the system or its models")
    last_review: date | None = Field(description="When the last PDCA review was completed")
    decisions: PublicDecisions | None = Field(
        default=None,
        description="Statistics of the AI-assisted decisions (3(4)) and, if the organisation "
        "opts in, anonymised records; absent unless it publishes them for this system",
    )


class PublicRegister(BaseModel):
    """An organisation's published register of AI use (format version 1)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(default=1, description="The format's version")
    organisation: str
    slug: str
    actor: list[str] = Field(description="The organisation's roles (national, local, …)")
    time_zone: str = Field(description="The zone the organisation reads times in (IANA)")
    published_at: datetime
    statement_url: str | None = Field(description="The published governance statement")
    systems: list[RegisterEntry]


CSV_HEADER = (
    "name",
    "purpose",
    "division",
    "contribution",
    "tier",
    "tier_reasons",
    "stage",
    "domain",
    "notice_url",
    "vendors",
    "last_review",
    "decisions_total",
    "decisions_kept",
    "decisions_changed",
    "decisions_overridden",
)
"""The CSV's columns, in order (the same names as the JSON's fields; the ``decisions_``
columns are the counts of ``decisions.total``, empty when the organisation does not
publish the system's decisions)."""
