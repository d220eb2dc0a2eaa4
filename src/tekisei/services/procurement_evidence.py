"""Which procurements of a system count in its guideline assessment (3(1): procuring AI
carefully): every procurement of the system with its checklist, oldest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.procurements import ProcurementRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the procurements of the assessment's system."""
    ids = session.scalars(
        select(ProcurementRow.evidence_id)
        .where(
            ProcurementRow.org_id == assessment.org_id,
            ProcurementRow.system_id == assessment.system_id,
            ProcurementRow.evidence_id.is_not(None),
        )
        .order_by(ProcurementRow.id)
    )
    return [i for i in ids if i is not None]
