"""Sweeps: what comes due by itself (an inquiry's answer, a system's review) notifies the
people concerned, once.

A source is a function registered with :func:`due_source`; given an organisation and
the day, it yields :class:`Due` items, each with a key naming what is due and when (an
inquiry's due date, near or past): :func:`sweep` runs every source for every
organisation, and :func:`~tekisei.services.notifications.notify` tells each person of a
key once, however often the sweep runs. The web app's courier sweeps once a day;
``tekisei notifications sweep`` does the same from cron.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.inquiries import InquiryKind
from tekisei.core.notifications import Event
from tekisei.core.orgs import Permission, Role
from tekisei.db.orgs import OrgRow
from tekisei.i18n import messages
from tekisei.services import inquiries, orgs, reviews
from tekisei.services.database import Database
from tekisei.services.notifications import notify

INQUIRY_DAYS = 2
"""An inquiry is "due soon" this many days before its answer is due."""
REVIEW_DAYS = 7
"""A review is "due soon" this many days before its due date."""


@dataclass(frozen=True)
class Due:
    """Something due that someone should be told of, and who."""

    event: Event
    key: str
    """Names what is due and when: the same key notifies nobody twice."""
    title_ja: str
    title_en: str
    link: str
    recipients: tuple[int, ...] | None = None
    roles: tuple[Role, ...] | None = None
    permission: Permission | None = None


Source = Callable[[Session, int, date], Iterable[Due]]
SOURCES: dict[str, Source] = {}


def due_source(source: Source) -> Source:
    """Register ``source`` (by its name) to be run by every :func:`sweep`."""
    SOURCES[source.__name__] = source
    return source


class SweepReport(BaseModel):
    """What a sweep did."""

    organisations: int
    notified: int
    """Notifications made (people told of something for the first time)."""


def _start(today: date) -> datetime:
    return datetime.combine(today, time(), tzinfo=UTC)


@due_source
def inquiries_due(session: Session, org_id: int, today: date) -> Iterator[Due]:
    """Inquiries waiting for an answer due within :data:`INQUIRY_DAYS` days or overdue:
    their assignee, or, with nobody assigned, everyone who handles inquiries."""
    start = _start(today)
    for row in inquiries.due_soon(session, org_id, INQUIRY_DAYS, start):
        due_at = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
        late = due_at < start
        day = due_at.date().isoformat()
        kind_ja = messages("ja").words("inquiry-kind", InquiryKind(row.kind).value)
        kind_en = messages("en").words("inquiry-kind", InquiryKind(row.kind).value)
        if late:
            ja = f"問い合わせ {row.tracking}（{kind_ja}）の回答期限（{day}）を過ぎています"
            en = f"Inquiry {row.tracking} ({kind_en}) is overdue: the answer was due on {day}"
        else:
            ja = f"問い合わせ {row.tracking}（{kind_ja}）の回答期限（{day}）が近づいています"
            en = f"Inquiry {row.tracking} ({kind_en}): the answer is due on {day}"
        assigned = row.assignee_id is not None
        yield Due(
            event=Event.INQUIRY_DUE,
            key=f"inquiry-due:{row.id}:{day}:{'late' if late else 'soon'}",
            title_ja=ja, title_en=en, link=f"/inquiries/{row.id}",
            recipients=(row.assignee_id,) if row.assignee_id is not None else None,
            permission=None if assigned else Permission.HANDLE_INQUIRIES,
        )  # fmt: skip


@due_source
def reviews_due(session: Session, org_id: int, today: date) -> Iterator[Due]:
    """Systems whose periodic review is due within :data:`REVIEW_DAYS` days or overdue:
    the editors and administrators, who open and record reviews."""
    slug = session.scalar(select(OrgRow.slug).where(OrgRow.id == org_id))
    assert slug is not None
    owner = orgs.cli_principal(session, slug)
    for item in reviews.due_list(session, owner, today):
        if item.due > today + timedelta(days=REVIEW_DAYS):
            continue
        day = item.due.isoformat()
        if item.overdue:
            ja = f"「{item.name}」の定期レビューの期限（{day}）を過ぎています"
            en = f"The periodic review of “{item.name}” is overdue: it was due on {day}"
        else:
            ja = f"「{item.name}」の定期レビューの期限（{day}）が近づいています"
            en = f"The periodic review of “{item.name}” is due on {day}"
        yield Due(
            event=Event.REVIEW_DUE,
            key=f"review-due:{item.system_id}:{day}:{'late' if item.overdue else 'soon'}",
            title_ja=ja, title_en=en, link=f"/systems/{item.system_id}/reviews",
            roles=(Role.EDITOR, Role.ADMIN),
        )  # fmt: skip


def sweep(database: Database, today: date | None = None) -> SweepReport:
    """Run every source for every organisation (one transaction each) and notify what is
    due; safe to run again and in several processes at once (keys notify once)."""
    today = today or datetime.now(UTC).date()
    with database.reading() as session:
        org_ids = list(session.scalars(select(OrgRow.id).order_by(OrgRow.id)))
    notified = 0
    for org_id in org_ids:
        with database.transaction() as session:
            for source in SOURCES.values():
                for due in source(session, org_id, today):
                    notified += len(
                        notify(
                            session, org_id, due.event, recipients=due.recipients,
                            roles=due.roles, permission=due.permission, title_ja=due.title_ja,
                            title_en=due.title_en, link=due.link, key=due.key,
                        )
                    )  # fmt: skip
    return SweepReport(organisations=len(org_ids), notified=notified)
