"""One's own web sessions and API tokens, ending them, and an admin ending a member's.

Sessions belong to an account and one organisation (``web_sessions.org_id``). Their owner
sees and ends all of their own, whichever organisation each one acts for; an admin sees
how many a member has in the admin's organisation and ends those only (the member's
sessions in other organisations stay). Every ending is an audit event in the
organisation the session acted for, naming the session's id, never its token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.sessions import Browser, describe_user_agent, trimmed_address
from tekisei.db.orgs import ApiTokenRow, MembershipRow, OrgRow, UserRow, WebSessionRow
from tekisei.errors import NotFoundError
from tekisei.services import audit, mfa, users
from tekisei.services.database import Database, WriterBusyError
from tekisei.services.orgs import membership

logger = logging.getLogger(__name__)

SEEN_EVERY = timedelta(minutes=1)
"""A session's ``last_seen_at`` is written at most this often."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def _no_account() -> NotFoundError:
    return NotFoundError(
        "the local operator has no sessions; give --user",
        ja="ローカルの運用者にはセッションがありません。--user を指定してください。",
    )


# ----------------------------------------------------------------------------- seeing


def authenticate_session(
    database: Database,
    token: str,
    *,
    allow_password_change: bool = False,
    second_factor: mfa.SessionState | None = None,
    address: str | None = None,
) -> tuple[Principal, str, mfa.SessionState | None]:
    """The principal, CSRF token and second-factor state of a session cookie (see
    :func:`users.resolve_session_state`), noting the visit at most once a minute (with the
    client's address).

    The session is resolved in a read session; ``last_seen_at`` is written afterwards in
    a transaction that gives up at once when another writer holds the lock, so a request
    never waits for, or fails on, the database's write lock.

    Raises:
        AuthenticationError: unknown or expired session, or the membership was removed.
        PasswordChangeRequiredError: the owner must choose their own password first.
    """
    with database.reading() as session:
        principal, row, state = users.resolve_session_row(
            session,
            token,
            allow_password_change=allow_password_change,
            second_factor=second_factor,
        )
        session_id, csrf, last = row.id, row.csrf, _aware(row.last_seen_at)
    now = _now()
    if last is not None and now - last < SEEN_EVERY:
        return principal, csrf, state
    values: dict[str, Any] = {"last_seen_at": now}
    kept = trimmed_address(address)
    if kept is not None:
        values["address"] = kept
    try:
        with database.transaction(nowait=True) as session:
            session.execute(
                update(WebSessionRow)
                .where(
                    WebSessionRow.id == session_id,
                    or_(
                        WebSessionRow.last_seen_at.is_(None),
                        WebSessionRow.last_seen_at < now - SEEN_EVERY,
                    ),
                )
                .values(**values)
            )
    except (OperationalError, WriterBusyError) as exc:  # busy: a later request records it
        logger.debug("session %s: visit not recorded (%s)", session_id, exc)
    return principal, csrf, state


@dataclass(frozen=True)
class SessionView:
    """One of the caller's web sessions (never its token)."""

    id: int
    current: bool
    """The session this request came with."""
    org: str
    org_name: str
    method: str
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    browser: Browser
    address: str | None


@dataclass(frozen=True)
class OwnTokenView:
    """One of the caller's usable API tokens (never the secret)."""

    id: int
    name: str
    prefix: str
    org: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class MySessions:
    """The caller's open web sessions and usable API tokens, in every organisation."""

    sessions: list[SessionView]
    tokens: list[OwnTokenView]


