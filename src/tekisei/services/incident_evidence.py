"""Which incidents are evidence in a system's guideline assessment (1(3)④: agile response;
fn 16: how the organisation responds when risks materialise): the incidents that affected
the system and were closed with lessons learned."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.incidents import IncidentRow, IncidentSystemRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the closed incidents that affected the assessment's system,
    oldest first."""
    ids = session.scalars(
        select(IncidentRow.evidence_id)
        .join(IncidentSystemRow, IncidentSystemRow.incident_id == IncidentRow.id)
        .where(
            IncidentRow.org_id == assessment.org_id,
            IncidentSystemRow.system_id == assessment.system_id,
            IncidentRow.evidence_id.is_not(None),
        )
        .order_by(IncidentRow.id)
    )
    return [i for i in ids if i is not None]
