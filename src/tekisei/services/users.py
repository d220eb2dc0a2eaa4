"""Accounts, sign-in (throttled, hashing outside any transaction), sessions, the choice of
organisation, password changes and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, StringConstraints
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tekisei.core.audit import AuditEvent
from tekisei.core.orgs import ROLE_PERMISSIONS, Principal, Role
from tekisei.core.sessions import SignInMethod, trimmed_address, trimmed_user_agent
from tekisei.core.users import MAX_PASSWORD, ApprovalFlag, Email, approval_flags
from tekisei.db.orgs import ApiTokenRow, MembershipRow, OrgRow, UserRow, WebSessionRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PasswordChangeRequiredError,
    PermissionDeniedError,
    SecondFactorRequiredError,
    ThrottledError,
)
from tekisei.services import audit, mfa, passwords, sso, throttling
from tekisei.services.database import Database, WriterBusyError, policy_of
from tekisei.services.orgs import add_member, get_org, membership, time_zone_name

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "tks_"
SESSION_HOURS = 12
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
"""A token's ``last_used_at`` is written at most this often."""


class UserCreate(BaseModel):
    """A new account."""

    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    password: str


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_digest(token: str) -> str:
    """The SHA-256 a session cookie or an API token is stored as."""
    return _digest(token)


def _wrong_credentials() -> AuthenticationError:
    return AuthenticationError(
        "the email or password is wrong", ja="メールアドレスまたはパスワードが違います。"
    )


def find_user(session: Session, email: str) -> UserRow | None:
    """The account with this email (compared lower-cased), if any."""
    return session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()


