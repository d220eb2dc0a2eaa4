"""Which stakeholders and engagements concern a system, for its guideline assessment
(guideline 1(3)②): a stakeholder linked to the system or to no system (the whole
organisation), unless archived; an engagement with such a stakeholder that names the system,
or names no system and so concerns the stakeholder's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.stakeholders import EngagementRow, StakeholderRow, StakeholderSystemRow


def links(session: Session, org_id: int) -> dict[int, set[int]]:
    """Each stakeholder of the organisation that is linked to systems, and those systems."""
    linked: dict[int, set[int]] = {}
    for stakeholder_id, system_id in session.execute(
        select(StakeholderSystemRow.stakeholder_id, StakeholderSystemRow.system_id).where(
            StakeholderSystemRow.org_id == org_id
        )
    ):
        linked.setdefault(stakeholder_id, set()).add(system_id)
    return linked


def concerns(stakeholder_systems: set[int], named: list[int], system_id: int) -> bool:
    """Whether an engagement naming ``named`` (or, when empty, a stakeholder linked to
    ``stakeholder_systems``; empty too: every system) concerns ``system_id``."""
    scope = set(named) or stakeholder_systems
    return not scope or system_id in scope


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the stakeholders and engagements that concern the assessment's
    system, oldest first."""
    linked = links(session, assessment.org_id)
    system_id = assessment.system_id
    active = {
        row.id: row
        for row in session.scalars(
            select(StakeholderRow)
            .where(StakeholderRow.org_id == assessment.org_id, StakeholderRow.archived_at.is_(None))
            .order_by(StakeholderRow.id)
        )
    }
    evidence: list[int] = [
        row.evidence_id
        for row in active.values()
        if row.evidence_id is not None and concerns(linked.get(row.id, set()), [], system_id)
    ]
    for engagement in session.scalars(
        select(EngagementRow)
        .where(
            EngagementRow.org_id == assessment.org_id,
            EngagementRow.stakeholder_id.in_(list(active)),
            EngagementRow.evidence_id.is_not(None),
        )
        .order_by(EngagementRow.id)
    ):
        own = linked.get(engagement.stakeholder_id, set())
        if engagement.evidence_id is not None and concerns(own, engagement.systems, system_id):
            evidence.append(engagement.evidence_id)
    return evidence
