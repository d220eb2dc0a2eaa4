"""Which literacy records count in a guideline assessment (1(2) AIリテラシー, 3(2)): the
first passed quiz of each module in the organisation, for every system."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.literacy import LiteracyCompletionRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the organisation's passed modules (the first pass of each)."""
    ids = session.scalars(
        select(LiteracyCompletionRow.evidence_id)
        .where(
            LiteracyCompletionRow.org_id == assessment.org_id,
            LiteracyCompletionRow.evidence_id.is_not(None),
        )
        .order_by(LiteracyCompletionRow.id)
    )
    return [i for i in ids if i is not None]
