"""Facts a HAIP report takes from the workspace, and which Code of Conduct actions they
cover.

A *fact source* looks at one kind of record (the risk register, evaluation runs, the
provenance register …) and answers with a :class:`FactBlock`: summary lines and, where it
helps, a table. Everything tekisei words itself is kept as keys (``AutoNote``, catalog id
``note:<key>``; column headings ``haip-col:<key>``; coded cells through a word prefix such
as ``tier``), so each reader sees it in their language; what people wrote (a risk's name,
a run's name) is kept as written. A block names the Code of Conduct actions its data is
evidence for, only when it holds data.

Coverage reads, per section, the Code of Conduct actions the section reports on
(``catalogs/crosswalks/haip-reporting-v1--hiroshima-coc-2023.yaml``, tekisei's proposal):
an action is *evidenced* when a fact block holds data for it, *answered* when only an
assessment answer says it is (partly) implemented, and *missing* otherwise.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.haip_reports import SECTIONS, SectionId
from tekisei.core.notes import AutoNote

MAX_FACT_ROWS = 200
"""Rows a fact table keeps; the rest are counted."""

Cell = str | int | float | None
ColumnKind = Literal["text", "number", "percent", "date", "word", "labels"]
CoverageStatus = Literal["evidenced", "answered", "missing"]


class FactKey(StrEnum):
    """Each summary line a built-in fact source writes (catalog id ``note:<value>``)."""

    RISKS = "haip-risks"
    """risks, systems (with risks), all_systems, categories."""
    RISK_LEVELS = "haip-risk-levels"
    """critical, high, medium, low."""
    NO_RISKS = "haip-no-risks"
    RUNS = "haip-runs"
    """runs, systems, cases, pass_percent (in the period)."""
    EXTERNAL_RUNS = "haip-external-runs"
    """runs started by external testers."""
    FINDINGS = "haip-findings"
    """suggested (risks the runs suggested), accepted, pending."""
    NO_RUNS = "haip-no-runs"
    TREATMENT = "haip-treatment"
    """treated, residual (with a residual score), open (without a plan)."""
    ACCEPTED = "haip-accepted"
    """accepted (residual risks accepted by an executive)."""
    NO_TREATMENT = "haip-no-treatment"
    SECURITY = "haip-security"
    """cases, pass_percent (security, privacy and robustness perspectives)."""
    NO_SECURITY = "haip-no-security"
    DATASETS = "haip-datasets"
    """datasets, systems, personal, copyrighted, opt_out."""
    NO_DATASETS = "haip-no-datasets"
    NOTICES = "haip-notices"
    """published, systems, withdrawn."""
    NO_NOTICES = "haip-no-notices"
    MODELS = "haip-models"
    """models, systems, cards (with a model card address)."""
    NO_MODELS = "haip-no-models"
    ASSESSMENTS = "haip-assessments"
    """assessed, systems, completeness_percent (average)."""
    NO_ASSESSMENTS = "haip-no-assessments"
    RESPONSIBLE = "haip-responsible"
    """person (the organisation's responsible person, CAIO)."""
    NO_RESPONSIBLE = "haip-no-responsible"
    DECISIONS = "haip-decisions"
    """accepted, stages, notices (executive decisions in the period)."""
    PROVENANCE = "haip-provenance"
    """systems, all_systems, watermark, c2pa, other."""
    CHECKS = "haip-checks"
    """checks, passed (provenance checks in the period)."""
    NO_PROVENANCE = "haip-no-provenance"
    POLICIES = "haip-policies"
    """policies (in force at the period's end), public (of them, published for anyone)."""
    NO_POLICIES = "haip-no-policies"
    NO_BASIC_POLICY = "haip-no-basic-policy"
    INCIDENTS = "haip-incidents"
    """incidents (reported in the period), closed, open, published (with a public notice)."""
    INCIDENT_SEVERITIES = "haip-incident-severities"
    """critical, high, medium, low (incidents reported in the period, by severity)."""
    NO_INCIDENTS = "haip-no-incidents"
    MORE_ROWS = "haip-more-rows"
    """more (rows left out of a table)."""


class Label(BaseModel):
    """A code's name in both languages, as a catalog of frameworks holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str
    en: str


class FactColumn(BaseModel):
    """A column of a fact table: its heading (``haip-col:<key>``) and how its cells read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    kind: ColumnKind = "text"
    words: str = ""
    """For ``word`` cells: the catalog prefix that words a code (``tier`` → ``tier:high``)."""
    labels: dict[str, Label] = Field(default_factory=dict)
    """For ``labels`` cells (codes separated by commas): each code's name, taken from the
    framework catalog (a risk category's title, for one)."""


class FactTable(BaseModel):
    """Rows of data; cells of ``word`` columns are codes, the rest are as recorded."""

    model_config = ConfigDict(extra="forbid")

    columns: list[FactColumn]
    rows: list[list[Cell]] = Field(default_factory=list)
    total: int = 0
    """Rows there were, including those left out beyond :data:`MAX_FACT_ROWS`."""


class FactBlock(BaseModel):
    """What one fact source found for one section."""

    model_config = ConfigDict(extra="forbid")

    source: str
    """The source's id; its heading is the catalog id ``haip-source:<source>``."""
    lines: list[AutoNote] = Field(default_factory=list)
    table: FactTable | None = None
    covers: list[str] = Field(default_factory=list)
    """Code of Conduct actions (refs such as ``"7"``) this data is evidence for; empty
    when the source found nothing."""


def table(columns: list[FactColumn], rows: list[list[Cell]]) -> FactTable:
    """A table of at most :data:`MAX_FACT_ROWS` of ``rows``, counting them all."""
    return FactTable(columns=columns, rows=rows[:MAX_FACT_ROWS], total=len(rows))


class Answered(BaseModel):
    """Assessment answers that say an action's guideline items are (partly) implemented."""

    model_config = ConfigDict(extra="forbid")

    items: list[str] = Field(default_factory=list)
    """The guideline sections answered, e.g. ``2(1)``."""
    systems: int = 0


class ActionCoverage(BaseModel):
    """How far the workspace covers one Code of Conduct action in one section."""

    model_config = ConfigDict(extra="forbid")

    action: str
    status: CoverageStatus
    sources: list[str] = Field(default_factory=list)
    """The fact sources whose data covers it (any section of the report)."""
    answered: Answered = Field(default_factory=Answered)


class SectionCoverage(BaseModel):
    """The Code of Conduct actions a section reports on, and how far each is covered."""

    model_config = ConfigDict(extra="forbid")

    section: SectionId
    actions: list[ActionCoverage] = Field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The actions nothing in the workspace covers yet."""
        return [a.action for a in self.actions if a.status == "missing"]


class HaipFacts(BaseModel):
    """The facts of every section and their coverage, as taken at one moment (a report's
    snapshot is this, kept when approval is requested and published with the version)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tekisei-haip-facts/1"] = "tekisei-haip-facts/1"
    sections: dict[SectionId, list[FactBlock]] = Field(default_factory=dict)
    coverage: list[SectionCoverage] = Field(default_factory=list)

    def blocks(self, section: SectionId) -> list[FactBlock]:
        """The fact blocks of ``section``."""
        return self.sections.get(section, [])


def coverage(
    actions: dict[SectionId, list[str]],
    blocks: dict[SectionId, list[FactBlock]],
    answered: dict[str, Answered],
) -> list[SectionCoverage]:
    """Per section, each Code of Conduct action it reports on (``actions``), evidenced by
    fact blocks of any section, else answered in assessments, else missing."""
    by_action: dict[str, list[str]] = {}
    for section in SECTIONS:
        for block in blocks.get(section, []):
            for action in block.covers:
                sources = by_action.setdefault(action, [])
                if block.source not in sources:
                    sources.append(block.source)
    out: list[SectionCoverage] = []
    for section in SECTIONS:
        rows: list[ActionCoverage] = []
        for action in actions.get(section, []):
            sources = by_action.get(action, [])
            said = answered.get(action, Answered())
            status: CoverageStatus = (
                "evidenced" if sources else "answered" if said.systems else "missing"
            )
            rows.append(
                ActionCoverage(action=action, status=status, sources=sources, answered=said)
            )
        out.append(SectionCoverage(section=section, actions=rows))
    return out
