"""Executive approval of a HAIP report (2(1): governance with the management's
involvement; fn 16): a report is published only after an executive approved that very
draft, together with the facts taken from the workspace when the approval was requested.

An editor requests the approval of the draft version they read; tekisei takes the facts
then, so the executive approves what will be published, not whatever the workspace says
later. The executive approves or rejects the version they read with a reason, recorded in
the audit log with who made them a member (separation of duties). Editing the draft makes
a new version, which the approval does not cover. Approving changes no assessment answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tekisei.core.haip_reports import MAX_REASON
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.haip_reports import HaipReportRow
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import audit, haip_reports
from tekisei.services.changes import check_version
from tekisei.services.notifications import Event, notify
from tekisei.services.orgs import approver_facts


def request_approval(
    session: Session, principal: Principal, report_id: int, version: int, note: str = ""
) -> HaipReportRow:
    """Ask an executive to approve the draft the caller read, with the facts as they are
    now (kept with the request).

    Raises:
        PermissionDeniedError: the role may not write reports.
        ConflictError: ``version`` is not current, or this draft is already waiting or
            approved.
        InvalidInputError: the draft has no title or no narrative, or the note is too long.
    """
    row = haip_reports.get_report(session, principal, report_id)
    require(principal, Permission.WRITE_REPORTS)
    check_version(
        haip_reports.KIND_JA, report_id, version, row.version, kind_en=haip_reports.KIND_EN
    )
    if row.approval_status in ("pending", "approved") and row.approval_version == row.version:
        raise ConflictError(
            "this draft is already waiting for an executive or approved",
            ja="この下書きはすでに承認待ちか、承認済みです。",
        )
    problems = haip_reports.problems_of(row)
    if problems:
        raise InvalidInputError(
            "; ".join(en for en, _ in problems), ja=" ".join(ja + "。" for _, ja in problems)
        )
    if len(note) > MAX_REASON:
        raise InvalidInputError(
            f"the note is longer than {MAX_REASON} characters",
            ja=f"メモが長すぎます（{MAX_REASON}文字まで）。",
        )
    facts = haip_reports.period_zone_facts(session, principal, row)
    row.snapshot = facts.model_dump(mode="json")
    row.approval_status = "pending"
    row.approval_version = row.version
    row.approval_requested_by = principal.email
    row.approval_requested_at = datetime.now(UTC)
    row.approval_note = note.strip()
    row.decided_by = row.decided_at = row.decision_reason = row.decider_added_by = None
    session.flush()
    audit.record(
        session,
        haip_reports.org_of(session, principal),
        principal.email,
        "haip_report.request_approval",
        "haip_report",
        row.id,
        {"version": row.version, "note": row.approval_note},
    )
    notify(
        session, principal.org_id, Event.APPROVAL_REQUESTED,
        permission=Permission.APPROVE_REPORTS, skip=principal.user_id,
        link=f"/reports/haip/{row.id}",
        title_ja=f"HAIP報告書「{row.title}」の公開について承認を求められています",
        title_en=f"Approval asked: publish the HAIP report “{row.title}”",
    )  # fmt: skip
    return row


def decide_approval(
    session: Session,
    principal: Principal,
    report_id: int,
    *,
    approve: bool,
    reason: str,
    version: int,
) -> HaipReportRow:
    """An executive approves or rejects the draft they read (``version``) with the facts
    taken for it, giving a reason.

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: nothing waits for a decision, or the draft changed since.
        InvalidInputError: no reason, or too long a one.
    """
    row = haip_reports.get_report(session, principal, report_id)
    require(principal, Permission.APPROVE_REPORTS)
    if row.approval_status != "pending":
        raise ConflictError(
            "no approval of this report is waiting; the editor requests one first",
            ja="このHAIP報告書に承認待ちの申請はありません。先に編集者が承認を申請します。",
        )
    if version != row.version or row.approval_version != row.version:
        raise ConflictError(
            "the draft changed after approval was requested; read it again and ask for "
            "approval again",
            ja="承認の申請後に下書きが変更されました。読み直してから、改めて承認を申請してください。",
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"give the reason for the decision (at most {MAX_REASON} characters)",
            ja=f"判断の理由を記入してください（{MAX_REASON}文字まで）。",
        )
    facts = approver_facts(session, principal)
    row.approval_status = "approved" if approve else "rejected"
    row.decided_by = principal.email
    row.decided_at = datetime.now(UTC)
    row.decision_reason = reason.strip()
    row.decider_added_by = facts["approver_added_by"]
    session.flush()
    audit.record(
        session,
        haip_reports.org_of(session, principal),
        principal.email,
        "haip_report.approve" if approve else "haip_report.reject",
        "haip_report",
        row.id,
        {
            "version": row.version,
            "reason": row.decision_reason,
            **facts,
            "subject_created_by": row.approval_requested_by,
        },
    )
    return row
