"""Which vendors a system depends on, for its guideline assessment (guideline 2(4): the
dependencies a business continuity plan names): a vendor linked to the system, unless
archived."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.vendors import VendorRow, VendorSystemRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the current vendors the assessment's system depends on, oldest
    first."""
    ids = session.scalars(
        select(VendorRow.evidence_id)
        .join(VendorSystemRow, VendorSystemRow.vendor_id == VendorRow.id)
        .where(
            VendorRow.org_id == assessment.org_id,
            VendorSystemRow.system_id == assessment.system_id,
            VendorRow.archived_at.is_(None),
            VendorRow.evidence_id.is_not(None),
        )
        .order_by(VendorRow.id)
    )
    return [i for i in ids if i is not None]
