"""Stakeholders and the engagement log (guideline 1(3)②: the active involvement of
stakeholders, including indirect ones such as data holders and people who handle a
system's outputs, footnote 9).

What a person writes is validated here, before anything is stored: lengths, the kinds as
codes (their words live in the message catalogs as ``stakeholder-kind:<code>`` and
``engagement-kind:<code>``), at most :data:`MAX_SYSTEMS` linked systems, and an engagement
date that is not in the future on the organisation's clock.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_SYSTEMS = 50
"""Systems one stakeholder or one engagement may be linked to."""
MAX_STAKEHOLDERS = 1000
"""Stakeholders one organisation may hold (archived ones included)."""
MAX_ENGAGEMENTS = 1000
"""Engagements logged for one stakeholder."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
SystemId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class StakeholderKind(StrEnum):
    """Who a stakeholder is, in relation to the organisation's AI systems."""

    USERS = "users"
    AFFECTED = "affected"
    """People the system's outputs or decisions affect."""
    OUTPUT_HANDLERS = "output_handlers"
    """People who handle the system's outputs without using it themselves (fn 9)."""
    DATA_HOLDERS = "data_holders"
    """Holders of the data a system learns from or uses (fn 9, 2(5))."""
    VENDORS = "vendors"
    REGULATORS = "regulators"
    COMMUNITIES = "communities"
    OTHER = "other"


class Relation(StrEnum):
    """Whether a stakeholder deals with the system directly or is concerned indirectly."""

    DIRECT = "direct"
    INDIRECT = "indirect"


class EngagementKind(StrEnum):
    """How the organisation engaged a stakeholder."""

    CONSULTATION = "consultation"
    SURVEY = "survey"
    MEETING = "meeting"
    FEEDBACK = "feedback"
    """Feedback received from the stakeholder."""
    OTHER = "other"


def _unique_systems(values: list[int]) -> list[int]:
    return sorted(set(values))


class StakeholderFields(BaseModel):
    """What a person records about one stakeholder."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: StakeholderKind = StakeholderKind.OTHER
    relation: Relation = Relation.DIRECT
    interests: Text = Field(default="", description="What they care about")
    engagement: Text = Field(default="", description="How the organisation engages them")
    contact: Contact = Field(
        default="", description="How to reach them (personal data: admins and editors only)"
    )
    systems: list[SystemId] = Field(
        default_factory=list,
        max_length=MAX_SYSTEMS,
        description="The systems they are concerned with; none means every system",
    )

    @model_validator(mode="after")
    def _systems_once(self) -> Self:
        self.systems = _unique_systems(self.systems)
        return self


class EngagementFields(BaseModel):
    """One engagement with a stakeholder: when, how, what was heard, what was done."""

    model_config = ConfigDict(extra="forbid")

    happened_on: date | None = Field(
        default=None, description="The day, on the organisation's clock (today when empty)"
    )
    kind: EngagementKind = EngagementKind.MEETING
    summary: Summary
    outcome: Text = Field(default="", description="What was done with it")
    systems: list[SystemId] = Field(
        default_factory=list,
        max_length=MAX_SYSTEMS,
        description="The systems it concerned; none means the stakeholder's systems",
    )

    @model_validator(mode="after")
    def _systems_once(self) -> Self:
        self.systems = _unique_systems(self.systems)
        return self


def in_the_future(day: date, today: date) -> bool:
    """Whether an engagement dated ``day`` would lie after ``today`` (the organisation's)."""
    return day > today
