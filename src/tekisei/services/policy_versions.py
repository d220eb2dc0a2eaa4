"""Which approved versions of an organisation's policies are published and which are in
force today, on the organisation's clock. Read by the policies themselves, by the
assessments they are evidence in (``services/transparency.py``) and by the public
governance statement."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.policies import Published, in_force
from tekisei.core.times import local, zone
from tekisei.db.orgs import OrgRow
from tekisei.db.policies import PolicyRow, PolicyVersionRow
from tekisei.services.orgs import time_zone_name


def today(session: Session, org: OrgRow, now: datetime | None = None) -> date:
    """The date on the organisation's clock (``now``, by default the present)."""
    return local(now or datetime.now(UTC), zone(time_zone_name(session, org))).date()


def published(session: Session, policy_id: int) -> list[PolicyVersionRow]:
    """The published versions of a policy, oldest first."""
    return list(
        session.scalars(
            select(PolicyVersionRow)
            .where(
                PolicyVersionRow.policy_id == policy_id,
                PolicyVersionRow.published_at.is_not(None),
            )
            .order_by(PolicyVersionRow.number)
        )
    )


def as_published(rows: list[PolicyVersionRow]) -> list[Published]:
    """The published versions as the rules of ``core/policies.py`` read them."""
    return [
        Published(number=r.number, effective_on=r.effective_on, published_at=r.published_at)
        for r in rows
        if r.published_at is not None
    ]


def version_in_force(session: Session, row: PolicyRow, on: date) -> PolicyVersionRow | None:
    """The version of ``row`` in force on ``on`` (None: none, or it was withdrawn)."""
    versions = published(session, row.id)
    number = in_force(as_published(versions), on, withdrawn=row.withdrawn_at is not None)
    return next((v for v in versions if v.number == number), None)


def in_force_for_org(
    session: Session, org: OrgRow, on: date | None = None
) -> list[PolicyVersionRow]:
    """The versions in force on ``on`` (today on its clock) of each of the organisation's
    policies, by policy."""
    when = on or today(session, org)
    rows = session.scalars(
        select(PolicyRow).where(PolicyRow.org_id == org.id).order_by(PolicyRow.id)
    )
    return [v for row in rows if (v := version_in_force(session, row, when)) is not None]
