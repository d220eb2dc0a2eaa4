"""The ISO/IEC 42001 Statement of Applicability (SoA) of an organisation (guideline 2(1),
fn 16): for each of the 38 controls of Annex A, whether it applies and why, and how far it
is implemented.

What people state per control is :class:`ControlFields`: applicable or not, the
justification (required when a control is excluded), notes and an owner. The
implementation state is never typed into the statement: each system's state for a control
is its direct answer to the control, else the state derived from its guideline answers
through the crosswalk (:func:`tekisei.core.assessments.derive`); the organisation's state
combines the systems' (:func:`combine`), so the statement follows the assessments.

Control ids and titles are as ISO/IEC 42001:2023 names them; every other text about a
control (its description in the catalog, the crosswalk's rationales) is tekisei's own
wording. The standard's text is not reproduced.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.assessments import AnswerState, Source, TransferKind, derive, transfer
from tekisei.core.catalog import Lang, Localized, Relation
from tekisei.core.orgs import UserId

FRAMEWORK = "iso-iec-42001-2023"
"""The catalog id of ISO/IEC 42001:2023 Annex A."""
CONTROLS = 38
"""How many controls Annex A has (A.2.2 to A.10.4)."""
MAX_TEXT = 4000
"""The longest justification or note, in characters."""
FORMAT: Literal["tekisei-soa/1"] = "tekisei-soa/1"
"""The format of a statement as it is approved and kept."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
CONTROL_PATTERN = r"^A\.[0-9]{1,2}(\.[0-9]{1,2}){1,2}$"
"""What an Annex A control id looks like: A.2.2, A.6.1.3, A.10.4."""


class ControlFields(BaseModel):
    """What the organisation states about one control."""

    model_config = ConfigDict(extra="forbid")

    applicable: bool = Field(default=True, description="Whether the control applies")
    justification: Text = Field(
        default="",
        description="Why the control applies or not; required when it does not apply",
    )
    notes: Text = Field(default="", description="How it is implemented, plans, remarks")
    owner_id: UserId | None = Field(
        default=None,
        description="The member who owns the control: a user id of the organisation "
        "(GET /api/orgs/current/members)",
    )

    @model_validator(mode="after")
    def _exclusion_needs_a_reason(self) -> Self:
        if not self.applicable and not self.justification:
            raise ValueError(
                "say why the control does not apply: excluding a control needs a justification"
            )
        return self


FIELDS: tuple[str, ...] = tuple(ControlFields.model_fields)


class Origin(StrEnum):
    """Where one system's state for a control comes from."""

    DIRECT = "direct"
    """An answer to the control itself (in the system's guideline assessment, or in an
    ISO/IEC 42001 assessment of the system)."""
    DERIVED = "derived"
    """The guideline answers the crosswalk carries over (core.assessments.derive)."""
    NONE = "none"
    """Only related guideline items: nothing carries over, and no direct answer."""


class Hint(StrEnum):
    """What the reader should know about a control whose state the assessments cannot
    give."""

    NO_SYSTEMS = "no-systems"
    """The organisation has no AI system in operation to assess."""
    NO_COUNTERPART = "no-counterpart"
    """No guideline item carries over to the control and no system answered it directly:
    answer it directly in a system's assessment (its ISO/IEC 42001 view)."""
    ASSESSED_NOT_APPLICABLE = "assessed-not-applicable"
    """The statement says the control applies, but every assessment says the linked items
    do not: exclude it with a justification, or answer it directly."""


def system_state(
    sources: list[Source], direct: AnswerState | None
) -> tuple[AnswerState | None, Origin]:
    """One system's state for a control: its direct answer, else what its guideline
    answers carry over (None when nothing does)."""
    if direct is not None:
        return direct, Origin.DIRECT
    derived = derive(sources)
    return derived, (Origin.DERIVED if derived is not None else Origin.NONE)


def combine(states: Iterable[AnswerState | None]) -> AnswerState | None:
    """The organisation's state for a control from its systems' states.

    Systems with no state (None) are left out, and so are those for which the control's
    items do not apply. Every remaining system implemented: implemented; some implemented
    or partial: partial; otherwise not implemented where any system said so, else not
    started. Every system not applicable: not applicable. No system at all: None.
    """
    given = [s for s in states if s is not None]
    if not given:
        return None
    applying = [s for s in given if s is not AnswerState.NOT_APPLICABLE]
    if not applying:
        return AnswerState.NOT_APPLICABLE
    if all(s is AnswerState.IMPLEMENTED for s in applying):
        return AnswerState.IMPLEMENTED
    if any(s in (AnswerState.IMPLEMENTED, AnswerState.PARTIAL) for s in applying):
        return AnswerState.PARTIAL
    if AnswerState.NOT_IMPLEMENTED in applying:
        return AnswerState.NOT_IMPLEMENTED
    return AnswerState.NOT_STARTED


