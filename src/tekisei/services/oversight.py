"""Oversight across organisations (guideline 3(2)): grants, and the aggregates a
supervising organisation reads of the organisations that granted it (rules and figures in
:mod:`tekisei.core.oversight`).

An organisation that has not granted, or has revoked, does not exist for the supervisor:
every read of it is "not found", whether or not the organisation exists. Grants, their
changes and revocations, and every read of aggregates leave an audit event in BOTH
organisations' logs; the two events are written in the order of the organisations' ids,
so concurrent readers queue rather than deadlock on the chains' heads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.incidents import IncidentState
from tekisei.core.inquiries import OPEN_STATES
from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.core.oversight import (
    MAX_SHARED,
    MAX_TREND,
    RESPONSE_WINDOW_DAYS,
    Aggregates,
    Figures,
    SharedSystem,
    TotalTrendPoint,
    TrendPoint,
    combine,
    month_of,
    months,
    require_reader,
    summarise,
    total_point,
    trend_point,
    with_gaps,
)
from tekisei.db.incidents import IncidentRow
from tekisei.db.inquiries import InquiryRow
from tekisei.db.orgs import OrgRow
from tekisei.db.oversight import OversightGrantRow, OversightSnapshotRow
from tekisei.db.reviews import ReviewRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import assessments, audit, reviews
from tekisei.services.changes import check_version
from tekisei.services.database import Database
from tekisei.services.scope import visible_system


class GrantedSystem(BaseModel):
    """A system shared item by item, as its own organisation lists it."""

    id: int
    name: str


class GrantView(BaseModel):
    """A grant as the granting organisation reads it."""

    supervisor: str
    """The supervising organisation's short id (slug)."""
    supervisor_name: str
    systems: list[GrantedSystem]
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool
    version: int


class GrantingOrg(BaseModel):
    """An organisation that grants the reader's organisation oversight."""

    slug: str
    name: str
    granted_at: datetime
    shared_systems: int


class OrgOversight(BaseModel):
    """One granting organisation as its supervisor reads it."""

    slug: str
    name: str
    aggregates: Aggregates
    systems: list[SharedSystem]
    """The systems it shared item by item (a summary of each, nothing else)."""
    trend: list[TrendPoint]
    """One point per month from the first snapshot to this month, oldest first (at most
    the last 24); a month without a snapshot is a "no data" point."""


class Overview(BaseModel):
    """The supervisor's dashboard: every granting organisation and the totals."""

    orgs: list[OrgOversight]
    totals: Aggregates
    trend: list[TotalTrendPoint]


# ----------------------------------------------------------------------------- helpers


