"""Executive approval of the Statement of Applicability (guideline 2(1): management's
involvement; fn 16: a management system based on ISO/IEC 42001, disclosed).

An executive approves the version of the statement they read, with a note. What they
approve is kept as it was (every control with what was stated, the state the assessments
gave at that moment, how it was derived and its evidence) and never changed; a new
approval is a new numbered version. Each approval is evidence for 2(1) and fn 16 in the
open guideline assessments of the organisation's systems
(``services/transparency.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.soa import ApprovalLine, Statement, substance
from tekisei.db.soa import SoaApprovalRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, soa, soa_views, transparency
from tekisei.services.changes import check_version
from tekisei.services.orgs import approver_facts
from tekisei.services.people import ActorNames

MAX_NOTE = 2000


class ApprovalSummary(BaseModel):
    """One approved version of the statement."""

    number: int
    soa_version: int
    approved_by: str
    approved_at: datetime
    note: str
    evidence_id: int | None


class ApprovalView(ApprovalSummary):
    """One approved version with the statement exactly as it was approved."""

    statement: Statement


def _summary(row: SoaApprovalRow, actors: ActorNames) -> ApprovalSummary:
    return ApprovalSummary(
        number=row.number,
        soa_version=row.soa_version,
        approved_by=actors(row.approved_by) or "",
        approved_at=row.approved_at,
        note=row.note,
        evidence_id=row.evidence_id,
    )


def _latest(session: Session, org_id: int) -> SoaApprovalRow | None:
    return session.scalars(
        select(SoaApprovalRow)
        .where(SoaApprovalRow.org_id == org_id)
        .order_by(SoaApprovalRow.number.desc())
    ).first()


def approve(session: Session, principal: Principal, version: int, note: str = "") -> SoaApprovalRow:
    """Approve the statement as it stands at ``version`` (the version the executive read),
    keep it, and attach it as evidence for 2(1) and fn 16 to every open guideline
    assessment of the organisation's systems.

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: nothing was stated yet, ``version`` is not current, or nothing
            changed since the latest approval (neither what it states nor what the
            assessments give).
        InvalidInputError: too long a note.
    """
    soa.readable(principal)
    require(principal, Permission.APPROVE_DOCUMENTS)
    if len(note) > MAX_NOTE:
        raise InvalidInputError(
            f"the note is longer than {MAX_NOTE} characters",
            ja=f"コメントが長すぎます（{MAX_NOTE}文字まで）。",
            field="note",
        )
    org = soa.lock(session, principal)
    current = soa.current_version(session, principal)
    if current == 0:
        raise ConflictError(
            "nothing has been stated in the Statement of Applicability yet; state which "
            "controls apply (and why) before it is approved",
            ja="適用宣言書にはまだ何も記入されていません。承認の前に、各管理策を適用するか"
            "どうか（とその理由）を記入してください。",
        )
    check_version("適用宣言書", "", version, current, kind_en="the Statement of Applicability")
    live = soa_views.statement(session, principal)
    latest = _latest(session, principal.org_id)
    if latest is not None and substance(Statement.model_validate(latest.content)) == substance(
        live
    ):
        raise ConflictError(
            f"nothing changed since approval {latest.number} (version {latest.soa_version}): "
            "neither what the statement says nor the states the assessments give",
            ja=f"承認済みの第{latest.number}版（版{latest.soa_version}）から、記載内容も"
            "アセスメントから導いた実施状況も変わっていません。",
        )
    number = (
        session.scalar(
            select(func.max(SoaApprovalRow.number)).where(SoaApprovalRow.org_id == org.id)
        )
        or 0
    ) + 1
    # The evidence is made and attached first, and the statement read after: an approval
    # is written once and never updated, and what it keeps already counts the answers the
    # attachment started (the statement never lists itself as evidence).
    kept = transparency.reference(
        session,
        principal,
        ref=f"soa:{number}",
        title=AutoNote.of(NoteKey.SOA_EVIDENCE, number=number, version=current),
    )
    system_ids = list(
        session.scalars(
            select(SystemRow.id).where(SystemRow.org_id == org.id).order_by(SystemRow.id)
        )
    )
    for system_id in system_ids:
        transparency.link(session, principal, system_id, kept.id, "soa")
    live = soa_views.statement(session, principal)
    now = datetime.now(UTC)
    actors = ActorNames(session, principal)
    live.approval = ApprovalLine(
        number=number,
        soa_version=current,
        approved_by=actors(principal.email) or "",
        approved_at=now,
        note=note.strip(),
    )
    facts = approver_facts(session, principal)
    row = SoaApprovalRow(
        org_id=org.id,
        number=number,
        soa_version=current,
        content=live.model_dump(mode="json"),
        approved_by=principal.email,
        approved_at=now,
        note=note.strip(),
        approver_added_by=facts["approver_added_by"],
        evidence_id=kept.id,
    )
    session.add(row)
    session.flush()
    head = soa.head(session, principal.org_id)
    audit.record(
        session,
        org,
        principal.email,
        "soa.approve",
        "soa",
        number,
        {
            "number": number,
            "version": current,
            "note": row.note,
            "evidence": kept.id,
            "states": {c.ref: c.state.value for c in live.controls},
            **facts,
            "subject_updated_by": head.updated_by if head else None,
        },
    )
    return row


def list_approvals(session: Session, principal: Principal) -> list[ApprovalSummary]:
    """Every approved version of the statement, newest first.

    Raises:
        PermissionDeniedError: an external tester.
    """
    soa.readable(principal)
    actors = ActorNames(session, principal)
    rows = session.scalars(
        select(SoaApprovalRow)
        .where(SoaApprovalRow.org_id == principal.org_id)
        .order_by(SoaApprovalRow.number.desc())
    )
    return [_summary(r, actors) for r in rows]


def get_approval(session: Session, principal: Principal, number: int) -> ApprovalView:
    """One approved version, exactly as it was approved.

    Raises:
        PermissionDeniedError: an external tester.
        NotFoundError: no approval with that number in this organisation.
    """
    soa.readable(principal)
    row = session.scalars(
        select(SoaApprovalRow).where(
            SoaApprovalRow.org_id == principal.org_id, SoaApprovalRow.number == number
        )
    ).first()
    if row is None:
        raise NotFoundError(
            f"the Statement of Applicability has no approved version {number}",
            ja=f"適用宣言書に承認済みの第{number}版はありません。",
        )
    summary = _summary(row, ActorNames(session, principal))
    return ApprovalView(
        **summary.model_dump(), statement=Statement.model_validate(row.content)
    )  # fmt: skip


def latest_approval(session: Session, principal: Principal) -> SoaApprovalRow | None:
    """The latest approved version (None: never approved)."""
    soa.readable(principal)
    return _latest(session, principal.org_id)


def approval_is_current(approval: SoaApprovalRow | None, live: Statement) -> bool:
    """Whether the latest approval vouches for the statement as it stands now."""
    return approval is not None and substance(Statement.model_validate(approval.content)) == (
        substance(live)
    )