def new_account(
    session: Session,
    org: OrgRow,
    data: UserCreate,
    password_hash: str,
    actor: str,
    *,
    must_change_password: bool,
) -> UserRow:
    """Insert an account whose password was already checked and hashed.

    Raises:
        ConflictError: an account with this email exists.
    """
    if find_user(session, data.email) is not None:
        raise ConflictError(
            f"an account {data.email} already exists; invite it to the organisation with "
            "'tekisei users invite' instead",
            ja=f"アカウント {data.email} はすでにあります。"
            "tekisei users invite で組織に招待してください。",
        )
    user = UserRow(
        email=data.email,
        name=data.name,
        password_hash=password_hash,
        active=True,
        created_at=_now(),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    if not user.name:  # never the address's first part, which others would read
        user.name = f"user-{user.id}"
    audit.record(
        session,
        org,
        actor,
        "user.create",
        "user",
        user.id,
        {"email": user.email, "password_change_required": must_change_password},
    )
    return user


def create_user(
    session: Session,
    data: UserCreate,
    org_slug: str,
    role: Role,
    actor: str,
    *,
    must_change_password: bool = True,
) -> UserRow:
    """Create an account with a password someone else chose (the operator's
    ``tekisei users create``) and make it a member of the organisation.

    Since the password is known to whoever typed it, the owner must choose their own at
    first sign-in unless ``must_change_password`` is False (recorded in the audit event).
    People join an organisation they are not yet part of through invitations.

    Raises:
        InvalidInputError: the password breaks the policy.
        ConflictError: an account with this email exists.
    """
    passwords.check(data.password, data.email)
    org = get_org(session, org_slug)
    user = new_account(
        session,
        org,
        data,
        passwords.hash_password(data.password),
        actor,
        must_change_password=must_change_password,
    )
    add_member(session, org, user, role, actor)
    return user


@contextmanager
def _busy_means_try_again() -> Iterator[None]:
    """SQLite's write lock stayed busy for the whole busy_timeout: a clear 429, not a 500."""
    try:
        yield
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        logger.warning("sign-in attempt not recorded, the database is busy: %s", exc.orig)
        raise ThrottledError(
            "the server is busy; try again in a few seconds",
            ja="サーバーが混み合っています。数秒後にもう一度お試しください。",
            retry_after=5,
        ) from None


@dataclass(frozen=True)
class _Checked:
    """An account whose password was just checked, as it was when read."""

    user_id: int
    password_hash: str


def _check_password(
    database: Database,
    email: str,
    password: str,
    client: str | None,
    lookup: Callable[[Session], UserRow | None],
) -> _Checked | None:
    """Check ``password`` for the account ``lookup`` finds, within the throttling limits
    for (``email``, ``client``); None when it is wrong (recorded as a failure).

    The attempt is reserved in a short transaction, the password is hashed outside any
    transaction (argon2 takes tens of milliseconds and must never hold the database's
    write lock), and the outcome is written in another short one.

    Raises:
        ThrottledError: a limit is reached (before or while waiting for a hashing slot),
            or the database stayed busy.
    """
    key = throttling.client_key(client)
    with _busy_means_try_again(), database.transaction() as session:
        reservation = throttling.reserve_attempt(session, email, key)
        user = lookup(session)
        stored = user.password_hash if user is not None and user.active else None
        user_id = user.id if user is not None else None

    def look_again() -> None:
        with database.reading() as session:
            throttling.check_limits(session, email, key)

    def is_valid(matched: bool) -> bool:
        # No password that long can have been set, but it costs a hash all the same.
        return matched and len(password) <= MAX_PASSWORD and stored is not None

    def settle(matched: bool) -> None:
        # Still holding the hashing slot: the next guess to get it sees this failure.
        if not is_valid(matched):
            with _busy_means_try_again(), database.transaction() as session:
                throttling.record_failure(session, reservation, email, key)

    try:
        matched = passwords.verify_password(
            stored, password[: MAX_PASSWORD + 1], before=look_again, after=settle
        )
    except ThrottledError:
        with _busy_means_try_again(), database.transaction() as session:
            throttling.drop_reservation(session, reservation)
        raise
    if not is_valid(matched) or stored is None or user_id is None:
        return None
    return _Checked(user_id, stored)


def sign_in(
    database: Database,
    email: str,
    password: str,
    org_slug: str | None = None,
    *,
    client: str | None = None,
    user_agent: str | None = None,
) -> NewSession:
    """Check credentials and open a web session.

    Throttled per (email, client address) and per address (``services.throttling``);
    unknown emails cost the same and fail the same way, so accounts cannot be enumerated.
    A wrong password for an existing account is a ``signin.fail`` event in the audit log
    of each organisation the account belongs to; only attempts the throttle let through
    get that far, so failures cannot fill the log faster than the throttle allows. A
    failure for an unknown email belongs to no organisation and leaves only the
    throttling record (which keeps no address of it, only a digest).

    Raises:
        ThrottledError: too many recent failures for this email from this address, or
            from this address at all; the message says how long to wait.
        AuthenticationError: wrong email or password.
        PermissionDeniedError: the account belongs to no (or not that) organisation.
    """
    email = email.strip().lower()
    checked = _check_password(
        database, email, password, client, lambda session: find_user(session, email)
    )
    if checked is None:
        with _busy_means_try_again(), database.transaction() as session:
            _record_failure(session, email, client)
        raise _wrong_credentials()
    stored = checked.password_hash
    rehashed = passwords.hash_password(password) if passwords.needs_rehash(stored) else None
    try:
        with _busy_means_try_again(), database.transaction() as session:
            throttling.clear_failures(session, email, throttling.client_key(client))
            user = session.get(UserRow, checked.user_id)
            if user is None or not user.active or user.password_hash != stored:
                raise _wrong_credentials()  # changed while the password was being checked
            if rehashed is not None:
                user.password_hash = rehashed
            return start_session(
                session,
                user,
                # an organisation that signs in only through its provider takes no password
                sso.password_org(session, user.id, org_slug),
                method=SignInMethod.PASSWORD,
                user_agent=user_agent,
                address=client,
                second_factor=True,
            )
    except PermissionDeniedError:
        # the right password, refused all the same (an organisation that signs in only
        # through its provider, or one the account does not belong to): a failure too
        with _busy_means_try_again(), database.transaction() as session:
            _record_failure(session, email, client, refused=True)
        raise


FAILED_SIGN_IN_ACTOR = "anonymous"
"""The actor of a failed sign-in: whoever typed the password is not known."""


def _record_failure(
    session: Session, email: str, client: str | None, *, refused: bool = False
) -> None:
    """A ``signin.fail`` event in each organisation of the account ``email`` names (none
    for an unknown email). Never the password tried. ``refused``: the password was right
    but the sign-in was not allowed (recorded as ``"refused": true``)."""
    user = find_user(session, email)
    if user is None:
        return
    summary: dict[str, Any] = {"email": user.email, "method": SignInMethod.PASSWORD.value}
    address = trimmed_address(client)
    if address is not None:
        summary["address"] = address
    if not user.active:
        summary["account_inactive"] = True
    if refused:
        summary["refused"] = True
    for org, _role in _memberships(session, user.id):
        audit.record(session, org, FAILED_SIGN_IN_ACTOR, "signin.fail", "user", user.id, summary)


def _principal(
    session: Session,
    user: UserRow,
    org: OrgRow,
    role: Role,
    via: Literal["session", "token", "cli"],
) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        org_id=org.id,
        org_slug=org.slug,
        role=role,
        via=via,
        org_name=org.name,
        time_zone=time_zone_name(session, org),
    )


