"""Incidents: risks that materialised (guideline fn 16: how an organisation responds when
risks materialise; 1(3)④: the PDCA review an incident triggers).

What a person writes about an incident is validated here, before anything is stored: the
lengths, the severity, harms and notified parties as codes (their words live in the
message catalogs as ``incident-severity:<code>``, ``incident-harm:<code>`` …), at most
:data:`MAX_SYSTEMS` affected systems, detection no earlier than occurrence, and the state
machine: open → contained → closed, where closing asks for the lessons learned.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from tekisei.core.risks import Score, TaxonomyId, Treatment
from tekisei.errors import ConflictError, InvalidInputError

MAX_SYSTEMS = 20
"""Systems one incident may name as affected."""
MAX_ENTRIES = 200
"""Timeline entries, corrective actions and notifications each, per incident."""
MAX_INCIDENTS = 10_000
"""Incidents one organisation may hold."""
MAX_PEOPLE = 10**9

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Said = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
SystemId = Annotated[int, Field(ge=1, le=2**31 - 1)]
SourceRef = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]

ORDER_RULE = "the incident cannot be detected before it occurred"
RULES_JA = {
    ORDER_RULE: "検知日時は発生日時より後にしてください。",
}
"""The rules above in Japanese, for forms."""


class Severity(StrEnum):
    """How bad an incident is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentState(StrEnum):
    """Where an incident stands."""

    OPEN = "open"
    CONTAINED = "contained"
    """The harm stopped spreading; the causes are still being dealt with."""
    CLOSED = "closed"


NEXT_STATES: dict[IncidentState, tuple[IncidentState, ...]] = {
    IncidentState.OPEN: (IncidentState.CONTAINED, IncidentState.CLOSED),
    IncidentState.CONTAINED: (IncidentState.OPEN, IncidentState.CLOSED),
    IncidentState.CLOSED: (),
}
"""Where an incident may move from each state (a closed one stays closed)."""


class Harm(StrEnum):
    """A kind of harm an incident caused (a small fixed vocabulary, after the AIID and the
    OECD AI Incidents Monitor)."""

    PHYSICAL = "physical"
    PSYCHOLOGICAL = "psychological"
    FINANCIAL = "financial"
    RIGHTS = "rights"
    """Rights and privacy."""
    DISCRIMINATION = "discrimination"
    REPUTATIONAL = "reputational"
    ENVIRONMENTAL = "environmental"
    OTHER = "other"


class NotifiedParty(StrEnum):
    """Who was told about an incident."""

    STAKEHOLDER = "stakeholder"
    AUTHORITY = "authority"
    AFFECTED = "affected"
    """The affected people themselves."""
    OTHER = "other"


class Source(StrEnum):
    """Where an incident report came from."""

    FORM = "form"
    INQUIRY = "inquiry"
    EVAL_RUN = "eval_run"
    PROVENANCE_CHECK = "provenance_check"


class IncidentFields(BaseModel):
    """What a person writes about an incident (everything that can be edited later)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Text = ""
    severity: Severity = Severity.MEDIUM
    occurred_at: AwareDatetime | None = Field(default=None, description="With its offset")
    detected_at: AwareDatetime | None = Field(default=None, description="With its offset")
    systems: list[SystemId] = Field(
        min_length=1, max_length=MAX_SYSTEMS, description="The affected systems"
    )
    people_affected: int | None = Field(
        default=None, ge=0, le=MAX_PEOPLE, description="How many people were affected"
    )
    affected_parties: Text = Field(default="", description="Who was affected, in words")
    harms: list[Harm] = Field(default_factory=list, max_length=len(Harm))
    containment: Text = Field(default="", description="What was done to stop the harm")
    root_cause: Text = ""

    @model_validator(mode="after")
    def _tidy(self) -> Self:
        self.systems = sorted(set(self.systems))
        self.harms = sorted(set(self.harms), key=list(Harm).index)
        if self.occurred_at and self.detected_at and self.detected_at < self.occurred_at:
            raise ValueError(ORDER_RULE)
        return self


class IncidentReport(IncidentFields):
    """A new incident and where the report came from."""

    source: Source = Source.FORM
    source_ref: SourceRef = Field(
        default="", description="The inquiry id, run id or check id it came from"
    )


class TimelineEntry(BaseModel):
    """One moment of an incident's timeline."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime
    text: Said


class Notification(BaseModel):
    """Someone the organisation told about the incident."""

    model_config = ConfigDict(extra="forbid")

    party: NotifiedParty
    name: Title = Field(description="Whom: the authority, the stakeholder, the group")
    at: AwareDatetime
    channel: Short = Field(default="", description="How: letter, e-mail, phone, web page …")


class NewRisk(BaseModel):
    """A risk a corrective action adds to a system's register."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    taxonomy: list[TaxonomyId] = Field(min_length=1, max_length=20)
    likelihood: Score
    impact: Score
    treatment: Treatment = Treatment.MITIGATE


class RiskUpdate(BaseModel):
    """What a corrective action changes of an existing risk (unset: unchanged; the action
    is always added to the risk's treatment plan)."""

    model_config = ConfigDict(extra="forbid")

    risk_id: SystemId
    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    likelihood: Score | None = None
    impact: Score | None = None
    treatment: Treatment | None = None


class CorrectiveAction(BaseModel):
    """A corrective action: it adds a risk to an affected system's register, or updates a
    risk of one (through the risk register, either way)."""

    model_config = ConfigDict(extra="forbid")

    text: Said
    system_id: SystemId
    new_risk: NewRisk | None = None
    update: RiskUpdate | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.new_risk is None) == (self.update is None):
            raise ValueError("give either a new risk or a risk to update")
        return self


class PublicChoice(BaseModel):
    """What an incident's public notice shows: its own words, and which parts of the
    record. Never notes, never who reported it, the root cause only when chosen."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    summary: Said
    show_systems: bool = True
    show_harms: bool = True
    show_affected: bool = True
    show_containment: bool = False
    show_root_cause: bool = False
    show_actions: bool = False
    show_lessons: bool = False


def check_move(incident_id: int, now: IncidentState, to: IncidentState, lessons: str) -> None:
    """Refuse a move the state machine does not allow, and closing without lessons.

    Raises:
        ConflictError: the incident cannot move from ``now`` to ``to``.
        InvalidInputError: closing without lessons learned.
    """
    if to not in NEXT_STATES[now]:
        raise ConflictError(
            f"incident {incident_id} is {now.value} and cannot become {to.value}",
            ja=f"インシデント {incident_id} は現在の状態から変更できません。",
        )
    if to is IncidentState.CLOSED and not lessons.strip():
        raise InvalidInputError(
            "write the lessons learned before closing the incident",
            ja="インシデントを完了にする前に、得られた教訓を書いてください。",
            field="lessons",
        )
