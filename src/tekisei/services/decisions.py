"""Records of AI-assisted administrative decisions (guideline 3(4)): the list, the
statistics, the retention and the published statistics.

Every role of the organisation reads the records except external testers, for whom they
do not exist ("not found"). Administrators and editors import them
(:mod:`tekisei.services.decision_imports`); administrators set the retention and choose
the systems whose anonymised statistics are public. Records older than the retention are
deleted by :func:`purge` (``tekisei decisions purge``, run daily from cron), audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.decisions import (
    MAX_PUBLIC_RECORDS,
    Contribution,
    DecisionSettings,
    MonthTally,
    Outcome,
    PublicDecisions,
    Tally,
    anonymised,
    by_month,
    tally,
)
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.db.decisions import DecisionRow, DecisionSettingsRow
from tekisei.db.orgs import OrgRow
from tekisei.db.registers import RegisterEntryRow, RegisterRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible_system

MAX_LISTED = 500
"""Records one page of the list shows (newest first)."""


class DecisionView(BaseModel):
    """One decision record as a member reads it."""

    id: int
    system_id: int
    case_ref: str
    decided_on: date
    decision: str
    grounds: str
    contribution: Contribution
    ai_suggestion: str
    outcome: Outcome
    reviewer_id: int | None
    reviewer_name: str
    updated_at: datetime
    updated_by: str
    version: int


class DecisionStats(BaseModel):
    """A system's decisions in a period: the whole tally and each month's."""

    system_id: int
    start: date | None
    end: date | None
    total: Tally
    months: list[MonthTally]


class PublicDecisionStats(BaseModel):
    """A system's anonymised statistics as published (no cases, no people)."""

    system_id: int
    system_name: str
    total: Tally
    months: list[MonthTally]


class DecisionSettingsView(DecisionSettings):
    """The settings with the version to send back when changing them (0: the defaults)."""

    version: int


def _reader(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no decision records you can see",
            ja="この組織に、閲覧できる決定記録はありません。",
        )


