"""Notifications in the app and by e-mail: :func:`notify` is the one place they are made.

A service calls :func:`notify` in the transaction of what it tells of (a new inquiry, an
approval requested, a due date near): one notification per active member of that
organisation chosen by id, by role or by a permission their role grants, never the actor
themselves, as each person chose per event (:class:`~tekisei.core.notifications.
Preferences`). A ``key`` makes it once per person: what a daily sweep finds again
notifies nobody twice. An e-mail is only written to the outbox here, in the same
transaction; :mod:`~tekisei.services.notification_delivery` sends it later.

Everyone reads only their own notifications, in the organisation they are signed in to;
another person's notification is "not found". The local operator of the CLI is nobody
and has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tekisei.core.notifications import (
    MAX_KEY,
    MAX_LIST,
    Event,
    Preferences,
    check_link,
    clip_title,
)
from tekisei.core.orgs import Permission, Principal, Role, can
from tekisei.db.notifications import MailOutboxRow, NotificationRow, NotificationSettingsRow
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version
from tekisei.services.database import policy_of

__all__ = [
    "Event",
    "NotificationView",
    "SettingsView",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "notify",
    "read_settings",
    "unread_count",
    "update_settings",
    "view",
]


class NotificationView(BaseModel):
    """A notification as its reader sees it."""

    id: int
    event: Event
    title_ja: str
    title_en: str
    link: str
    """A path inside the app."""
    created_at: datetime
    read_at: datetime | None


class SettingsView(Preferences):
    """A person's choices, whether the deployment sends e-mail, and the version read."""

    mail: bool
    """Whether e-mail is sent at all (an SMTP server is set); when not, only the app."""
    version: int


def view(row: NotificationRow) -> NotificationView:
    """The reader's view of a notification."""
    return NotificationView(
        id=row.id, event=Event(row.event), title_ja=row.title_ja, title_en=row.title_en,
        link=row.link, created_at=row.created_at, read_at=row.read_at,
    )  # fmt: skip


def _recipients(
    session: Session,
    org_id: int,
    recipients: Iterable[int] | None,
    roles: Iterable[Role] | None,
    permission: Permission | None,
) -> list[tuple[int, str]]:
    """(user id, e-mail) of the active members of ``org_id`` chosen by any of the three."""
    ids = {int(i) for i in recipients or ()}
    chosen = {Role(r).value for r in roles or ()}
    if permission is not None:
        chosen |= {r.value for r in Role if can(r, permission)}
    if recipients is None and roles is None and permission is None:
        raise InvalidInputError(
            "say who is notified: recipients, roles or a permission",
            ja="通知する相手（ユーザー、役割または権限）を指定してください。",
        )
    picks: list[ColumnElement[bool]] = []
    if chosen:
        picks.append(MembershipRow.role.in_(sorted(chosen)))
    if ids:
        picks.append(MembershipRow.user_id.in_(sorted(ids)))
    if not picks:
        return []
    picked = or_(*picks)
    rows = session.execute(
        select(UserRow.id, UserRow.email)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == org_id, UserRow.active.is_(True), picked)
        .order_by(UserRow.id)
    )
    return [(user_id, email) for user_id, email in rows]


def _preferences(session: Session, org_id: int, user_ids: list[int]) -> dict[int, Preferences]:
    rows = session.scalars(
        select(NotificationSettingsRow).where(
            NotificationSettingsRow.org_id == org_id, NotificationSettingsRow.user_id.in_(user_ids)
        )
    )
    return {row.user_id: _stored(row) for row in rows}


