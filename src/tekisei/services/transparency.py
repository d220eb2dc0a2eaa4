"""Records, published notices, policies in force and the published governance statement
as evidence in the guideline assessments.

A model record serves 2(2) and fn 17 (where training data and models come from, so that a
disclosure request can be answered); a dataset record serves those and 2(5) (care for the
holders of the data); a published notice serves 2(2) and fn 18 (what users are told, with
warnings and a contact window). These belong to one system. An organisation's documents
belong to all its systems: a policy in force serves the guideline items its version names,
the published governance statement serves 2(1) and 3(4), and an approved ISO/IEC 42001
Statement of Applicability and a published HAIP report serve 2(1) and fn 16. A stakeholder
and each engagement with one serve 1(3)② and 2(2), for the systems they are linked to, or
for every system when they are linked to none. A data holder linked to a dataset record of
a system serves 2(5) for that system, and a vendor serves 2(4) (the dependencies a business
continuity plan names) for the systems that depend on it, as does a system's continuity
plan once a drill has tested it. The first passed quiz of each AI literacy module serves
1(2) AIリテラシー and 3(2) for every system of the organisation.

Each is attached as evidence to the items that apply to the system in its open guideline
assessment (an organisation's document: in every system's), and when a new assessment
starts, to that one (:data:`FINDERS` find what exists). An item nobody has answered yet
becomes "partially implemented", so the assessment's completeness shows the work; an
answer a person gave is never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from tekisei.db.soa import SoaApprovalRow
from tekisei.db.statements import StatementRow, StatementVersionRow
from tekisei.services import (
    audit,
    continuity_evidence,
    data_holder_evidence,
    incident_evidence,
    inquiry_evidence,
    judgement_evidence,
    literacy_evidence,
    policy_versions,
    procurement_evidence,
    stakeholder_evidence,
    systems,
    vendor_evidence,
)
from tekisei.services.notes import note_text

Purpose = Literal[
    "model",
    "dataset",
    "notice",
    "statement",
    "soa",
    "haip",
    "stakeholder",
    "data_holder",
    "vendor",
    "inquiry",
    "continuity",
    "incident",
    "judgement",
    "procurement",
    "literacy",
]


@dataclass(frozen=True)
class Use:
    """What a piece of evidence serves: the guideline items (catalog references such as
    ``2.2``) and the automatic note an answer it starts gets (worded per reader)."""

    items: tuple[str, ...]
    note: NoteKey


USES: dict[Purpose, Use] = {
    "model": Use(("2.2", "fn17"), NoteKey.MODEL_RECORD_ATTACHED),
    "dataset": Use(("2.2", "fn17", "2.5"), NoteKey.DATASET_RECORD_ATTACHED),
    "notice": Use(("2.2", "fn18"), NoteKey.NOTICE_ATTACHED),
    "statement": Use(("2.1", "3.4"), NoteKey.STATEMENT_ATTACHED),
    "soa": Use(("2.1", "fn16"), NoteKey.SOA_ATTACHED),
    "haip": Use(("2.1", "fn16"), NoteKey.HAIP_REPORT_ATTACHED),
    "stakeholder": Use(("1.3.2", "2.2"), NoteKey.STAKEHOLDER_ATTACHED),
    "data_holder": Use(("2.5",), NoteKey.DATA_HOLDER_ATTACHED),
    "vendor": Use(("2.4",), NoteKey.VENDOR_ATTACHED),
    "inquiry": Use(("fn17", "fn18"), NoteKey.INQUIRY_ATTACHED),
    "continuity": Use(("2.4",), NoteKey.CONTINUITY_ATTACHED),
    "incident": Use(("1.3.4", "fn16"), NoteKey.INCIDENT_ATTACHED),
    "judgement": Use(("3.1", "1.3.1"), NoteKey.JUDGEMENT_ATTACHED),
    "procurement": Use(("3.1",), NoteKey.PROCUREMENT_ATTACHED),
    "literacy": Use(("1.2.ai-literacy.1", "3.2"), NoteKey.LITERACY_ATTACHED),
}
"""What each kind of evidence with fixed items serves."""


def policy_use(items: list[str] | tuple[str, ...]) -> Use:
    """What a version of a policy serves: the items it names."""
    return Use(tuple(items), NoteKey.POLICY_ATTACHED)


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
    purpose: Purpose | Use,
    assessment: AssessmentRow | None = None,
) -> list[str]:
    """Attach a piece of evidence to the items ``purpose`` serves in the system's open
    guideline assessment (or ``assessment``), where they apply to the system; returns the
    URNs it was attached to. The caller has checked the principal may write the record."""
    row = assessment or _open_assessment(session, system_id)
    if row is None:
        return []
    use = purpose if isinstance(purpose, Use) else USES[purpose]
    applicable = {r.urn for r in systems.system_requirements(session, principal, system_id)}
    wanted = [u for u in (urn(systems.GUIDELINE, ref) for ref in use.items) if u in applicable]
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
                notes="", auto_note=AutoNote.of(use.note).stored(), owner_id=None,
                owner_text="", justification="", updated_by=principal.email,
                updated_at=now, version=1,
            )  # fmt: skip
            session.add(answer)
            session.flush()
            started.append(node_urn)
        elif answer.state == AnswerState.NOT_STARTED.value:
            answer.state = AnswerState.PARTIAL.value
            if not answer.notes and answer.auto_note is None:
                answer.auto_note = AutoNote.of(use.note).stored()
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


def link_org(session: Session, principal: Principal, evidence_id: int, use: Use) -> list[str]:
    """Attach a document of the organisation (a policy in force, the published statement)
    to the items ``use`` serves in the open guideline assessment of each of its systems,
    where they apply; returns the URNs attached to, across systems."""
    open_ones = session.scalars(
        select(AssessmentRow)
        .where(
            AssessmentRow.org_id == principal.org_id,
            AssessmentRow.framework_id == systems.GUIDELINE,
            AssessmentRow.status == "open",
        )
        .order_by(AssessmentRow.id)
    )
    attached: list[str] = []
    for row in open_ones:
        attached += link(session, principal, row.system_id, evidence_id, use, row)
    return attached


Found = tuple[int, Use]
"""A piece of evidence that exists (its id) and what it serves."""
Finder = Callable[[Session, AssessmentRow], list[Found]]
"""Finds what exists for a new assessment: evidence ids and what each serves."""


def _records(session: Session, assessment: AssessmentRow) -> list[Found]:
    found: list[Found] = []
    for table, purpose in ((ModelRecordRow, "model"), (DatasetRecordRow, "dataset")):
        ids = session.scalars(
            select(table.evidence_id)
            .where(table.system_id == assessment.system_id, table.evidence_id.is_not(None))
            .order_by(table.id)
        )
        found.extend((i, USES[purpose]) for i in ids if i is not None)  # type: ignore[index]
    return found


def _notice(session: Session, assessment: AssessmentRow) -> list[Found]:
    notice = session.scalars(
        select(NoticeRow).where(NoticeRow.system_id == assessment.system_id)
    ).first()
    if notice is None or not notice.published_version or notice.withdrawn_at is not None:
        return []
    latest = session.scalars(
        select(NoticeVersionRow.evidence_id).where(
            NoticeVersionRow.notice_id == notice.id,
            NoticeVersionRow.number == notice.published_version,
        )
    ).first()
    return [] if latest is None else [(latest, USES["notice"])]


def _policies(session: Session, assessment: AssessmentRow) -> list[Found]:
    org = session.get(OrgRow, assessment.org_id)
    assert org is not None
    return [
        (v.evidence_id, policy_use(v.items))
        for v in policy_versions.in_force_for_org(session, org)
        if v.evidence_id is not None
    ]


def _statement(session: Session, assessment: AssessmentRow) -> list[Found]:
    statement = session.scalars(
        select(StatementRow).where(StatementRow.org_id == assessment.org_id)
    ).first()
    if statement is None or not statement.published_version or statement.withdrawn_at:
        return []
    latest = session.scalars(
        select(StatementVersionRow.evidence_id).where(
            StatementVersionRow.statement_id == statement.id,
            StatementVersionRow.number == statement.published_version,
        )
    ).first()
    return [] if latest is None else [(latest, USES["statement"])]


def _soa(session: Session, assessment: AssessmentRow) -> list[Found]:
    approved = session.scalars(
        select(SoaApprovalRow.evidence_id)
        .where(SoaApprovalRow.org_id == assessment.org_id)
        .order_by(SoaApprovalRow.number.desc())
    ).first()
    return [] if approved is None else [(approved, USES["soa"])]


def _haip(session: Session, assessment: AssessmentRow) -> list[Found]:
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
    return [(i, USES["haip"]) for i in reports if i is not None]


def _stakeholders(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["stakeholder"]) for i in stakeholder_evidence.found(session, assessment)]


def _data_holders(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["data_holder"]) for i in data_holder_evidence.found(session, assessment)]


def _vendors(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["vendor"]) for i in vendor_evidence.found(session, assessment)]


def _inquiries(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["inquiry"]) for i in inquiry_evidence.found(session, assessment)]


def _continuity(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["continuity"]) for i in continuity_evidence.found(session, assessment)]


def _incidents(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["incident"]) for i in incident_evidence.found(session, assessment)]


def _judgements(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["judgement"]) for i in judgement_evidence.found(session, assessment)]


def _procurements(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["procurement"]) for i in procurement_evidence.found(session, assessment)]


def _literacy(session: Session, assessment: AssessmentRow) -> list[Found]:
    return [(i, USES["literacy"]) for i in literacy_evidence.found(session, assessment)]


FINDERS: tuple[Finder, ...] = (
    _records, _notice, _policies, _statement, _soa, _haip, _stakeholders, _data_holders,
    _vendors, _inquiries, _continuity, _incidents, _judgements, _procurements, _literacy,
)  # fmt: skip
"""What a new guideline assessment starts with: the system's records and published notice,
the organisation's policies in force, its published governance statement, its latest
approved ISO/IEC 42001 Statement of Applicability, its published HAIP reports, and the
stakeholders concerned with the system and the engagements with them, the data holders
linked to its dataset records, the vendors it depends on, the inquiries about it that
were answered, its continuity plan once drilled, the incidents on it that were closed
with lessons learned, its signed DS-920 high-risk judgement in force, its procurements
with their checklists, and the organisation's passed AI literacy modules."""


def link_existing(session: Session, principal: Principal, assessment: AssessmentRow) -> None:
    """Attach what exists (:data:`FINDERS`) to a new guideline assessment (called when one
    starts)."""
    for finder in FINDERS:
        for evidence_id, use in finder(session, assessment):
            link(session, principal, assessment.system_id, evidence_id, use, assessment)
