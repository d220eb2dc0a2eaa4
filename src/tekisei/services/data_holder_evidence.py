"""Which data holders concern a system, for its guideline assessment (guideline 2(5)): a
holder, unless archived, linked to a dataset record of the system."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.assessments import AssessmentRow
from tekisei.db.data_holders import DataHolderDatasetRow, DataHolderRow
from tekisei.db.records import DatasetRecordRow


def found(session: Session, assessment: AssessmentRow) -> list[int]:
    """The evidence ids of the data holders linked to the assessment's system's dataset
    records, oldest first."""
    ids = session.scalars(
        select(DataHolderRow.evidence_id)
        .where(
            DataHolderRow.org_id == assessment.org_id,
            DataHolderRow.archived_at.is_(None),
            DataHolderRow.evidence_id.is_not(None),
            DataHolderRow.id.in_(
                select(DataHolderDatasetRow.holder_id)
                .join(DatasetRecordRow, DatasetRecordRow.id == DataHolderDatasetRow.dataset_id)
                .where(DatasetRecordRow.system_id == assessment.system_id)
            ),
        )
        .order_by(DataHolderRow.id)
    )
    return [i for i in ids if i is not None]