def _stored(row: NotificationSettingsRow | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences.model_validate({"events": row.events, "lang": row.lang})


def _add(session: Session, row: NotificationRow, keyed: bool) -> bool:
    """Add ``row``; False when a concurrent sweep gave the person this key already."""
    if not keyed:
        session.add(row)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def notify(
    session: Session,
    org_id: int,
    event: Event,
    *,
    recipients: Iterable[int] | None = None,
    roles: Iterable[Role] | None = None,
    permission: Permission | None = None,
    title_ja: str,
    title_en: str,
    link: str,
    key: str | None = None,
    skip: int | None = None,
) -> list[NotificationRow]:
    """Notify the active members of ``org_id`` given by id (``recipients``), by role
    (``roles``) or by a permission their role grants (``permission``), all but ``skip``
    (the actor), each as they chose for ``event``; with e-mail on (and an SMTP server
    set), an e-mail waits in the outbox, in the caller's transaction. A ``key`` notifies
    each person once, however often it is given. The notifications made (also those of
    people who chose e-mail only, which the app does not list).

    Titles are data, shown escaped; ``link`` is a path inside the app.

    Raises:
        InvalidInputError: no one to choose from, an empty title, a link that leads out of
            the app, or too long a key.
    """
    event = Event(event)
    titles = {"ja": clip_title(title_ja), "en": clip_title(title_en)}
    check_link(link)
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise InvalidInputError(
            f"a notification key is 1 to {MAX_KEY} characters",
            ja=f"通知のキーは1〜{MAX_KEY}文字にしてください。",
        )
    people = [p for p in _recipients(session, org_id, recipients, roles, permission)
              if p[0] != skip]  # fmt: skip
    if not people:
        return []
    if key is not None:
        told = set(
            session.scalars(
                select(NotificationRow.user_id).where(
                    NotificationRow.org_id == org_id,
                    NotificationRow.key == key,
                    NotificationRow.user_id.in_([p[0] for p in people]),
                )
            )
        )
        people = [p for p in people if p[0] not in told]
    policy = policy_of(session)
    chosen = _preferences(session, org_id, [p[0] for p in people])
    now = datetime.now(UTC)
    made = []
    for user_id, email in people:
        preferences = chosen.get(user_id, Preferences())
        choice = preferences.choice(event)
        mail = policy.mail and choice.email
        if not (choice.in_app or mail):
            continue
        row = NotificationRow(
            org_id=org_id, user_id=user_id, event=event.value, title_ja=titles["ja"],
            title_en=titles["en"], link=link, key=key, in_app=choice.in_app, created_at=now,
            read_at=None,
        )  # fmt: skip
        if not _add(session, row, key is not None):
            continue
        made.append(row)
        if mail:
            lang = preferences.lang or ("en" if policy.default_lang == "en" else "ja")
            session.add(
                MailOutboxRow(
                    org_id=org_id, notification_id=row.id, to_address=email, lang=lang,
                    title=titles[lang], link=link, status="pending", attempts=0,
                    next_attempt_at=now, last_error="", claimed_by=None, claimed_until=None,
                    created_at=now, sent_at=None,
                )
            )  # fmt: skip
    session.flush()
    return made


# ----------------------------------------------------------------------------- reading


def _person(principal: Principal) -> int:
    if principal.user_id is None:
        raise NotFoundError(
            "the local operator receives no notifications; act as a member with --user",
            ja="ローカルの操作者には通知はありません。--user でメンバーとして実行してください。",
        )
    return principal.user_id


def _mine(principal: Principal) -> list[ColumnElement[bool]]:
    return [
        NotificationRow.org_id == principal.org_id,
        NotificationRow.user_id == _person(principal),
        NotificationRow.in_app.is_(True),
    ]


def list_notifications(
    session: Session, principal: Principal, *, unread: bool = False, limit: int = 50
) -> list[NotificationRow]:
    """The principal's own notifications in this organisation, newest first (only the
    unread ones with ``unread``), at most ``limit`` (up to 200).

    Raises:
        NotFoundError: the local operator, who is nobody.
    """
    query = select(NotificationRow).where(*_mine(principal))
    if unread:
        query = query.where(NotificationRow.read_at.is_(None))
    limit = max(1, min(limit, MAX_LIST))
    return list(session.scalars(query.order_by(NotificationRow.id.desc()).limit(limit)))


def unread_count(session: Session, principal: Principal) -> int:
    """How many of the principal's notifications are unread (0 for the local operator)."""
    if principal.user_id is None:
        return 0
    found = session.scalar(
        select(func.count(NotificationRow.id)).where(
            *_mine(principal),
            NotificationRow.read_at.is_(None),
        )
    )
    return found or 0


def mark_read(session: Session, principal: Principal, notification_id: int) -> NotificationRow:
    """Mark one of the principal's notifications read (again: nothing changes).

    Raises:
        NotFoundError: not the principal's, in this organisation.
    """
    row = session.get(NotificationRow, notification_id)
    user_id = _person(principal)
    if row is None or (row.org_id, row.user_id) != (principal.org_id, user_id) or not row.in_app:
        raise NotFoundError(
            f"you have no notification {notification_id}",
            ja=f"あなた宛ての通知 {notification_id} はありません。",
        )
    if row.read_at is None:
        row.read_at = datetime.now(UTC)
        session.flush()
    return row


def mark_all_read(session: Session, principal: Principal) -> int:
    """Mark every unread notification of the principal read; how many were."""
    result = session.execute(
        update(NotificationRow)
        .where(*_mine(principal), NotificationRow.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ----------------------------------------------------------------------------- choices


def read_settings(session: Session, principal: Principal) -> SettingsView:
    """The principal's choices in this organisation (the defaults until they chose).

    Raises:
        NotFoundError: the local operator.
    """
    row = _settings_row(session, principal)
    stored = _stored(row)
    events = {event: stored.choice(event) for event in Event}
    return SettingsView(
        events=events, lang=stored.lang, mail=policy_of(session).mail,
        version=row.version if row else 0,
    )  # fmt: skip


def _settings_row(session: Session, principal: Principal) -> NotificationSettingsRow | None:
    return session.scalars(
        select(NotificationSettingsRow).where(
            NotificationSettingsRow.org_id == principal.org_id,
            NotificationSettingsRow.user_id == _person(principal),
        )
    ).first()


def update_settings(
    session: Session, principal: Principal, preferences: Preferences, version: int
) -> SettingsView:
    """Keep the principal's choices (events left out keep the defaults); audited.

    Raises:
        NotFoundError: the local operator.
        ConflictError: ``version`` is not the one read.
    """
    row = _settings_row(session, principal)
    check_version(
        "通知の設定", "", version, row.version if row else 0,
        kind_en="the notification settings",
    )  # fmt: skip
    events = {e.value: c.model_dump() for e, c in preferences.events.items()}
    now = datetime.now(UTC)
    if row is None:
        row = NotificationSettingsRow(
            org_id=principal.org_id, user_id=_person(principal), events=events,
            lang=preferences.lang, updated_at=now, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.events, row.lang, row.updated_at = events, preferences.lang, now
        row.version += 1
    session.flush()
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session, org, principal.email, "notification.settings", "user", _person(principal),
        {"events": events, "lang": preferences.lang, "version": row.version},
    )  # fmt: skip
    return read_settings(session, principal)
