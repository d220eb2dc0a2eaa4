"""Risk register rules: 5 × 5 scoring, treatments, acceptance and heat maps (guideline 1(3)①)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.orgs import UserId

Score = Annotated[int, Field(ge=1, le=5)]
TaxonomyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9.-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]

RISK_TAXONOMY = "tekisei-risks-1"


class Treatment(StrEnum):
    """How a risk is handled."""

    MITIGATE = "mitigate"
    AVOID = "avoid"
    TRANSFER = "transfer"
    ACCEPT = "accept"


class RiskStatus(StrEnum):
    """Where a risk stands."""

    OPEN = "open"
    TREATING = "treating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class Level(StrEnum):
    """Band of a likelihood × impact score."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def score(likelihood: int, impact: int) -> int:
    """Likelihood × impact, each 1-5."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValueError("likelihood and impact are each 1 to 5")
    return likelihood * impact


def level(value: int) -> Level:
    """The band of a score: 1-4 low, 5-9 medium, 10-14 high, 15-25 critical."""
    if value >= 15:
        return Level.CRITICAL
    if value >= 10:
        return Level.HIGH
    if value >= 5:
        return Level.MEDIUM
    return Level.LOW


class RiskBase(BaseModel):
    """What a person writes about one risk, apart from who owns it."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    taxonomy: list[TaxonomyId] = Field(
        min_length=1, max_length=20, description=f"Ids from {RISK_TAXONOMY}, e.g. social.bias"
    )
    description: Text = ""
    likelihood: Score
    impact: Score
    residual_likelihood: Score | None = None
    residual_impact: Score | None = None
    treatment: Treatment | None = None
    treatment_plan: Text = ""
    due: date | None = None

    @model_validator(mode="after")
    def _residual_pairs(self) -> Self:
        if (self.residual_likelihood is None) != (self.residual_impact is None):
            raise ValueError("give both residual_likelihood and residual_impact, or neither")
        return self

    @property
    def inherent(self) -> int:
        """Score before treatment."""
        return score(self.likelihood, self.impact)

    @property
    def residual(self) -> int | None:
        """Score after treatment, once assessed."""
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return score(self.residual_likelihood, self.residual_impact)


class RiskFields(RiskBase):
    """What a person writes about one risk, with its owner: a member of the organisation."""

    owner_id: UserId | None = Field(
        default=None,
        description="The member who owns the risk: a user id of the organisation "
        "(GET /api/orgs/current/members)",
    )
    owner_text: ShortText = Field(
        default="",
        description="The owner as written before owners were chosen from members; it can be "
        "kept or cleared, not changed, and choosing owner_id clears it",
    )


def unknown_taxonomy(ids: list[str], known: set[str]) -> list[str]:
    """Ids not in the risk taxonomy."""
    return [i for i in ids if i not in known]


def heat_map(cells: list[tuple[int, int]]) -> list[list[int]]:
    """Counts per (likelihood, impact): ``grid[likelihood-1][impact-1]``."""
    grid = [[0] * 5 for _ in range(5)]
    for likelihood, impact in cells:
        grid[likelihood - 1][impact - 1] += 1
    return grid
