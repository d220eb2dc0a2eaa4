"""Whether a system's business continuity plan is evidence for its guideline assessment
(guideline 2(4)): it is once a drill has tested it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.continuity import ContinuityPlanRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence id of the assessment's system's plan, when a drill has tested it."""
    ids = session.scalars(
        select(ContinuityPlanRow.evidence_id).where(
            ContinuityPlanRow.org_id == assessment.org_id,
            ContinuityPlanRow.system_id == assessment.system_id,
            ContinuityPlanRow.evidence_id.is_not(None),
        )
    )
    return [i for i in ids if i is not None]