def my_sessions(session: Session, principal: Principal, current: str | None) -> MySessions:
    """The caller's unexpired web sessions (newest first; ``current``, the cookie of this
    request, is marked) and unrevoked, unexpired API tokens.

    Raises:
        NotFoundError: the local operator has no account.
    """
    if principal.user_id is None:
        raise _no_account()
    now = _now()
    current_hash = users.token_digest(current) if current else None
    sessions = [
        SessionView(
            row.id,
            row.token_hash == current_hash,
            org.slug,
            org.name,
            row.method,
            cast(datetime, _aware(row.created_at)),
            _aware(row.last_seen_at),
            cast(datetime, _aware(row.expires_at)),
            describe_user_agent(row.user_agent),
            row.address,
        )
        for row, org in session.execute(
            select(WebSessionRow, OrgRow)
            .join(OrgRow, OrgRow.id == WebSessionRow.org_id)
            .where(WebSessionRow.user_id == principal.user_id, WebSessionRow.expires_at > now)
            .order_by(WebSessionRow.created_at.desc(), WebSessionRow.id.desc())
        )
    ]
    tokens = [
        OwnTokenView(
            row.id,
            row.name,
            row.prefix,
            org.slug,
            row.role,
            cast(datetime, _aware(row.created_at)),
            _aware(row.expires_at),
            _aware(row.last_used_at),
        )
        for row, org in session.execute(
            select(ApiTokenRow, OrgRow)
            .join(OrgRow, OrgRow.id == ApiTokenRow.org_id)
            .where(
                ApiTokenRow.user_id == principal.user_id,
                ApiTokenRow.revoked_at.is_(None),
                or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
            )
            .order_by(ApiTokenRow.id)
        )
    ]
    return MySessions(sessions, tokens)


# ----------------------------------------------------------------------------- ending


def is_open(session: Session, token: str) -> bool:
    """Whether a session cookie still names an unexpired session."""
    if not token:
        return False
    expires = session.scalar(
        select(WebSessionRow.expires_at).where(
            WebSessionRow.token_hash == users.token_digest(token)
        )
    )
    found = _aware(expires)
    return found is not None and found > _now()


def end_my_session(session: Session, principal: Principal, session_id: int) -> None:
    """End one of the caller's own sessions (it may be the current one): its cookie is
    refused from the next request on. ``session.revoke`` in the session's organisation.

    Raises:
        NotFoundError: no such unexpired session of the caller's (someone else's too).
    """
    if principal.user_id is None:
        raise _no_account()
    row = session.get(WebSessionRow, session_id)
    expires = _aware(row.expires_at) if row is not None else None
    if row is None or row.user_id != principal.user_id or expires is None or expires <= _now():
        raise NotFoundError(
            f"no session {session_id} of yours",
            ja=f"あなたのセッション {session_id} はありません。",
        )
    org = session.get(OrgRow, row.org_id)
    assert org is not None
    session.delete(row)
    audit.record(
        session,
        org,
        principal.email,
        "session.revoke",
        "user",
        principal.user_id,
        {"session": session_id, "by": "owner"},
    )


@dataclass(frozen=True)
class SignOutResult:
    """What signing out everywhere (or an admin's sign-out of a member) ended."""

    sessions_ended: int
    tokens_revoked: int


def _revoke_tokens(session: Session, user_id: int, org_id: int | None) -> dict[int, int]:
    """Revoke the user's unrevoked tokens (in ``org_id``, or all); how many, by org id."""
    query = select(ApiTokenRow).where(
        ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None)
    )
    if org_id is not None:
        query = query.where(ApiTokenRow.org_id == org_id)
    counts: dict[int, int] = {}
    now = _now()
    for row in session.scalars(query.with_for_update()):
        row.revoked_at = now
        counts[row.org_id] = counts.get(row.org_id, 0) + 1
    session.flush()
    return counts


def sign_out_everywhere(
    session: Session,
    principal: Principal,
    current: str | None,
    *,
    keep_current: bool = True,
    revoke_tokens: bool = False,
) -> SignOutResult:
    """End every web session of the caller's account in every organisation, except the
    current one when ``keep_current`` (``current`` is this request's cookie), and revoke
    all of the account's API tokens when ``revoke_tokens``.

    Each organisation the account belongs to gets a ``session.end_all`` event with the
    counts of its own sessions and tokens.

    Raises:
        NotFoundError: the local operator has no account.
    """
    if principal.user_id is None:
        raise _no_account()
    user_id = principal.user_id
    users.purge_expired_sessions(session)
    rows = session.execute(
        select(WebSessionRow.id, WebSessionRow.org_id, WebSessionRow.token_hash).where(
            WebSessionRow.user_id == user_id
        )
    ).all()
    keep = users.token_digest(current) if keep_current and current else None
    ended: dict[int, int] = {}
    doomed = []
    for session_id, org_id, token_hash in rows:
        if token_hash != keep:
            doomed.append(session_id)
            ended[org_id] = ended.get(org_id, 0) + 1
    if doomed:
        session.execute(delete(WebSessionRow).where(WebSessionRow.id.in_(doomed)))
    revoked = _revoke_tokens(session, user_id, None) if revoke_tokens else {}
    orgs = session.scalars(
        select(OrgRow)
        .join(MembershipRow, MembershipRow.org_id == OrgRow.id)
        .where(MembershipRow.user_id == user_id)
        .order_by(OrgRow.id)
    ).all()
    for org in orgs:
        audit.record(
            session,
            org,
            principal.email,
            "session.end_all",
            "user",
            user_id,
            {
                "sessions_ended": ended.get(org.id, 0),
                "tokens_revoked": revoked.get(org.id, 0),
                "kept_current": keep is not None,
            },
        )
    return SignOutResult(sum(ended.values()), sum(revoked.values()))


