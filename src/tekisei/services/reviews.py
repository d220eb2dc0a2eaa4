"""Reviews (1(3)④): PDCA cycles per system, due by tier, opened by triggers; maturity trend."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.catalog import Localized
from tekisei.core.notes import AutoNote, read_notes
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.reviews import PHASES, Trigger, missing_phases, next_due
from tekisei.core.systems import Tier
from tekisei.db.orgs import OrgRow
from tekisei.db.reviews import ReviewRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, scope, systems
from tekisei.services.database import policy_of
from tekisei.services.notes import note_words
from tekisei.services.people import ActorNames


class ReviewOut(BaseModel):
    """A review cycle."""

    id: int
    system_id: int
    trigger: str
    reason: str
    """What people wrote."""
    auto_reasons: list[Localized] = []
    """What tekisei noted itself (a model or catalog change), in both languages."""
    status: str
    due: date
    plan: str
    do: str
    check: str
    act: str
    maturity: int | None
    opened_by: str
    opened_at: datetime
    completed_by: str | None
    completed_at: datetime | None


class DueOut(BaseModel):
    """When a system's next review is due."""

    system_id: int
    name: str
    tier: str
    due: date
    overdue: bool
    open_review: int | None


class MaturityPoint(BaseModel):
    """Average maturity (1-5) of the reviews completed in one month."""

    month: str
    maturity: float
    reviews: int


def view(row: ReviewRow, actors: ActorNames) -> ReviewOut:
    """The reader's view of ``row`` (``actors``: how the people who acted are shown)."""
    out = ReviewOut.model_validate(
        {
            **{name: getattr(row, name) for name in ReviewOut.model_fields},
            "auto_reasons": [note_words(n) for n in read_notes(row.auto_reasons)],
        }
    )
    return out.model_copy(
        update={"opened_by": actors(out.opened_by), "completed_by": actors(out.completed_by)}
    )


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _last_completed(session: Session, system_id: int) -> ReviewRow | None:
    return session.scalars(
        select(ReviewRow)
        .where(ReviewRow.system_id == system_id, ReviewRow.status == "completed")
        .order_by(ReviewRow.completed_at.desc())
    ).first()


def _open(session: Session, system_id: int) -> ReviewRow | None:
    return session.scalars(
        select(ReviewRow).where(ReviewRow.system_id == system_id, ReviewRow.status == "open")
    ).first()


def due_date(session: Session, system: SystemRow) -> date:
    """When the system's next review is due: after the last completed one (or after it
    was registered) by its tier's interval."""
    last = _last_completed(session, system.id)
    start = (last.completed_at if last and last.completed_at else system.created_at).date()
    return next_due(start, Tier.parse(system.tier), policy_of(session).review_days)