def principal_for(session: Session, email: str, org_slug: str) -> Principal:
    """Act as a member (the CLI's ``--user``).

    Raises:
        NotFoundError: no such account or organisation.
        PermissionDeniedError: the account is not a member.
    """
    org = get_org(session, org_slug)
    user = session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()
    if user is None:
        raise NotFoundError(f"no account {email}", ja=f"アカウント {email} はありません。")
    member = membership(session, user.id, org.id)
    if member is None:
        raise PermissionDeniedError(
            f"{email} is not a member of {org_slug}",
            ja=f"{email} は {org_slug} のメンバーではありません。",
        )
    return _principal(session, user, org, Role(member.role), "cli")


# ----------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class NewSession:
    """A signed-in browser: the cookie value and its CSRF token."""

    token: str
    csrf: str
    principal: Principal
    org_count: int = 1
    """How many organisations the account belongs to (more than one: offer the chooser)."""
    password_change_required: bool = False
    """The password was chosen by someone else: the owner must choose a new one first."""
    second_factor: mfa.SessionState | None = None
    """What the session still waits for before it serves anything: the code of the
    account's authenticator, or the enrolment its organisation requires."""


def _memberships(session: Session, user_id: int) -> list[tuple[OrgRow, str]]:
    return [
        (org, role)
        for org, role in session.execute(
            select(OrgRow, MembershipRow.role)
            .join(MembershipRow, MembershipRow.org_id == OrgRow.id)
            .where(MembershipRow.user_id == user_id)
            .order_by(OrgRow.slug)
        )
    ]