# ----------------------------------------------------------------------------- admins


@dataclass(frozen=True)
class MemberSessions:
    """What an admin sees of a member's sign-ins in the admin's organisation."""

    user_id: int
    sessions: int
    """Unexpired web sessions acting for this organisation."""
    tokens: int
    """Usable API tokens for this organisation."""
    last_seen_at: datetime | None


def _member(session: Session, principal: Principal, user_id: int) -> UserRow:
    """A member of the principal's organisation, checked before the admin's right so that
    another organisation's member is a 404 whoever asks.

    Raises:
        NotFoundError: no such member here.
        PermissionDeniedError: not an admin.
    """
    user = session.get(UserRow, user_id)
    if user is None or membership(session, user_id, principal.org_id) is None:
        raise NotFoundError(
            f"no member {user_id} in this organisation",
            ja=f"この組織にメンバー {user_id} はいません。",
        )
    require(principal, Permission.MANAGE_ORG)
    return user


def session_counts(session: Session, principal: Principal) -> dict[int, int]:
    """Unexpired web sessions per member of the principal's organisation (admins).

    Raises:
        PermissionDeniedError: not an admin.
    """
    require(principal, Permission.MANAGE_ORG)
    found = session.execute(
        select(WebSessionRow.user_id, func.count())
        .where(WebSessionRow.org_id == principal.org_id, WebSessionRow.expires_at > _now())
        .group_by(WebSessionRow.user_id)
    )
    return {user_id: int(count) for user_id, count in found}


def member_sessions(session: Session, principal: Principal, user_id: int) -> MemberSessions:
    """How many sessions and tokens a member has in this organisation, and when one of
    the sessions was last seen (admins; the details stay the member's own).

    Raises:
        NotFoundError: no such member here.
        PermissionDeniedError: not an admin.
    """
    _member(session, principal, user_id)
    now = _now()
    count, last = session.execute(
        select(func.count(), func.max(WebSessionRow.last_seen_at)).where(
            WebSessionRow.user_id == user_id,
            WebSessionRow.org_id == principal.org_id,
            WebSessionRow.expires_at > now,
        )
    ).one()
    tokens = session.scalar(
        select(func.count()).where(
            ApiTokenRow.user_id == user_id,
            ApiTokenRow.org_id == principal.org_id,
            ApiTokenRow.revoked_at.is_(None),
            or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
        )
    )
    return MemberSessions(user_id, int(count or 0), int(tokens or 0), _aware(last))


def sign_out_member(
    session: Session, principal: Principal, user_id: int, *, revoke_tokens: bool = True
) -> SignOutResult:
    """End every web session a member has in this organisation and, with
    ``revoke_tokens``, revoke their API tokens for it (admins). The member's sessions
    and tokens in other organisations stay. ``member.sign_out`` in this organisation.

    Raises:
        NotFoundError: no such member here.
        PermissionDeniedError: not an admin.
    """
    user = _member(session, principal, user_id)
    ended = _count(
        session.execute(
            delete(WebSessionRow).where(
                WebSessionRow.user_id == user_id, WebSessionRow.org_id == principal.org_id
            )
        )
    )
    revoked = (
        _revoke_tokens(session, user_id, principal.org_id).get(principal.org_id, 0)
        if revoke_tokens
        else 0
    )
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session,
        org,
        principal.email,
        "member.sign_out",
        "user",
        user_id,
        {"email": user.email, "sessions_ended": ended, "tokens_revoked": revoked},
    )
    return SignOutResult(ended, revoked)