def open_review(
    session: Session, principal: Principal, system_id: int, trigger: Trigger, reason: str = ""
) -> ReviewRow:
    """Open a review cycle; one that is already open is returned with the new reason noted.

    Raises:
        PermissionDeniedError: the role may not write systems.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    return open_for(session, principal, system, trigger, reason)


def open_for(
    session: Session,
    principal: Principal,
    system: SystemRow,
    trigger: Trigger,
    reason: str | AutoNote,
) -> ReviewRow:
    """Open (or extend) the review of a system the caller already holds (used by triggers).

    ``reason`` is what a person wrote, or an automatic note when tekisei opens it."""
    note = reason.stored() if isinstance(reason, AutoNote) else None
    text = "" if isinstance(reason, AutoNote) else reason.strip()
    existing = _open(session, system.id)
    if existing is not None:
        if text:
            existing.reason = f"{existing.reason}\n{text}".strip()
        if note:
            existing.auto_reasons = [*(existing.auto_reasons or []), note]
        return existing
    row = ReviewRow(
        org_id=system.org_id,
        system_id=system.id,
        trigger=trigger.value,
        reason=text,
        auto_reasons=[note] if note else [],
        status="open",
        due=min(due_date(session, system), datetime.now(UTC).date())
        if trigger is not Trigger.SCHEDULED
        else due_date(session, system),
        plan="",
        do="",
        check="",
        act="",
        opened_by=principal.email,
        opened_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "review.open",
        "review",
        row.id,
        {
            "system": system.id,
            "trigger": trigger.value,
            "reason": row.reason,
            **({"note": note} if note else {}),
        },
    )
    return row


def _visible(session: Session, principal: Principal, review_id: int) -> ReviewRow:
    return scope.visible_row(
        session,
        principal,
        session.get(ReviewRow, review_id),
        NotFoundError(
            f"no review {review_id} in this organisation",
            ja=f"この組織にレビュー {review_id} はありません。",
        ),
    )


def record_phase(
    session: Session, principal: Principal, review_id: int, phase: str, text: str
) -> ReviewRow:
    """Write the plan, do, check or act record of an open review.

    Raises:
        InvalidInputError: an unknown phase.
        ConflictError: the review is completed.
    """
    row = _visible(session, principal, review_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    if phase not in PHASES:
        raise InvalidInputError(
            "the phase is plan, do, check or act", ja="段階は plan、do、check、act のいずれかです。"
        )
    if row.status != "open":
        raise ConflictError(
            f"review {review_id} is completed", ja=f"レビュー {review_id} は完了しています。"
        )
    before = getattr(row, phase)
    setattr(row, phase, text.strip())
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "review.record",
        "review",
        row.id,
        {"phase": phase, "before": before, "after": text.strip()},
    )
    return row


def complete_review(
    session: Session, principal: Principal, review_id: int, maturity: int
) -> ReviewRow:
    """Close a review once all four records are written, with the maturity reached (1-5).

    Raises:
        InvalidInputError: a record is missing or the maturity is outside 1-5.
    """
    row = _visible(session, principal, review_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    if row.status != "open":
        raise ConflictError(
            f"review {review_id} is already completed",
            ja=f"レビュー {review_id} はすでに完了しています。",
        )
    missing = missing_phases({p: getattr(row, p) for p in PHASES})
    if missing:
        raise InvalidInputError(
            f"write the {', '.join(missing)} record(s) before completing the review",
            ja=f"完了する前に {'、'.join(missing)} を記録してください。",
        )
    if not 1 <= maturity <= 5:
        raise InvalidInputError("maturity is 1 to 5", ja="成熟度は1から5で指定してください。")
    row.status = "completed"
    row.maturity = maturity
    row.completed_by = principal.email
    row.completed_at = datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "review.complete",
        "review",
        row.id,
        {"maturity": maturity},
    )
    return row


def list_reviews(session: Session, principal: Principal, system_id: int) -> list[ReviewRow]:
    """A system's reviews, newest first."""
    system = systems.visible_system(session, principal, system_id)
    return list(
        session.scalars(
            select(ReviewRow).where(ReviewRow.system_id == system.id).order_by(ReviewRow.id.desc())
        )
    )


def due_list(session: Session, principal: Principal, today: date | None = None) -> list[DueOut]:
    """Every visible system with its next due date, overdue first."""
    today = today or datetime.now(UTC).date()
    out = []
    for system in systems.list_systems(session, principal, limit=10_000)[1]:
        open_row = _open(session, system.id)
        due = open_row.due if open_row else due_date(session, system)
        out.append(
            DueOut(
                system_id=system.id,
                name=system.name,
                tier=system.tier,
                due=due,
                overdue=due < today,
                open_review=open_row.id if open_row else None,
            )
        )
    return sorted(out, key=lambda d: (not d.overdue, d.due))


def maturity_trend(session: Session, principal: Principal) -> list[MaturityPoint]:
    """Average maturity of completed reviews per month, oldest first."""
    require(principal, Permission.READ)
    months: dict[str, list[int]] = {}
    for row in session.scalars(
        select(ReviewRow).where(
            scope.visible(principal, ReviewRow.org_id, ReviewRow.system_id),
            ReviewRow.status == "completed",
        )
    ):
        if row.completed_at is None or row.maturity is None:
            continue
        months.setdefault(row.completed_at.strftime("%Y-%m"), []).append(row.maturity)
    return [
        MaturityPoint(month=m, maturity=round(sum(v) / len(v), 2), reviews=len(v))
        for m, v in sorted(months.items())
    ]