def system_of(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """A system whose decision records the principal may read.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
    """
    _reader(principal)
    return visible_system(session, principal, system_id)


def _view(row: DecisionRow, actors: ActorNames) -> DecisionView:
    # A member is shown as the reader may see people (a name, or the email to managers).
    reviewer = (actors(row.reviewer_name) if row.reviewer_id else row.reviewer_name) or ""
    return DecisionView(
        id=row.id, system_id=row.system_id, case_ref=row.case_ref, decided_on=row.decided_on,
        decision=row.decision, grounds=row.grounds, contribution=Contribution(row.contribution),
        ai_suggestion=row.ai_suggestion, outcome=Outcome(row.outcome),
        reviewer_id=row.reviewer_id, reviewer_name=reviewer,
        updated_at=row.updated_at, updated_by=actors(row.updated_by) or "", version=row.version,
    )  # fmt: skip


def _period(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise InvalidInputError(
            "the period starts after it ends; swap the dates",
            ja="期間の開始日が終了日より後になっています。日付を入れ替えてください。",
            field="start",
        )


def list_decisions(
    session: Session,
    principal: Principal,
    system_id: int,
    start: date | None = None,
    end: date | None = None,
) -> list[DecisionView]:
    """The system's records decided in the period (both ends included), newest first, at
    most :data:`MAX_LISTED`.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
        InvalidInputError: the period starts after it ends.
    """
    system = system_of(session, principal, system_id)
    _period(start, end)
    query = select(DecisionRow).where(
        DecisionRow.org_id == principal.org_id, DecisionRow.system_id == system.id
    )
    if start:
        query = query.where(DecisionRow.decided_on >= start)
    if end:
        query = query.where(DecisionRow.decided_on <= end)
    rows = session.scalars(
        query.order_by(DecisionRow.decided_on.desc(), DecisionRow.id.desc()).limit(MAX_LISTED)
    )
    actors = ActorNames(session, principal)
    return [_view(row, actors) for row in rows]


def _stats_rows(
    session: Session, org_id: int, system_id: int, start: date | None, end: date | None
) -> list[tuple[date, Outcome]]:
    query = select(DecisionRow.decided_on, DecisionRow.outcome).where(
        DecisionRow.org_id == org_id, DecisionRow.system_id == system_id
    )
    if start:
        query = query.where(DecisionRow.decided_on >= start)
    if end:
        query = query.where(DecisionRow.decided_on <= end)
    return [(day, Outcome(outcome)) for day, outcome in session.execute(query)]


def decision_stats(
    session: Session,
    principal: Principal,
    system_id: int,
    start: date | None = None,
    end: date | None = None,
) -> DecisionStats:
    """How often the system's reviewers kept, changed or overrode the AI's suggestion in
    the period (both ends included), in all and by month.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
        InvalidInputError: the period starts after it ends.
    """
    system = system_of(session, principal, system_id)
    _period(start, end)
    rows = _stats_rows(session, principal.org_id, system.id, start, end)
    return DecisionStats(
        system_id=system.id, start=start, end=end,
        total=tally(outcome for _, outcome in rows), months=by_month(rows),
    )  # fmt: skip


def settings_of(session: Session, org_id: int) -> DecisionSettings:
    """The organisation's settings (the defaults until it saves its own)."""
    row = session.get(DecisionSettingsRow, org_id)
    if row is None:
        return DecisionSettings()
    return DecisionSettings(
        retention_days=row.retention_days,
        published=list(row.published),
        publish_records=row.publish_records,
    )


def read_settings(session: Session, principal: Principal) -> DecisionSettingsView:
    """The settings as a member reads them.

    Raises:
        NotFoundError: external testers.
    """
    _reader(principal)
    row = session.get(DecisionSettingsRow, principal.org_id)
    current = settings_of(session, principal.org_id)
    return DecisionSettingsView(**current.model_dump(), version=row.version if row else 0)


def update_settings(
    session: Session, principal: Principal, settings: DecisionSettings, version: int
) -> DecisionSettingsView:
    """Save the retention and the systems whose statistics are published.

    Raises:
        NotFoundError: external testers, or a published system not in the organisation.
        PermissionDeniedError: the role may not manage the organisation.
        ConflictError: ``version`` is not the one read.
    """
    _reader(principal)
    require(principal, Permission.MANAGE_ORG)
    published = sorted(set(settings.published))
    for system_id in published:
        visible_system(session, principal, system_id)
    row = session.get(DecisionSettingsRow, principal.org_id)
    check_version(
        "決定記録の設定", "", version, row.version if row else 0,
        kind_en="the decision record settings",
    )  # fmt: skip
    now = datetime.now(UTC)
    if row is None:
        row = DecisionSettingsRow(
            org_id=principal.org_id, retention_days=settings.retention_days,
            published=published, publish_records=settings.publish_records, updated_at=now,
            updated_by=principal.email, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.retention_days = settings.retention_days
        row.published = published
        row.publish_records = settings.publish_records
        row.updated_at = now
        row.updated_by = principal.email
        row.version += 1
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "decision.settings", "org",
        principal.org_id,
        {"retention_days": settings.retention_days, "published": published,
         "publish_records": settings.publish_records, "version": row.version},
    )  # fmt: skip
    return read_settings(session, principal)


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def purge(session: Session, principal: Principal, today: date | None = None) -> int:
    """Delete every record decided more than the retention days before ``today``; how many
    were deleted (run it daily, e.g. from cron). Audited, with the count per system.

    Raises:
        NotFoundError: external testers.
        PermissionDeniedError: the role may not manage the organisation.
    """
    _reader(principal)
    require(principal, Permission.MANAGE_ORG)
    today = today or datetime.now(UTC).date()
    days = settings_of(session, principal.org_id).retention_days
    cutoff = today - timedelta(days=days)
    expired = (DecisionRow.org_id == principal.org_id, DecisionRow.decided_on < cutoff)
    counts = dict(
        session.execute(
            select(DecisionRow.system_id, func.count())
            .where(*expired)
            .group_by(DecisionRow.system_id)
            .order_by(DecisionRow.system_id)
        ).all()
    )
    if not counts:
        return 0
    session.execute(delete(DecisionRow).where(*expired))
    total = sum(counts.values())
    audit.record(
        session, _org(session, principal.org_id), principal.email, "decision.purge", "org",
        principal.org_id,
        {"retention_days": days, "before": cutoff.isoformat(), "deleted": total,
         "systems": {str(k): v for k, v in counts.items()}},
    )  # fmt: skip
    return total


def published_decisions(
    session: Session, org_id: int, listed: list[int]
) -> dict[int, PublicDecisions]:
    """What the public register shows of the decisions of its ``listed`` systems: for each
    system the organisation publishes them for, the statistics and, when it opts in, the
    anonymised records (newest :data:`MAX_PUBLIC_RECORDS`). One query for all systems."""
    settings = settings_of(session, org_id)
    wanted = sorted(set(settings.published) & set(listed))
    if not wanted:
        return {}
    rows: dict[int, list[tuple[date, Outcome, Contribution]]] = {i: [] for i in wanted}
    found = session.execute(
        select(
            DecisionRow.system_id,
            DecisionRow.decided_on,
            DecisionRow.outcome,
            DecisionRow.contribution,
        )
        .where(DecisionRow.org_id == org_id, DecisionRow.system_id.in_(wanted))
        .order_by(DecisionRow.decided_on.desc(), DecisionRow.id.desc())
    )
    for system_id, day, outcome, contribution in found:
        rows[system_id].append((day, Outcome(outcome), Contribution(contribution)))
    published = {}
    for system_id, decided in rows.items():
        records = None
        if settings.publish_records:
            records = [anonymised(day, c, o) for day, o, c in decided[:MAX_PUBLIC_RECORDS]]
        published[system_id] = PublicDecisions(
            total=tally(o for _, o, _ in decided),
            months=by_month((day, o) for day, o, _ in decided),
            records=records,
        )
    return published


def public_stats(session: Session, org_id: int) -> list[PublicDecisionStats]:
    """The anonymised statistics of the systems listed on the organisation's register that
    it publishes them for (counts and shares, in all and by month; no case, no person), by
    system name."""
    listed = list(
        session.scalars(select(RegisterEntryRow.system_id).where(RegisterEntryRow.org_id == org_id))
    )
    published = published_decisions(session, org_id, listed)
    if not published:
        return []
    systems = session.scalars(
        select(SystemRow)
        .where(SystemRow.org_id == org_id, SystemRow.id.in_(list(published)))
        .order_by(SystemRow.name, SystemRow.id)
    )
    return [
        PublicDecisionStats(
            system_id=system.id,
            system_name=system.name,
            total=published[system.id].total,
            months=published[system.id].months,
        )
        for system in systems
    ]


def public_stats_of(session: Session, slug: str) -> list[PublicDecisionStats]:
    """:func:`public_stats` of the organisation whose short id is ``slug``, while its
    register of AI use is published.

    Raises:
        NotFoundError: no such organisation, or its register is not published (the same
            answer for both).
    """
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first()
    register = (
        session.scalars(select(RegisterRow).where(RegisterRow.org_id == org.id)).first()
        if org is not None
        else None
    )
    if org is None or register is None or register.published_at is None:
        raise NotFoundError(
            f"organisation {slug} publishes no register of AI use, so no decision statistics",
            ja=f"組織 {slug} はAI利用登録簿を公開していないため、決定の統計も公開されていません。",
        )
    return public_stats(session, org.id)
