"""Records and published notices as evidence in a system's guideline assessment.

A model record serves 2(2) and fn 17 (where training data and models come from, so that a
disclosure request can be answered); a dataset record serves those and 2(5) (care for the
holders of the data); a published notice serves 2(2) and fn 18 (what users are told, with
warnings and a contact window); a published HAIP report serves 2(1) and fn 16 in every
system's assessment. Each is attached as evidence to the items that apply to
the system in its open guideline assessment, and when a new assessment starts, to that
one. An item nobody has answered yet becomes "partially implemented", so the assessment's
completeness shows the work; an answer a person gave is never changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerState
from tekisei.core.catalog import urn
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Principal
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.db.records import DatasetRecordRow, ModelRecordRow
from tekisei.services import audit, systems
from tekisei.services.notes import note_text

Purpose = Literal["model", "dataset", "notice", "haip"]

ITEMS: dict[Purpose, tuple[str, ...]] = {
    "model": ("2.2", "fn17"),
    "dataset": ("2.2", "fn17", "2.5"),
    "notice": ("2.2", "fn18"),
    "haip": ("2.1", "fn16"),
}
"""The guideline items each kind of evidence serves."""

NOTES: dict[Purpose, NoteKey] = {
    "model": NoteKey.MODEL_RECORD_ATTACHED,
    "dataset": NoteKey.DATASET_RECORD_ATTACHED,
    "notice": NoteKey.NOTICE_ATTACHED,
    "haip": NoteKey.HAIP_REPORT_ATTACHED,
}
"""The automatic note an answer gets when the evidence starts it (worded per reader)."""


def reference(session: Session, principal: Principal, *, ref: str, title: AutoNote) -> EvidenceRow:
    """A new piece of evidence that refers to a tekisei object (``model:3``), audited;
    its title is worded for each reader."""
    row = EvidenceRow(
        org_id=principal.org_id,
        kind="reference",
        title=note_text(title, "ja")[:200],
        auto_title=title.stored(),
        reference=ref,
        created_by=principal.email,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "evidence.add",
        "evidence",
        row.id,
        {"kind": "reference", "reference": ref},
    )
    return row


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _open_assessment(session: Session, system_id: int) -> AssessmentRow | None:
    return session.scalars(
        select(AssessmentRow)
        .where(
            AssessmentRow.system_id == system_id,
            AssessmentRow.framework_id == systems.GUIDELINE,
            AssessmentRow.status == "open",
        )
        .order_by(AssessmentRow.id.desc())
    ).first()


def link(
    session: Session,
    principal: Principal,
    system_id: int,
    evidence_id: int,
    purpose: Purpose,
    assessment: AssessmentRow | None = None,
) -> list[str]:
    """Attach a piece of evidence to the items ``purpose`` serves in the system's open
    guideline assessment (or ``assessment``), where they apply to the system; returns the
    URNs it was attached to. The caller has checked the principal may write the record."""
    row = assessment or _open_assessment(session, system_id)
    if row is None:
        return []
    applicable = {r.urn for r in systems.system_requirements(session, principal, system_id)}
    wanted = [u for u in (urn(systems.GUIDELINE, ref) for ref in ITEMS[purpose]) if u in applicable]
    answers = {
        a.node_urn: a
        for a in session.scalars(select(AnswerRow).where(AnswerRow.assessment_id == row.id))
    }
    now = datetime.now(UTC)
    attached: list[str] = []
    started: list[str] = []
    for node_urn in wanted:
        answer = answers.get(node_urn)
        if answer is None:
            answer = AnswerRow(
                assessment_id=row.id, node_urn=node_urn, state=AnswerState.PARTIAL.value,
                notes="", auto_note=AutoNote.of(NOTES[purpose]).stored(), owner_id=None,
                owner_text="", justification="", updated_by=principal.email,
                updated_at=now, version=1,
            )  # fmt: skip
            session.add(answer)
            session.flush()
            started.append(node_urn)
        elif answer.state == AnswerState.NOT_STARTED.value:
            answer.state = AnswerState.PARTIAL.value
            if not answer.notes and answer.auto_note is None:
                answer.auto_note = AutoNote.of(NOTES[purpose]).stored()
            answer.updated_by = principal.email
            answer.updated_at = now
            answer.version += 1
            started.append(node_urn)
        linked = session.scalars(
            select(AnswerEvidenceRow.id).where(
                AnswerEvidenceRow.answer_id == answer.id,
                AnswerEvidenceRow.evidence_id == evidence_id,
            )
        ).first()
        if linked is None:
            session.add(AnswerEvidenceRow(answer_id=answer.id, evidence_id=evidence_id))
            attached.append(node_urn)
    session.flush()
    if attached:
        audit.record(
            session,
            _org(session, principal),
            principal.email,
            "assessment.attach_evidence",
            "assessment",
            row.id,
            {"requirements": attached, "evidence": evidence_id, "started": started},
        )
    return attached


def link_existing(session: Session, principal: Principal, assessment: AssessmentRow) -> None:
    """Attach the system's records, its published notice and the organisation's published
    HAIP reports to a new guideline assessment (called when one starts)."""
    system_id = assessment.system_id
    found: list[tuple[int, Purpose]] = []
    for table, purpose in ((ModelRecordRow, "model"), (DatasetRecordRow, "dataset")):
        ids = session.scalars(
            select(table.evidence_id)
            .where(table.system_id == system_id, table.evidence_id.is_not(None))
            .order_by(table.id)
        )
        found.extend((i, purpose) for i in ids if i is not None)  # type: ignore[misc]
    notice = session.scalars(select(NoticeRow).where(NoticeRow.system_id == system_id)).first()
    if notice is not None and notice.published_version and notice.withdrawn_at is None:
        latest = session.scalars(
            select(NoticeVersionRow.evidence_id).where(
                NoticeVersionRow.notice_id == notice.id,
                NoticeVersionRow.number == notice.published_version,
            )
        ).first()
        if latest is not None:
            found.append((latest, "notice"))
    reports = session.scalars(
        select(HaipReportVersionRow.evidence_id)
        .join(HaipReportRow, HaipReportRow.id == HaipReportVersionRow.report_id)
        .where(
            HaipReportRow.org_id == assessment.org_id,
            HaipReportRow.withdrawn_at.is_(None),
            HaipReportVersionRow.number == HaipReportRow.published_version,
            HaipReportVersionRow.evidence_id.is_not(None),
        )
        .order_by(HaipReportRow.id)
    )
    found.extend((i, "haip") for i in reports if i is not None)
    for evidence_id, purpose in found:
        link(session, principal, system_id, evidence_id, purpose, assessment)