def start_session(
    session: Session,
    user: UserRow,
    org_slug: str | None = None,
    *,
    method: str = SignInMethod.PASSWORD,
    user_agent: str | None = None,
    address: str | None = None,
    second_factor: bool = False,
) -> NewSession:
    """Open a web session in the named organisation, or the user's first one.

    The session keeps how it was opened (``method``: ``password``, ``oidc``), the
    browser's ``User-Agent`` (trimmed) and the client's address, so that its owner can
    recognise it among their sessions. Expired sessions of every account are purged
    on the way. The ``session.start`` event names the method and address, never a
    token.

    Args:
        second_factor: the account proved itself with its password only: when it has an
            authenticator, or an organisation requires one, the session waits for the
            second factor (or its enrolment) before it serves anything.

    Raises:
        InvalidInputError: an unknown method.
        PermissionDeniedError: the user belongs to no organisation (or not to that one).
    """
    if method not in set(SignInMethod):
        raise InvalidInputError(
            f"unknown sign-in method {method!r}", ja=f"不明なサインイン方法です: {method!r}"
        )
    found = _memberships(session, user.id)
    chosen = [(o, r) for o, r in found if org_slug is None or o.slug == org_slug]
    if not chosen:
        raise PermissionDeniedError(
            "this account belongs to no organisation; ask an administrator for an invitation",
            ja="このアカウントはどの組織にも属していません。管理者に招待を依頼してください。",
        )
    org, role = chosen[0]
    purge_expired_sessions(session)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    state = mfa.sign_in_state(session, user.id) if second_factor else None
    kept_address = trimmed_address(address)
    row = WebSessionRow(
        token_hash=_digest(token),
        user_id=user.id,
        org_id=org.id,
        csrf=csrf,
        created_at=_now(),
        expires_at=_now() + timedelta(hours=SESSION_HOURS),
        method=str(method),
        user_agent=trimmed_user_agent(user_agent),
        address=kept_address,
        second_factor_pending=state is not None,
    )
    session.add(row)
    session.flush()
    summary: dict[str, Any] = {"session": row.id, "method": str(method)}
    if kept_address is not None:
        summary["address"] = kept_address
    if state:
        summary["second_factor"] = state
    audit.record(session, org, user.email, "session.start", "user", user.id, summary)
    return NewSession(
        token,
        csrf,
        _principal(session, user, org, Role(role), "session"),
        org_count=len(found),
        password_change_required=user.must_change_password,
        second_factor=state,
    )


def open_session(
    database: Database,
    user_id: int,
    org_slug: str | None = None,
    *,
    method: str = SignInMethod.PASSWORD,
    user_agent: str | None = None,
    address: str | None = None,
) -> NewSession:
    """Sign in an account that has just proved who it is (e.g. by choosing its password
    through an invitation, or at its identity provider: ``method="oidc"``).

    Raises:
        PermissionDeniedError: the account belongs to no (or not that) organisation.
    """
    with database.transaction() as session:
        user = session.get(UserRow, user_id)
        if user is None or not user.active:
            raise AuthenticationError("please sign in", ja="サインインしてください。")
        return start_session(
            session,
            user,
            org_slug,
            method=method,
            user_agent=user_agent,
            address=address,
            # the identity provider asks for its own second factor; a password does not
            second_factor=str(method) == SignInMethod.PASSWORD,
        )


def purge_expired_sessions(session: Session) -> int:
    """Delete every expired web session (they can no longer be used); how many went."""
    result = session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= _now()))
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def _session_row(session: Session, token: str) -> WebSessionRow:
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if row is None or _aware(row.expires_at) <= _now():
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    return row


def resolve_session(
    session: Session, token: str, *, allow_password_change: bool = False
) -> tuple[Principal, str]:
    """The principal and CSRF token of a fully signed-in session cookie.

    Args:
        allow_password_change: accept the session of an account that must still choose
            its own password (only the password page does).

    Raises:
        AuthenticationError: unknown or expired session, or the membership was removed.
        SecondFactorRequiredError: the session still waits for its second factor.
        PasswordChangeRequiredError: the owner must choose their own password first.
    """
    principal, csrf, _state = resolve_session_state(
        session, token, allow_password_change=allow_password_change
    )
    return principal, csrf


def _second_factor_refused(state: mfa.SessionState) -> SecondFactorRequiredError:
    if state == "enrol":
        return SecondFactorRequiredError(
            "your organisation requires a second factor: set up an authenticator app or a "
            "passkey at /account/mfa before doing anything else",
            ja="組織の方針により2段階認証が必須です。ほかの操作の前に /account/mfa で"
            "認証アプリかパスキーを設定してください。",
            enrol=True,
        )
    return SecondFactorRequiredError(
        "sign-in is not complete: finish its second step at /signin/second-factor (with "
        "the passkey or the authenticator app you set up)",
        ja="サインインが完了していません。/signin/second-factor で2段階認証（設定済みの"
        "パスキーまたは認証アプリ）を完了してください。",
    )


