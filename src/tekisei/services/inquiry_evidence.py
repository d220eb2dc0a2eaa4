"""Which inquiries are evidence in a system's guideline assessment (fn 17: answering
disclosure requests; fn 18: a contact window that works): the inquiries about the system
that were answered (or answered and then closed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.inquiries import InquiryRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the answered inquiries about the assessment's system, oldest
    first."""
    ids = session.scalars(
        select(InquiryRow.evidence_id)
        .where(
            InquiryRow.org_id == assessment.org_id,
            InquiryRow.system_id == assessment.system_id,
            InquiryRow.evidence_id.is_not(None),
        )
        .order_by(InquiryRow.id)
    )
    return [i for i in ids if i is not None]
