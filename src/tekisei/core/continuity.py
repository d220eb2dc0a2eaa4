"""Business continuity (guideline 2(4): prepare for the system failing and keep the
business running safely): a plan per system and the drills that test it, and the gate
rule that a high or critical tier system does not go into operation without both.

What a person writes is validated here, before anything is stored: lengths, counts
(:data:`MAX_DEPENDENCIES`, :data:`MAX_SCENARIOS`, :data:`MAX_CONTACTS`), kinds as codes
(their words live in the message catalogs as ``continuity-dependency:<code>``,
``continuity-scenario:<code>`` and ``continuity-outcome:<code>``), and recovery limits
(RTO, RPO) as a whole number with a unit, never negative and at most :data:`MAX_LIMIT`.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.gates import Missing
from tekisei.core.systems import Tier

MAX_DEPENDENCIES = 50
"""Dependencies one plan may name."""
MAX_SCENARIOS = 20
"""Failure scenarios one plan may hold."""
MAX_CONTACTS = 30
"""Contacts one plan may list."""
MAX_DRILLS = 500
"""Drills recorded for one system."""
DRILL_DAYS = 365
"""Default: how recent a drill must be for a high or critical tier system to go into
operation (the deployment may change it, ``TEKISEI_CONTINUITY_DRILL_DAYS``)."""
MAX_LIMIT = timedelta(days=366)
"""The longest recovery time or data loss a plan may declare."""
REQUIRED_TIERS = frozenset({Tier.HIGH, Tier.CRITICAL})
"""Tiers that need a plan and a recent drill before operation."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Link = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class DependencyKind(StrEnum):
    """What a system depends on."""

    MODEL = "model"
    API = "api"
    VENDOR = "vendor"
    DATA = "data"
    PEOPLE = "people"
    OTHER = "other"


class ScenarioKind(StrEnum):
    """A way the system can fail."""

    OUTAGE = "outage"
    DEGRADATION = "degradation"
    """The model degrades or changes (a provider's update, drift)."""
    VENDOR_EXIT = "vendor_exit"
    DATA_LOSS = "data_loss"
    ATTACK = "attack"
    OTHER = "other"


class Outcome(StrEnum):
    """How a drill went."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"


class Unit(StrEnum):
    """The unit of a recovery limit."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"


_UNIT_MINUTES = {Unit.MINUTES: 1, Unit.HOURS: 60, Unit.DAYS: 1440}
LIMIT_RULE = "a recovery limit is between 0 and 366 days"
DUPLICATE_RULE = "each scenario appears once in a plan"
RULES_JA = {
    LIMIT_RULE: "目標復旧時間・目標復旧時点は0以上、366日以内で指定してください。",
    DUPLICATE_RULE: "同じ種類のシナリオは1つの計画に1つまでです。",
}
"""The rules above in Japanese, for forms and API errors."""


class Limit(BaseModel):
    """A declared limit: how long recovery may take (RTO) or how much data may be lost,
    counted back from the failure (RPO)."""

    model_config = ConfigDict(extra="forbid")

    value: int = Field(ge=0, le=527_040)
    unit: Unit = Unit.HOURS

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.minutes > MAX_LIMIT.total_seconds() // 60:
            raise ValueError(LIMIT_RULE)
        return self

    @property
    def minutes(self) -> int:
        """The limit in minutes."""
        return self.value * _UNIT_MINUTES[self.unit]


class Dependency(BaseModel):
    """Something the system needs to work."""

    model_config = ConfigDict(extra="forbid")

    kind: DependencyKind = DependencyKind.OTHER
    name: Name
    link: Link = Field(default="", description="Where it is recorded (an address or a tekisei id)")


class Scenario(BaseModel):
    """A way the system fails and what is done then."""

    model_config = ConfigDict(extra="forbid")

    kind: ScenarioKind
    procedure: Text = Field(default="", description="The fallback or manual procedure")
    rto: Limit | None = Field(default=None, description="Recovery time objective")
    rpo: Limit | None = Field(default=None, description="Recovery point objective")


class Contact(BaseModel):
    """Someone to call when the system fails."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Short = ""
    reach: Short = Field(default="", description="How to reach them")


class PlanFields(BaseModel):
    """What a person writes in a continuity plan."""

    model_config = ConfigDict(extra="forbid")

    dependencies: list[Dependency] = Field(default_factory=list, max_length=MAX_DEPENDENCIES)
    scenarios: list[Scenario] = Field(default_factory=list, max_length=MAX_SCENARIOS)
    contacts: list[Contact] = Field(default_factory=list, max_length=MAX_CONTACTS)
    notes: Text = ""

    @model_validator(mode="after")
    def _scenarios_once(self) -> Self:
        kinds = [s.kind for s in self.scenarios]
        if len(kinds) != len(set(kinds)):
            raise ValueError(DUPLICATE_RULE)
        return self


class DrillFields(BaseModel):
    """A drill of one of the plan's scenarios."""

    model_config = ConfigDict(extra="forbid")

    held_on: date = Field(ge=date(2000, 1, 1))
    scenario: ScenarioKind
    outcome: Outcome
    findings: Text = ""
    actions: Text = Field(default="", description="Follow-up actions")


def continuity_problems(
    *, tier: Tier, has_plan: bool, last_drill: date | None, today: date, drill_days: int
) -> list[Missing]:
    """What a system lacks, for business continuity, to go into operation: a plan and a
    drill no older than ``drill_days`` when its tier is high or critical; nothing otherwise.
    """
    if tier not in REQUIRED_TIERS:
        return []
    missing: list[Missing] = []
    if not has_plan:
        missing.append(
            Missing(
                "no-continuity-plan",
                "事業継続計画（障害時の代替手段・復旧目標・連絡先）がありません。"
                "リスク区分が高・重大のシステムは、運用に移る前に作成してください。",
                "There is no business continuity plan (fallbacks, recovery objectives, "
                "contacts); a high or critical tier system needs one before operation.",
            )
        )
    if last_drill is None:
        missing.append(
            Missing(
                "no-recent-drill",
                f"事業継続の訓練の記録がありません（{drill_days}日以内の訓練が必要です）。",
                f"No business continuity drill is recorded (one within {drill_days} days "
                "is required).",
            )
        )
    elif (today - last_drill).days > drill_days:
        missing.append(
            Missing(
                "no-recent-drill",
                f"最後の事業継続の訓練（{last_drill:%Y-%m-%d}）から{drill_days}日を"
                "過ぎています。改めて訓練を実施してください。",
                f"The last business continuity drill ({last_drill:%Y-%m-%d}) is older than "
                f"{drill_days} days; hold another.",
            )
        )
    return missing
