"""The organisation's dashboard: one page an executive reads."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.assessments import ELEMENTS, Score
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.systems import Tier
from tekisei.db.assessments import AssessmentRow
from tekisei.services import assessments, continuity, gates, reviews, risks, systems
from tekisei.services.continuity import ContinuitySummary
from tekisei.services.gates import ApprovalOut
from tekisei.services.incidents import IncidentStats
from tekisei.services.incidents import stats as incident_stats
from tekisei.services.inquiries import InquiryStats
from tekisei.services.inquiries import stats as inquiry_stats
from tekisei.services.literacy import LiteracyCounts
from tekisei.services.literacy import counts as literacy_counts
from tekisei.services.reviews import DueOut, MaturityPoint
from tekisei.services.risks import HeatMap

GAP_LIMIT = 50
ITEMS_PER_SYSTEM = 8
"""Open items listed under each system on the dashboard; the rest are counted."""


class ElementScore(BaseModel):
    """Completeness and conformity of one element of 1(2) across the organisation."""

    element: str
    completeness: float
    conformity: float
    requirements: int


class GapOut(BaseModel):
    """A requirement that still needs work, across the organisation."""

    system_id: int
    system: str
    tier: str
    urn: str
    section: str
    title_ja: str
    title_en: str
    state: str


class SystemGaps(BaseModel):
    """One system's open items: how many in each answer state, and the first few."""

    system_id: int
    system: str
    tier: str
    stage: str
    total: int
    by_state: dict[str, int]
    items: list[GapOut]
    """The first :data:`ITEMS_PER_SYSTEM` open items in catalog order."""


class DashboardOut(BaseModel):
    """Everything on the dashboard."""

    systems: int
    by_tier: dict[str, int]
    by_stage: dict[str, int]
    elements: list[ElementScore]
    heat_map: HeatMap
    reviews_due: list[DueOut]
    overdue: int
    approvals_waiting: list[ApprovalOut]
    maturity: list[MaturityPoint]
    gaps: list[GapOut]
    """Open items of every system, highest tier first, at most :data:`GAP_LIMIT`."""
    open_items: list[SystemGaps] = []
    """The same open items grouped per system with counts, highest tier and most open
    items first."""
    unassessed_in_use: list[UnassessedOut] = []
    """Systems in deployment or operation that have no guideline assessment at all (put
    there directly, not through a gate)."""
    inquiries: InquiryStats | None = None
    """Inquiries from the public: open, overdue, received lately, time to first reply
    (None for external testers)."""
    continuity: ContinuitySummary | None = None
    """High and critical tier systems without a continuity plan or a recent drill (2(4));
    None for external testers."""
    incidents: IncidentStats | None = None
    """Open incidents by severity, and how many were closed (fn 16); None for external
    testers."""
    literacy: LiteracyCounts | None = None
    """AI literacy modules assigned to members, completed and overdue (1(2), 3(2)); None
    for external testers."""


class UnassessedOut(BaseModel):
    """A system in use with no guideline assessment."""

    system_id: int
    system: str
    tier: str
    stage: str


def dashboard(session: Session, principal: Principal) -> DashboardOut:
    """The organisation at a glance (what the caller may see)."""
    require(principal, Permission.READ)
    rows = systems.list_systems(session, principal, limit=10_000)[1]
    by_tier: dict[str, int] = {}
    by_stage: dict[str, int] = {}
    totals = {element: Score() for element in ELEMENTS}
    gaps: list[tuple[tuple[int, int, int], GapOut]] = []
    grouped: list[SystemGaps] = []
    unassessed: list[UnassessedOut] = []
    for row in rows:
        by_tier[row.tier] = by_tier.get(row.tier, 0) + 1
        by_stage[row.stage] = by_stage.get(row.stage, 0) + 1
        latest = session.scalars(
            select(AssessmentRow)
            .where(
                AssessmentRow.system_id == row.id,
                AssessmentRow.framework_id == assessments.GUIDELINE,
            )
            .order_by(AssessmentRow.id.desc())
        ).first()
        if latest is None:
            if row.stage in ("deploy", "operate"):
                unassessed.append(
                    UnassessedOut(system_id=row.id, system=row.name, tier=row.tier, stage=row.stage)
                )
            continue
        report = assessments.assessment_report(session, principal, latest.id)
        by_urn = {i.urn: i for i in report.items}
        system_gaps: list[GapOut] = []
        for rank, gap_urn in enumerate(report.gaps):
            item = by_urn[gap_urn]
            gap = GapOut(
                system_id=row.id,
                system=row.name,
                tier=row.tier,
                urn=item.urn,
                section=item.section,
                title_ja=item.title_ja,
                title_en=item.title_en,
                state=item.state.value,
            )
            gaps.append(((-Tier.parse(row.tier), rank, row.id), gap))
            system_gaps.append(gap)
        if system_gaps:
            by_state: dict[str, int] = {}
            for gap in system_gaps:
                by_state[gap.state] = by_state.get(gap.state, 0) + 1
            grouped.append(
                SystemGaps(
                    system_id=row.id,
                    system=row.name,
                    tier=row.tier,
                    stage=row.stage,
                    total=len(system_gaps),
                    by_state=by_state,
                    items=system_gaps[:ITEMS_PER_SYSTEM],
                )
            )
        for element, value in report.elements.items():
            total = totals[element]
            total.total += value.total
            total.implemented += value.implemented
            total.partial += value.partial
            total.not_implemented += value.not_implemented
            total.not_applicable += value.not_applicable
    due = reviews.due_list(session, principal)
    return DashboardOut(
        systems=len(rows),
        by_tier=by_tier,
        by_stage=by_stage,
        elements=[
            ElementScore(
                element=e,
                completeness=round(s.completeness if s.total else 0, 4),
                conformity=round(s.conformity, 4),
                requirements=s.total,
            )
            for e, s in totals.items()
        ],
        heat_map=risks.risk_heat_map(session, principal),
        reviews_due=due[:10],
        overdue=sum(1 for d in due if d.overdue),
        approvals_waiting=gates.list_approvals(session, principal, "pending"),
        maturity=reviews.maturity_trend(session, principal),
        gaps=[gap for _, gap in sorted(gaps, key=lambda pair: pair[0])][:GAP_LIMIT],
        open_items=sorted(
            grouped, key=lambda g: (-Tier.parse(g.tier), -g.total, g.system, g.system_id)
        ),
        unassessed_in_use=sorted(unassessed, key=lambda u: (-Tier.parse(u.tier), u.system_id)),
        inquiries=inquiry_stats(session, principal),
        continuity=continuity.summary(session, principal),
        incidents=incident_stats(session, principal),
        literacy=literacy_counts(session, principal),
    )


DashboardOut.model_rebuild()
