"""Accounts: argon2id password hashes, sign-in with throttling, sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, StringConstraints
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tekisei.core.orgs import ROLE_PERMISSIONS, Permission, Principal, Role, require
from tekisei.db.orgs import (
    ApiTokenRow,
    LoginFailureRow,
    MembershipRow,
    OrgRow,
    UserRow,
    WebSessionRow,
)
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.services import audit
from tekisei.services.database import Database
from tekisei.services.orgs import add_member, get_org, membership

TOKEN_PREFIX = "tks_"
SESSION_HOURS = 12
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12

# argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes).
_hasher = PasswordHasher()

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320
    ),
]


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


def create_user(
    session: Session, data: UserCreate, org_slug: str, role: Role, actor: str
) -> UserRow:
    """Create an account (or reuse one with that email) and make it a member of the org.

    Raises:
        InvalidInputError: the password is shorter than 12 characters.
        ConflictError: the account exists and is already a member.
    """
    if len(data.password) < MIN_PASSWORD:
        raise InvalidInputError(
            f"the password must be at least {MIN_PASSWORD} characters",
            ja=f"パスワードは{MIN_PASSWORD}文字以上にしてください。",
        )
    org = get_org(session, org_slug)
    user = session.scalars(select(UserRow).where(UserRow.email == data.email)).first()
    if user is None:
        user = UserRow(
            email=data.email,
            name=data.name or data.email.split("@")[0],
            password_hash=_hasher.hash(data.password),
            active=True,
            created_at=_now(),
        )
        session.add(user)
        session.flush()
        audit.record(session, org, actor, "user.create", "user", user.id, {"email": user.email})
    elif membership(session, user.id, org.id) is not None:
        raise ConflictError(
            f"{data.email} is already a member of {org_slug}",
            ja=f"{data.email} はすでに {org_slug} のメンバーです。",
        )
    add_member(session, org, user, role, actor)
    return user


def _check_credentials(session: Session, email: str, password: str) -> UserRow | None:
    """The account for these credentials, or None after recording the failure.

    Raises:
        ThrottledError: five failures for this email within 15 minutes.
    """
    since = _now() - THROTTLE_WINDOW
    failures = (
        session.scalar(
            select(func.count()).where(LoginFailureRow.email == email, LoginFailureRow.at >= since)
        )
        or 0
    )
    if failures >= THROTTLE_FAILURES:
        raise ThrottledError(
            "too many failed sign-ins for this account; wait 15 minutes and try again",
            ja="このアカウントのサインインの失敗が続いたため、15分待ってから再度お試しください。",
        )
    user = session.scalars(select(UserRow).where(UserRow.email == email)).first()
    valid = False
    if user is not None and user.active:
        try:
            valid = _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            valid = False
    else:
        _hasher.hash(password)  # keep timing similar for unknown accounts
    if not valid or user is None:
        session.add(LoginFailureRow(email=email, at=_now()))
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.email == email))
    return user


def sign_in(
    database: Database, email: str, password: str, org_slug: str | None = None
) -> NewSession:
    """Check credentials and open a web session.

    A failure is committed before the error is raised, so that five failures for
    one email within 15 minutes lock sign-in for it until the window passes.
    Unknown emails fail the same way, so accounts cannot be enumerated.

    Raises:
        ThrottledError: too many recent failures.
        AuthenticationError: wrong email or password.
        PermissionDeniedError: the account belongs to no (or not that) organisation.
    """
    email = email.strip().lower()
    with database.transaction() as session:
        user = _check_credentials(session, email, password)
        if user is not None:
            return start_session(session, user, org_slug)
    raise AuthenticationError(
        "the email or password is wrong",
        ja="メールアドレスまたはパスワードが違います。",
    )


def _principal(
    user: UserRow, org: OrgRow, role: Role, via: Literal["session", "token", "cli"]
) -> Principal:
    return Principal(
        user_id=user.id, email=user.email, org_id=org.id, org_slug=org.slug, role=role, via=via
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
    return _principal(user, org, Role(member.role), "cli")


# ----------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class NewSession:
    """A signed-in browser: the cookie value and its CSRF token."""

    token: str
    csrf: str
    principal: Principal


def start_session(session: Session, user: UserRow, org_slug: str | None = None) -> NewSession:
    """Open a web session in the user's first (or the named) organisation.

    Raises:
        PermissionDeniedError: the user belongs to no organisation (or not to that one).
    """
    query = (
        select(OrgRow, MembershipRow.role)
        .join(MembershipRow, MembershipRow.org_id == OrgRow.id)
        .where(MembershipRow.user_id == user.id)
    )
    if org_slug:
        query = query.where(OrgRow.slug == org_slug)
    found = session.execute(query.order_by(OrgRow.slug)).first()
    if found is None:
        raise PermissionDeniedError(
            "this account belongs to no organisation; ask an administrator to add it",
            ja="このアカウントはどの組織にも属していません。管理者に追加を依頼してください。",
        )
    org, role = found
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSessionRow(
            token_hash=_digest(token),
            user_id=user.id,
            org_id=org.id,
            csrf=csrf,
            created_at=_now(),
            expires_at=_now() + timedelta(hours=SESSION_HOURS),
        )
    )
    audit.record(session, org, user.email, "session.start", "user", user.id, {})
    return NewSession(token, csrf, _principal(user, org, Role(role), "session"))


def resolve_session(session: Session, token: str) -> tuple[Principal, str]:
    """The principal and CSRF token of a session cookie.

    Raises:
        AuthenticationError: unknown or expired session, or the membership was removed.
    """
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if row is None or _aware(row.expires_at) <= _now():
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    user = session.get(UserRow, row.user_id)
    org = session.get(OrgRow, row.org_id)
    member = membership(session, row.user_id, row.org_id)
    if user is None or org is None or member is None or not user.active:
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    return _principal(user, org, Role(member.role), "session"), row.csrf


def end_session(session: Session, token: str) -> None:
    """Sign out: the session can no longer be used (recorded in the audit log)."""
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if row is None:
        return
    org = session.get(OrgRow, row.org_id)
    user = session.get(UserRow, row.user_id)
    session.delete(row)
    if org is not None and user is not None:
        audit.record(session, org, user.email, "session.end", "user", user.id, {})


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


def resolve_token(session: Session, secret: str) -> Principal:
    """The principal of a bearer token.

    Raises:
        AuthenticationError: unknown, expired or revoked token, or membership removed.
    """
    row = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(secret))
    ).first()
    if row is None:
        raise AuthenticationError("the API token is not valid", ja="APIトークンが無効です。")
    if row.revoked_at is not None:
        raise AuthenticationError("the API token was revoked", ja="APIトークンは失効しています。")
    if row.expires_at is not None and _aware(row.expires_at) <= _now():
        raise AuthenticationError(
            "the API token has expired", ja="APIトークンの有効期限が切れています。"
        )
    user = session.get(UserRow, row.user_id)
    org = session.get(OrgRow, row.org_id)
    member = membership(session, row.user_id, row.org_id)
    if user is None or org is None or member is None or not user.active:
        raise AuthenticationError("the API token is not valid", ja="APIトークンが無効です。")
    role = Role(row.role)
    if not ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[Role(member.role)]:
        role = Role(member.role)  # the member was demoted since the token was issued
    row.last_used_at = _now()
    return _principal(user, org, role, "token")


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


def add_member_account(
    session: Session, principal: Principal, data: UserCreate, role: Role
) -> UserRow:
    """An administrator adds a member (creating the account when it is new).

    Raises:
        PermissionDeniedError: not an administrator.
        ConflictError: already a member.
        InvalidInputError: the password is too short.
    """
    require(principal, Permission.MANAGE_ORG)
    return create_user(session, data, principal.org_slug, role, actor=principal.email)