def _own(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _org_by_slug(session: Session, slug: str) -> OrgRow:
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first()
    if org is None:
        raise NotFoundError(f"no organisation {slug}", ja=f"組織 {slug} は見つかりません。")
    return org


def _record_both(
    session: Session,
    actor: str,
    action: str,
    events: list[tuple[OrgRow, str, dict[str, Any]]],
) -> None:
    # Ascending ids: two transactions lock the organisations' chain heads in one order.
    for org, object_id, summary in sorted(events, key=lambda e: e[0].id):
        audit.record(session, org, actor, action, "org", object_id, summary)


def _shared(session: Session, principal: Principal, ids: list[int]) -> list[int]:
    unique = sorted(set(ids))
    if len(unique) > MAX_SHARED:
        raise InvalidInputError(
            f"a grant shares at most {MAX_SHARED} systems; share fewer",
            ja=f"個別に共有できるシステムは{MAX_SHARED}件までです。件数を減らしてください。",
            field="systems",
        )
    for system_id in unique:
        visible_system(session, principal, system_id)
    return unique


def _names(session: Session, org_id: int, ids: list[int]) -> list[GrantedSystem]:
    if not ids:
        return []
    rows = session.execute(
        select(SystemRow.id, SystemRow.name)
        .where(SystemRow.org_id == org_id, SystemRow.id.in_(ids))
        .order_by(SystemRow.name, SystemRow.id)
    )
    return [GrantedSystem(id=i, name=n) for i, n in rows]


def _grant_view(session: Session, row: OversightGrantRow) -> GrantView:
    supervisor = session.get(OrgRow, row.supervisor_id)
    assert supervisor is not None
    return GrantView(
        supervisor=supervisor.slug, supervisor_name=supervisor.name,
        systems=_names(session, row.org_id, list(row.systems)),
        granted_at=row.granted_at, granted_by=row.granted_by, revoked_at=row.revoked_at,
        revoked_by=row.revoked_by, active=row.revoked_at is None, version=row.version,
    )  # fmt: skip


def _grant_row(session: Session, org_id: int, supervisor_id: int) -> OversightGrantRow | None:
    return session.scalars(
        select(OversightGrantRow).where(
            OversightGrantRow.org_id == org_id, OversightGrantRow.supervisor_id == supervisor_id
        )
    ).first()


def _no_grant(slug: str) -> NotFoundError:
    return NotFoundError(
        f"this organisation has no grant to {slug}; grant it first",
        ja=f"この組織は {slug} に監督の閲覧を許可していません。先に許可してください。",
    )


# ----------------------------------------------------------------------------- grantor


def list_grants(session: Session, principal: Principal) -> list[GrantView]:
    """The organisation's grants, active first, then by supervisor (every member but
    external testers reads them).

    Raises:
        NotFoundError: external testers.
    """
    require(principal, Permission.READ)
    if principal.role is Role.EXTERNAL_TESTER:
        raise NotFoundError(
            "this organisation has no oversight grants you can see",
            ja="この組織に、閲覧できる監督の許可はありません。",
        )
    rows = session.scalars(
        select(OversightGrantRow).where(OversightGrantRow.org_id == principal.org_id)
    )
    views = [_grant_view(session, row) for row in rows]
    return sorted(views, key=lambda g: (not g.active, g.supervisor))


def grant(
    session: Session, principal: Principal, supervisor: str, systems: list[int] | None = None
) -> GrantView:
    """Grant the organisation ``supervisor`` (its slug) read access to this organisation's
    aggregates, and to the summaries of ``systems``. Audited in both organisations.

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
        NotFoundError: no such supervising organisation, or a system not in this one.
        InvalidInputError: the organisation itself, or too many systems.
        ConflictError: a grant to it is already active.
    """
    # Systems first: one the caller cannot see is "not found" whatever the role.
    shared = _shared(session, principal, systems or [])
    require(principal, Permission.MANAGE_ORG)
    other = _org_by_slug(session, supervisor)
    if other.id == principal.org_id:
        raise InvalidInputError(
            "an organisation cannot grant oversight to itself; give the supervising "
            "organisation's short id",
            ja="自組織には許可できません。監督する組織の短縮名を指定してください。",
            field="supervisor",
        )
    row = _grant_row(session, principal.org_id, other.id)
    now = datetime.now(UTC)
    if row is not None and row.revoked_at is None:
        raise ConflictError(
            f"{supervisor} already has oversight; change the shared systems or revoke it",
            ja=f"{supervisor} にはすでに許可しています。共有するシステムを変更するか、"
            "許可を取り消してください。",
        )
    if row is None:
        row = OversightGrantRow(
            org_id=principal.org_id, supervisor_id=other.id, systems=shared, granted_at=now,
            granted_by=principal.email, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.systems = shared
        row.granted_at = now
        row.granted_by = principal.email
        row.revoked_at = None
        row.revoked_by = None
        row.version += 1
    session.flush()
    own = _own(session, principal)
    _record_both(
        session, principal.email, "oversight.grant",
        [(own, other.slug, {"supervisor": other.slug, "systems": shared}),
         (other, own.slug, {"org": own.slug, "systems": len(shared)})],
    )  # fmt: skip
    return _grant_view(session, row)


def share_systems(
    session: Session, principal: Principal, supervisor: str, systems: list[int], version: int
) -> GrantView:
    """Change the systems shared item by item with ``supervisor``. Audited in both.

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
        NotFoundError: no active grant to it, or a system not in this organisation.
        ConflictError: ``version`` is not the one read.
    """
    shared = _shared(session, principal, systems)
    require(principal, Permission.MANAGE_ORG)
    other = _org_by_slug(session, supervisor)
    row = _grant_row(session, principal.org_id, other.id)
    if row is None or row.revoked_at is not None:
        raise _no_grant(supervisor)
    check_version("監督の許可", supervisor, version, row.version, kind_en="the oversight grant to")
    row.systems = shared
    row.version += 1
    session.flush()
    own = _own(session, principal)
    _record_both(
        session, principal.email, "oversight.share",
        [(own, other.slug, {"supervisor": other.slug, "systems": shared}),
         (other, own.slug, {"org": own.slug, "systems": len(shared)})],
    )  # fmt: skip
    return _grant_view(session, row)


def revoke(session: Session, principal: Principal, supervisor: str) -> GrantView:
    """Revoke the grant to ``supervisor``: from now on it sees nothing of this
    organisation. Audited in both organisations.

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
        NotFoundError: no active grant to it.
    """
    require(principal, Permission.MANAGE_ORG)
    other = _org_by_slug(session, supervisor)
    row = _grant_row(session, principal.org_id, other.id)
    if row is None or row.revoked_at is not None:
        raise _no_grant(supervisor)
    row.revoked_at = datetime.now(UTC)
    row.revoked_by = principal.email
    row.version += 1
    session.flush()
    own = _own(session, principal)
    _record_both(
        session, principal.email, "oversight.revoke",
        [(own, other.slug, {"supervisor": other.slug}), (other, own.slug, {"org": own.slug})],
    )  # fmt: skip
    return _grant_view(session, row)


# ----------------------------------------------------------------------------- supervisor


def _active_grants(session: Session, supervisor_id: int) -> list[tuple[OversightGrantRow, OrgRow]]:
    rows = session.execute(
        select(OversightGrantRow, OrgRow)
        .join(OrgRow, OrgRow.id == OversightGrantRow.org_id)
        .where(
            OversightGrantRow.supervisor_id == supervisor_id,
            OversightGrantRow.revoked_at.is_(None),
        )
        .order_by(OrgRow.name, OrgRow.id)
    )
    return [(g, o) for g, o in rows]


def granting_orgs(session: Session, principal: Principal) -> list[GrantingOrg]:
    """The organisations that grant the reader's organisation oversight (names only, no
    figures: not audited as a read).

    Raises:
        PermissionDeniedError: the role may not read oversight.
    """
    require_reader(principal)
    return [
        GrantingOrg(
            slug=o.slug, name=o.name, granted_at=g.granted_at, shared_systems=len(g.systems)
        )
        for g, o in _active_grants(session, principal.org_id)
    ]


def _inside(org: OrgRow, reader: Principal) -> Principal:
    # Read-only and inside the service only: lets the organisation's own rules (which
    # systems, which reviews are due) compute its figures; nothing but counts leaves.
    return Principal(
        user_id=None, email=reader.email, org_id=org.id, org_slug=org.slug, role=Role.AUDITOR,
        org_name=org.name, time_zone=org.time_zone,
    )  # fmt: skip


def figures(session: Session, org: OrgRow, reader: Principal, today: date) -> Figures:
    """The raw figures of ``org`` on ``today`` (no permission check: callers hold a grant)."""
    found = Figures()
    systems = list(session.scalars(select(SystemRow).where(SystemRow.org_id == org.id)))
    inside = _inside(org, reader)
    for s in systems:
        found.by_tier[s.tier] = found.by_tier.get(s.tier, 0) + 1
        found.by_domain[s.domain] = found.by_domain.get(s.domain, 0) + 1
        found.by_stage[s.stage] = found.by_stage.get(s.stage, 0) + 1
    for total, answered in assessments.guideline_completeness(session, org, systems).values():
        found.assessed += 1
        found.requirements += total
        found.answered += answered
    found.systems = len(systems)
    found.reviews_overdue = sum(1 for d in reviews.due_list(session, inside, today) if d.overdue)
    for severity, state, count in session.execute(
        select(IncidentRow.severity, IncidentRow.state, func.count(IncidentRow.id))
        .where(IncidentRow.org_id == org.id)
        .group_by(IncidentRow.severity, IncidentRow.state)
    ):
        side = (
            found.incidents_closed if state == IncidentState.CLOSED.value else found.incidents_open
        )
        side[severity] = side.get(severity, 0) + count
    found.inquiries_open = (
        session.scalar(
            select(func.count(InquiryRow.id)).where(
                InquiryRow.org_id == org.id, InquiryRow.state.in_([s.value for s in OPEN_STATES])
            )
        )
        or 0
    )
    since = datetime.combine(today - timedelta(days=RESPONSE_WINDOW_DAYS), datetime.min.time(), UTC)
    for received, replied in session.execute(
        select(InquiryRow.received_at, InquiryRow.first_reply_at).where(
            InquiryRow.org_id == org.id,
            InquiryRow.received_at >= since,
            InquiryRow.first_reply_at.is_not(None),
        )
    ):
        if replied is not None:
            found.response_days.append(_days(received, replied))
    return found


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _days(start: datetime, end: datetime) -> float:
    return max(0.0, (_aware(end) - _aware(start)).total_seconds() / 86_400)


def _date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _shared_systems(session: Session, org: OrgRow, ids: list[int]) -> list[SharedSystem]:
    if not ids:
        return []
    rows = list(
        session.scalars(
            select(SystemRow)
            .where(SystemRow.org_id == org.id, SystemRow.id.in_(ids))
            .order_by(SystemRow.name, SystemRow.id)
        )
    )
    last = dict(
        session.execute(
            select(ReviewRow.system_id, func.max(ReviewRow.completed_at))
            .where(ReviewRow.org_id == org.id, ReviewRow.system_id.in_(ids))
            .group_by(ReviewRow.system_id)
        ).all()
    )
    return [
        SharedSystem(
            id=s.id,
            name=s.name,
            purpose=s.purpose,
            tier=s.tier,
            stage=s.stage,
            last_review=_date(last.get(s.id)),
        )
        for s in rows
    ]


def _snapshot(
    session: Session, org: OrgRow, supervisor_id: int, month: str, raw: Figures
) -> Aggregates:
    """Write (or replace) the month's snapshot of ``org`` for ``supervisor_id``; the
    requirement counts are kept beside the aggregates so that totals have a true
    completeness."""
    aggregates = summarise(raw)
    kept = aggregates.model_dump(mode="json") | {
        "requirements": raw.requirements, "answered": raw.answered,
    }  # fmt: skip
    row = session.scalars(
        select(OversightSnapshotRow).where(
            OversightSnapshotRow.org_id == org.id,
            OversightSnapshotRow.supervisor_id == supervisor_id,
            OversightSnapshotRow.month == month,
        )
    ).first()
    now = datetime.now(UTC)
    if row is None:
        session.add(
            OversightSnapshotRow(
                org_id=org.id,
                supervisor_id=supervisor_id,
                month=month,
                figures=kept,
                taken_at=now,
            )
        )
    else:
        row.figures = kept
        row.taken_at = now
    session.flush()
    return aggregates


def _trend(session: Session, org_id: int, supervisor_id: int, month: str) -> list[TrendPoint]:
    rows = session.scalars(
        select(OversightSnapshotRow)
        .where(
            OversightSnapshotRow.org_id == org_id,
            OversightSnapshotRow.supervisor_id == supervisor_id,
        )
        .order_by(OversightSnapshotRow.month.desc())
        .limit(MAX_TREND)
    )
    points = [
        trend_point(
            r.month, Aggregates.model_validate(r.figures), r.figures.get("requirements"),
            r.figures.get("answered"),
        )
        for r in rows
    ]  # fmt: skip
    return with_gaps(points, month)


def _read(
    session: Session,
    principal: Principal,
    pairs: list[tuple[OversightGrantRow, OrgRow]],
    today: date,
    view: str,
) -> list[tuple[OrgOversight, Figures]]:
    reader_org = _own(session, principal)
    # The audit events first: they lock both chain heads, so two readers of the same
    # organisation write its month's snapshot one after the other.
    events: list[tuple[OrgRow, str, dict[str, Any]]] = []
    for _, org in pairs:
        events.append((org, reader_org.slug, {"supervisor": reader_org.slug, "view": view}))
        events.append((reader_org, org.slug, {"org": org.slug, "view": view}))
    _record_both(session, principal.email, "oversight.read", events)
    month = month_of(today)
    found = []
    for grant_row, org in pairs:
        raw = figures(session, org, principal, today)
        aggregates = _snapshot(session, org, principal.org_id, month, raw)
        found.append(
            (
                OrgOversight(
                    slug=org.slug,
                    name=org.name,
                    aggregates=aggregates,
                    systems=_shared_systems(session, org, list(grant_row.systems)),
                    trend=_trend(session, org.id, principal.org_id, month),
                ),
                raw,
            )
        )
    return found


def view_org(
    session: Session, principal: Principal, slug: str, today: date | None = None
) -> OrgOversight:
    """The aggregates of the organisation ``slug`` that grants the reader's organisation
    oversight, its shared systems and its trend. Audited in both organisations, and the
    month's snapshot is written.

    Raises:
        PermissionDeniedError: the role may not read oversight.
        NotFoundError: no such organisation, or it has not granted (or has revoked).
    """
    require_reader(principal)
    pairs = [(g, o) for g, o in _active_grants(session, principal.org_id) if o.slug == slug]
    if not pairs:
        raise NotFoundError(
            f"no organisation {slug} grants you oversight",
            ja=f"組織 {slug} から監督の閲覧を許可されていません。",
        )
    return _read(session, principal, pairs, today or datetime.now(UTC).date(), "org")[0][0]


def overview(session: Session, principal: Principal, today: date | None = None) -> Overview:
    """Every organisation that grants the reader's organisation oversight, with the totals
    across them and the totals' trend. Every read is audited in both organisations.

    Raises:
        PermissionDeniedError: the role may not read oversight.
    """
    require_reader(principal)
    pairs = _active_grants(session, principal.org_id)
    read = _read(session, principal, pairs, today or datetime.now(UTC).date(), "overview")
    by_month: dict[str, list[TrendPoint]] = {}
    for org, _ in read:
        for point in org.trend:
            by_month.setdefault(point.month, []).append(point)
    trend = (
        [total_point(m, by_month.get(m, [])) for m in months(min(by_month), max(by_month))]
        if by_month
        else []
    )
    return Overview(
        orgs=[org for org, _ in read],
        totals=summarise(combine(raw for _, raw in read)),
        trend=trend,
    )


# ----------------------------------------------------------------------------- snapshots


class SnapshotTaken(BaseModel):
    """One snapshot written: of ``org`` for its supervisor ``supervisor``."""

    org: str
    supervisor: str
    month: str


class SnapshotReport(BaseModel):
    """What :func:`take_snapshots` wrote."""

    month: str
    taken: list[SnapshotTaken]
    skipped: int = 0
    """Grants whose month's snapshot had already been taken that day (daily run only)."""


def _grants_of(
    session: Session, slug: str | None
) -> list[tuple[OversightGrantRow, OrgRow, OrgRow]]:
    """Every active grant (or those ``slug`` gives or receives) with the granting and the
    supervising organisation, in a fixed order."""
    rows = session.execute(
        select(OversightGrantRow).where(OversightGrantRow.revoked_at.is_(None))
    ).scalars()
    found = []
    for grant_row in rows:
        org = session.get(OrgRow, grant_row.org_id)
        supervisor = session.get(OrgRow, grant_row.supervisor_id)
        assert org is not None and supervisor is not None
        if slug is None or slug in (org.slug, supervisor.slug):
            found.append((grant_row, org, supervisor))
    return sorted(found, key=lambda t: (t[2].id, t[1].id))


def take_snapshots(
    session: Session,
    actor: str,
    today: date | None = None,
    org: str | None = None,
    *,
    once_a_day: bool = False,
) -> SnapshotReport:
    """Take the month's snapshot of every active grant (or of the grants the organisation
    ``org`` gives or receives), so that a month nobody read is not a gap in the trend.
    The month's row is replaced, never added to: running it again the same month only
    brings the figures up to date. Each snapshot is audited in both organisations as a
    read (``oversight.read`` with view ``snapshot``), by ``actor``.

    ``once_a_day`` (the web app's daily run, which several processes may do) skips a
    grant whose month's snapshot was already taken that day, by a read or another run.

    Raises:
        NotFoundError: ``org`` is not an organisation.
    """
    today = today or datetime.now(UTC).date()
    month = month_of(today)
    if org is not None:
        _org_by_slug(session, org)
    grants = _grants_of(session, org)
    due = []
    for grant_row, granting, supervisor in grants:
        taken = session.scalar(
            select(OversightSnapshotRow.taken_at).where(
                OversightSnapshotRow.org_id == granting.id,
                OversightSnapshotRow.supervisor_id == supervisor.id,
                OversightSnapshotRow.month == month,
            )
        )
        if once_a_day and taken is not None and _aware(taken).date() == today:
            continue
        due.append((grant_row, granting, supervisor))
    events: list[tuple[OrgRow, str, dict[str, Any]]] = []
    for _, granting, supervisor in due:
        events.append(
            (granting, supervisor.slug, {"supervisor": supervisor.slug, "view": "snapshot"})
        )
        events.append((supervisor, granting.slug, {"org": granting.slug, "view": "snapshot"}))
    # The audit events first, in the organisations' order: they lock the chain heads, so a
    # read and a run at the same moment write the month's row one after the other.
    _record_both(session, actor, "oversight.read", events)
    taken_now: list[SnapshotTaken] = []
    for _, granting, supervisor in due:
        operator = Principal(
            user_id=None, email=actor, org_id=supervisor.id, org_slug=supervisor.slug,
            role=Role.AUDITOR, org_name=supervisor.name,
        )  # fmt: skip
        _snapshot(
            session, granting, supervisor.id, month, figures(session, granting, operator, today)
        )
        taken_now.append(SnapshotTaken(org=granting.slug, supervisor=supervisor.slug, month=month))
    return SnapshotReport(month=month, taken=taken_now, skipped=len(grants) - len(due))


def daily_snapshots(database: Database, today: date) -> SnapshotReport:
    """The web app's daily run of :func:`take_snapshots` (skipping the grants whose
    snapshot was taken that day already), in its own transaction."""
    with database.transaction() as session:
        return take_snapshots(session, "courier", today, once_a_day=True)
