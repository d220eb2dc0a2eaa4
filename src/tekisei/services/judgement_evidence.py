"""Which DS-920 judgement of a system counts in its guideline assessment (3(1)): the
signed one in force (not superseded). A draft is never evidence."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.judgements import JudgementRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence id of the signed judgement in force of the assessment's system."""
    ids = session.scalars(
        select(JudgementRow.evidence_id).where(
            JudgementRow.org_id == assessment.org_id,
            JudgementRow.system_id == assessment.system_id,
            JudgementRow.signed_at.is_not(None),
            JudgementRow.superseded_at.is_(None),
            JudgementRow.evidence_id.is_not(None),
        )
    )
    return [i for i in ids if i is not None]