def resolve_session_state(
    session: Session,
    token: str,
    *,
    allow_password_change: bool = False,
    second_factor: mfa.SessionState | None = None,
) -> tuple[Principal, str, mfa.SessionState | None]:
    """The principal, CSRF token and second-factor state of a session cookie.

    A session that waits for its second factor is refused everywhere except where
    ``second_factor`` names what it waits for (the second-factor page, the enrolment
    page); the second factor comes before a password change.

    Args:
        allow_password_change: accept the session of an account that must still choose
            its own password (only the password page, and the second-factor pages).
        second_factor: accept a session that waits for this.

    Raises:
        AuthenticationError: unknown or expired session, or the membership was removed.
        SecondFactorRequiredError: the session waits for another second-factor step.
        PasswordChangeRequiredError: the owner must choose their own password first.
    """
    principal, row, state = resolve_session_row(
        session,
        token,
        allow_password_change=allow_password_change,
        second_factor=second_factor,
    )
    return principal, row.csrf, state


def resolve_session_row(
    session: Session,
    token: str,
    *,
    allow_password_change: bool = False,
    second_factor: mfa.SessionState | None = None,
) -> tuple[Principal, WebSessionRow, mfa.SessionState | None]:
    """The principal, the row and the second-factor state of a session cookie (see
    :func:`resolve_session_state`).

    Raises:
        AuthenticationError: unknown or expired session, or the membership was removed.
        SecondFactorRequiredError: the session waits for another second-factor step.
        PasswordChangeRequiredError: the owner must choose their own password first.
    """
    # One query for the session, its account, organisation and membership: this runs
    # for every request of a browser.
    found = session.execute(
        select(WebSessionRow, UserRow, OrgRow, MembershipRow.role)
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .join(OrgRow, OrgRow.id == WebSessionRow.org_id)
        .join(
            MembershipRow,
            and_(
                MembershipRow.user_id == WebSessionRow.user_id,
                MembershipRow.org_id == WebSessionRow.org_id,
            ),
        )
        .where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if found is None:
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    row, user, org, role = found
    if _aware(row.expires_at) <= _now() or not user.active:
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    state = mfa.sign_in_state(session, user.id) if row.second_factor_pending else None
    if state is not None and state != second_factor:
        raise _second_factor_refused(state)
    if user.must_change_password and not allow_password_change:
        raise PasswordChangeRequiredError(
            "choose your own password first: the current one was set by someone else",
            ja="まずご自身のパスワードを設定してください。現在のパスワードは他の人が設定したものです。",
        )
    return _principal(session, user, org, Role(role), "session"), row, state


def end_session(session: Session, token: str) -> None:
    """Sign out: the session can no longer be used (recorded in the audit log)."""
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if row is None:
        return
    org = session.get(OrgRow, row.org_id)
    user = session.get(UserRow, row.user_id)
    session_id = row.id
    session.delete(row)
    if org is not None and user is not None:
        audit.record(
            session, org, user.email, "session.end", "user", user.id, {"session": session_id}
        )


@dataclass(frozen=True)
class OrgChoice:
    """An organisation the signed-in person belongs to."""

    slug: str
    name: str
    role: str
    current: bool


def org_choices(session: Session, principal: Principal) -> list[OrgChoice]:
    """The organisations of the principal's account (the chooser and the page header)."""
    if principal.user_id is None:
        return []
    return [
        OrgChoice(org.slug, org.name, role, org.id == principal.org_id)
        for org, role in _memberships(session, principal.user_id)
    ]


def switch_org(session: Session, token: str, principal: Principal, org_slug: str) -> Principal:
    """Move a browser session to another organisation of the same account.

    Recorded in both organisations' audit logs, with the session's id so that an operator
    can pair the two events, but neither names the other organisation.

    Raises:
        InvalidInputError: the caller used an API token (tokens stay in one organisation).
        NotFoundError: the account is not a member of that organisation.
    """
    if principal.via != "session":
        raise InvalidInputError(
            "API tokens belong to one organisation; create a token in the other organisation",
            ja="APIトークンは一つの組織に属します。別の組織ではその組織のトークンを作成してください。",
        )
    row = _session_row(session, token)
    target = next((o for o, _r in _memberships(session, row.user_id) if o.slug == org_slug), None)
    if target is None:
        raise NotFoundError(
            f"you are not a member of an organisation '{org_slug}'",
            ja=f"あなたは組織「{org_slug}」のメンバーではありません。",
        )
    user = session.get(UserRow, row.user_id)
    source = session.get(OrgRow, row.org_id)
    assert user is not None and source is not None
    if target.id != source.id:
        sso.check_session_org(session, row.token_hash, target.id)
        row.org_id = target.id
        session.flush()
        for org, direction in ((source, "out"), (target, "in")):
            audit.record(
                session,
                org,
                user.email,
                "session.switch_org",
                "user",
                user.id,
                {"session": row.id, "direction": direction},
            )
    member = membership(session, user.id, target.id)
    assert member is not None
    return _principal(session, user, target, Role(member.role), "session")


# ----------------------------------------------------------------------------- passwords


def change_password(
    database: Database,
    principal: Principal,
    current: str,
    new: str,
    *,
    keep_session: str | None = None,
    client: str | None = None,
) -> int:
    """Change one's own password; every other web session of the account ends.

    The current password is checked like a sign-in (throttled per email and address,
    hashed outside any transaction).

    Args:
        keep_session: the cookie of the session making the change, which stays open.

    Returns:
        How many other sessions were ended.

    Raises:
        InvalidInputError: the new password breaks the policy or equals the current one.
        AuthenticationError: the current password is wrong.
        ThrottledError: too many wrong current passwords.
    """
    if principal.user_id is None:
        raise InvalidInputError(
            "the local operator has no password; give --user",
            ja="ローカルの運用者にはパスワードがありません。--user を指定してください。",
        )
    passwords.check(new, principal.email)
    if new == current:
        raise InvalidInputError(
            "choose a new password that differs from the current one",
            ja="現在のものとは異なる新しいパスワードを選んでください。",
        )
    key = throttling.client_key(client)
    user_id = principal.user_id
    checked = _check_password(
        database, principal.email, current, client, lambda session: session.get(UserRow, user_id)
    )
    if checked is None:
        raise AuthenticationError(
            "the current password is wrong", ja="現在のパスワードが違います。"
        )
    stored = checked.password_hash
    new_hash = passwords.hash_password(new)
    with _busy_means_try_again(), database.transaction() as session:
        throttling.clear_failures(session, principal.email, key)
        user = session.get(UserRow, principal.user_id)
        if user is None or user.password_hash != stored:
            raise ConflictError(
                "the password was changed meanwhile; sign in again",
                ja="パスワードが同時に変更されました。もう一度サインインしてください。",
            )
        user.password_hash = new_hash
        user.must_change_password = False
        others = delete(WebSessionRow).where(WebSessionRow.user_id == user.id)
        if keep_session:
            others = others.where(WebSessionRow.token_hash != _digest(keep_session))
        ended = int(cast("CursorResult[Any]", session.execute(others)).rowcount or 0)
        org = session.get(OrgRow, principal.org_id)
        assert org is not None
        audit.record(
            session,
            org,
            principal.email,
            "user.password_change",
            "user",
            user.id,
            {"sessions_ended": ended},
        )
        return int(ended)


@dataclass(frozen=True)
class AccountView:
    """The signed-in person's own account."""

    user_id: int
    email: str
    name: str
    created_at: datetime
    org: str
    role: str
    via: str
    orgs: list[OrgChoice]


def my_account(session: Session, principal: Principal) -> AccountView:
    """The principal's account and organisations.

    Raises:
        NotFoundError: the local operator has no account.
    """
    user = session.get(UserRow, principal.user_id) if principal.user_id is not None else None
    if user is None:
        raise NotFoundError(
            "the local operator has no account; give --user",
            ja="ローカルの運用者にはアカウントがありません。--user を指定してください。",
        )
    return AccountView(
        user.id,
        user.email,
        user.name,
        _aware(user.created_at),
        principal.org_slug,
        principal.role.value,
        principal.via,
        org_choices(session, principal),
    )


# ----------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class TokenView:
    """An API token as listed (never the secret)."""

    id: int
    name: str
    prefix: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def create_token(
    session: Session,
    email: str,
    org_slug: str,
    *,
    name: str = "",
    role: Role | None = None,
    expires_days: int | None = None,
    actor: str = "cli",
) -> tuple[str, ApiTokenRow]:
    """Issue an API token for a member; the secret is returned once and stored hashed.

    ``role`` narrows the token below the member's own role; it can never widen it.

    Raises:
        InvalidInputError: a bad expiry, or a role wider than the member's.
    """
    member_principal = principal_for(session, email, org_slug)
    chosen = role or member_principal.role
    if not ROLE_PERMISSIONS[chosen] <= ROLE_PERMISSIONS[member_principal.role]:
        raise InvalidInputError(
            f"a token cannot have more rights than its user ({member_principal.role.value})",
            ja=f"トークンに利用者の権限（{member_principal.role.value}）を超える権限は付けられません。",
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InvalidInputError(
            "--expires must be between 1 and 3650 days",
            ja="有効期限は1日から3650日の間で指定してください。",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    org = session.get(OrgRow, member_principal.org_id)
    assert org is not None and member_principal.user_id is not None
    row = ApiTokenRow(
        token_hash=_digest(secret),
        prefix=secret[:12],
        name=name or f"token for {email}",
        user_id=member_principal.user_id,
        org_id=org.id,
        role=chosen.value,
        created_at=_now(),
        expires_at=_now() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org,
        actor,
        "token.create",
        "token",
        row.id,
        {"email": email, "role": chosen.value, "prefix": row.prefix, "expires_at": row.expires_at},
    )
    return secret, row


def _token_principal(session: Session, secret: str) -> tuple[Principal, ApiTokenRow]:
    # One query for the token, its account, organisation and membership (outer joins, so
    # that a revoked or expired token is told apart from an unknown one).
    found = session.execute(
        select(ApiTokenRow, UserRow, OrgRow, MembershipRow.role)
        .outerjoin(UserRow, UserRow.id == ApiTokenRow.user_id)
        .outerjoin(OrgRow, OrgRow.id == ApiTokenRow.org_id)
        .outerjoin(
            MembershipRow,
            and_(
                MembershipRow.user_id == ApiTokenRow.user_id,
                MembershipRow.org_id == ApiTokenRow.org_id,
            ),
        )
        .where(ApiTokenRow.token_hash == _digest(secret))
    ).first()
    if found is None:
        raise AuthenticationError("the API token is not valid", ja="APIトークンが無効です。")
    row, user, org, member_role = found
    if row.revoked_at is not None:
        raise AuthenticationError("the API token was revoked", ja="APIトークンは失効しています。")
    if row.expires_at is not None and _aware(row.expires_at) <= _now():
        raise AuthenticationError(
            "the API token has expired", ja="APIトークンの有効期限が切れています。"
        )
    if user is None or org is None or member_role is None or not user.active:
        raise AuthenticationError("the API token is not valid", ja="APIトークンが無効です。")
    if mfa.missing_for(session, user.id):
        raise AuthenticationError(
            "your organisation requires a second factor: sign in with a browser and set up "
            "an authenticator app or a passkey at /account/mfa; until then API tokens are "
            "refused",
            ja="組織の方針により2段階認証が必須です。ブラウザーでサインインし、/account/mfa で"
            "認証アプリかパスキーを設定してください。設定するまでAPIトークンは使えません。",
        )
    role = Role(row.role)
    if not ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[Role(member_role)]:
        role = Role(member_role)  # the member was demoted since the token was issued
    return _principal(session, user, org, role, "token"), row


def resolve_token(session: Session, secret: str) -> Principal:
    """The principal of a bearer token (reads only).

    Raises:
        AuthenticationError: unknown, expired or revoked token, or membership removed.
    """
    return _token_principal(session, secret)[0]


def authenticate_token(database: Database, secret: str) -> Principal:
    """The principal of a bearer token, noting its use at most once a minute.

    The token is resolved in a read session. Its ``last_used_at`` is then written in a
    separate transaction that gives up at once if another writer holds the lock, so a
    read request never waits for, or fails on, the database's write lock.

    Raises:
        AuthenticationError: unknown, expired or revoked token, or membership removed.
    """
    with database.reading() as session:
        principal, row = _token_principal(session, secret)
        token_id, last = row.id, row.last_used_at
    now = _now()
    if last is not None and now - _aware(last) < TOKEN_TOUCH_EVERY:
        return principal
    try:
        with database.transaction(nowait=True) as session:
            session.execute(
                update(ApiTokenRow)
                .where(
                    ApiTokenRow.id == token_id,
                    or_(
                        ApiTokenRow.last_used_at.is_(None),
                        ApiTokenRow.last_used_at < now - TOKEN_TOUCH_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
    except (OperationalError, WriterBusyError) as exc:  # busy: a later request records it
        logger.debug("token %s: last use not recorded (%s)", token_id, exc)
    return principal


def revoke_token(session: Session, principal: Principal, token_id: int) -> None:
    """Revoke a token of the principal's organisation (its owner or an admin).

    Raises:
        NotFoundError: no such token in this organisation.
        PermissionDeniedError: someone else's token, and not an admin.
    """
    row = session.get(ApiTokenRow, token_id)
    if row is None or row.org_id != principal.org_id:
        raise NotFoundError(f"no token {token_id}", ja=f"トークン {token_id} はありません。")
    if row.user_id != principal.user_id and principal.role is not Role.ADMIN:
        raise PermissionDeniedError(
            "only the token's owner or an admin may revoke it",
            ja="トークンを失効できるのは本人か管理者だけです。",
        )
    if row.revoked_at is None:
        row.revoked_at = _now()
        org = session.get(OrgRow, row.org_id)
        assert org is not None
        audit.record(
            session, org, principal.email, "token.revoke", "token", row.id, {"prefix": row.prefix}
        )


def list_tokens(session: Session, principal: Principal) -> list[TokenView]:
    """Tokens of the organisation (admins) or of the principal (others)."""
    query = select(ApiTokenRow, UserRow.email).join(UserRow, UserRow.id == ApiTokenRow.user_id)
    query = query.where(ApiTokenRow.org_id == principal.org_id)
    if principal.role is not Role.ADMIN:
        query = query.where(ApiTokenRow.user_id == principal.user_id)
    return [
        TokenView(
            row.id,
            row.name,
            row.prefix,
            email,
            row.role,
            row.created_at,
            row.expires_at,
            row.revoked_at,
            row.last_used_at,
        )
        for row, email in session.execute(query.order_by(ApiTokenRow.id))
    ]


def approval_flags_of(session: Session, events: list[AuditEvent]) -> dict[int, list[ApprovalFlag]]:
    """Separation-of-duties flags of the acceptances and approvals among ``events``, by
    sequence number, with the deployment's ``TEKISEI_APPROVER_MIN_AGE_DAYS``."""
    min_age = policy_of(session).approver_min_age
    found: dict[int, list[ApprovalFlag]] = {}
    for event in events:
        flags = approval_flags(event.action, event.at, event.summary, min_age)
        if flags:
            found[event.seq] = flags
    return found