def stated(
    applicable: bool, combined: AnswerState | None, *, systems: int
) -> tuple[AnswerState, Hint | None]:
    """The state the statement shows for a control, and a hint when the assessments could
    not give one: an excluded control is not applicable whatever the assessments say."""
    if not applicable:
        return AnswerState.NOT_APPLICABLE, None
    if combined is None:
        return AnswerState.NOT_STARTED, Hint.NO_SYSTEMS if systems == 0 else Hint.NO_COUNTERPART
    if combined is AnswerState.NOT_APPLICABLE:
        return AnswerState.NOT_STARTED, Hint.ASSESSED_NOT_APPLICABLE
    return combined, None


def carries(relation: str) -> bool:
    """Whether a crosswalk relation carries a guideline answer over to a control."""
    return transfer(Relation(relation)) is not TransferKind.NONE


# ----------------------------------------------------------------------------- the statement


class SourceLine(BaseModel):
    """A guideline answer of one system that a control draws on."""

    urn: str
    section: str
    relation: str
    state: AnswerState
    carries: bool = Field(description="Whether the relation carries the answer over")


class SystemLine(BaseModel):
    """One system's part in a control's state: which guideline items, which answers."""

    system_id: int
    system_name: str
    state: AnswerState | None
    origin: Origin
    assessment_id: int | None = Field(
        description="The guideline assessment the answers come from (None: not started)"
    )
    sources: list[SourceLine]


class EvidenceLine(BaseModel):
    """A piece of evidence attached to an answer a control draws on."""

    id: int
    kind: str
    title: str
    auto_title: Localized | None = None
    url: str | None = None
    reference: str | None = None
    sha256: str | None = None

    def title_in(self, lang: Lang) -> str:
        """The title a reader of ``lang`` sees."""
        return self.auto_title.get(lang) if self.auto_title else self.title


class OwnerLine(BaseModel):
    """Who owns a control, as the statement shows them (a name, never an email)."""

    user_id: int
    name: str
    former_member: bool = False


class ControlLine(BaseModel):
    """One control of the statement: what was stated, the state the assessments give,
    how it was derived and the evidence behind it."""

    ref: str
    urn: str
    objective: str = Field(description="The control objective it belongs to (A.2 … A.10)")
    objective_ja: str
    objective_en: str
    title_ja: str
    title_en: str
    text_ja: str = Field(description="tekisei's own description of the control")
    text_en: str
    applicable: bool
    justification: str
    notes: str
    owner: OwnerLine | None
    state: AnswerState
    derived_state: AnswerState | None = Field(
        description="The state the systems' answers give (None: none gives one)"
    )
    hint: Hint | None
    systems: list[SystemLine]
    evidence: list[EvidenceLine]
    version: int = Field(description="The control's version (0: nothing stated yet)")
    updated_at: datetime | None
    updated_by: str | None


class ApprovalLine(BaseModel):
    """Who approved a statement, when and with what note."""

    number: int
    soa_version: int
    approved_by: str
    approved_at: datetime
    note: str


class Statement(BaseModel):
    """A Statement of Applicability: the 38 controls, as of one version of the statement
    and the assessments at one moment (``generated_at``). Approved statements are kept in
    this form."""

    format: Literal["tekisei-soa/1"] = FORMAT
    org_name: str
    version: int = Field(description="The statement's version: one more for every change")
    generated_at: datetime
    systems: int = Field(description="The AI systems whose assessments it draws on")
    controls: list[ControlLine]
    approval: ApprovalLine | None = None


def substance(statement: Statement) -> dict[str, Any]:
    """What an approval vouches for: what was stated and the state of each control, with
    its derivation and evidence; not when it was read nor how a reader sees names."""
    return {
        "version": statement.version,
        "controls": [
            {
                "ref": c.ref,
                "applicable": c.applicable,
                "justification": c.justification,
                "notes": c.notes,
                "owner": c.owner.user_id if c.owner else None,
                "state": c.state.value,
                "derived_state": c.derived_state.value if c.derived_state else None,
                "systems": [
                    [s.system_id, s.state.value if s.state else None, s.origin.value]
                    + [[x.urn, x.relation, x.state.value] for x in s.sources]
                    for s in c.systems
                ],
                "evidence": sorted(e.id for e in c.evidence),
            }
            for c in statement.controls
        ],
    }


def tally(controls: Iterable[ControlLine]) -> dict[str, int]:
    """How many controls are in each state, and how many apply."""
    counts = {state.value: 0 for state in AnswerState}
    applicable = 0
    for control in controls:
        counts[control.state.value] += 1
        applicable += control.applicable
    return counts | {"applicable": applicable}
