"""Invitations: the only way a person joins an organisation.

An admin gives an email and a role; tekisei returns a one-time code once (only its
SHA-256 is kept), valid for ``INVITATION_DAYS`` and revocable. The answer is the same
whether or not the email already has an account, so an admin cannot use it to learn who
has accounts elsewhere. The invited person opens the link: without an account they choose
their own password there (nobody else ever knows it); with one they sign in and accept or
decline.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.db.orgs import InvitationRow, OrgRow, UserRow
from tekisei.errors import ConflictError, NotFoundError, PermissionDeniedError
from tekisei.services import audit, passwords
from tekisei.services.database import Database
from tekisei.services.orgs import add_member, membership
from tekisei.services.users import UserCreate, find_user, new_account

ViaKind = Literal["session", "token", "cli"]
CODE_PREFIX = "tki_"
INVITATION_DAYS = 7
PENDING = "pending"


@dataclass(frozen=True)
class InvitationView:
    """An invitation as its organisation's admins see it (never the code)."""

    id: int
    email: str
    role: str
    status: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class InvitationDetails:
    """What the holder of a code is invited to (nothing about existing accounts)."""

    org: str
    org_name: str
    email: str
    role: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def _status(row: InvitationRow, now: datetime) -> str:
    if row.status == PENDING and _aware(row.expires_at) <= now:
        return "expired"
    return row.status


def _view(row: InvitationRow, now: datetime) -> InvitationView:
    return InvitationView(
        row.id,
        row.email,
        row.role,
        _status(row, now),
        row.created_by,
        _aware(row.created_at),
        _aware(row.expires_at),
        _aware(row.decided_at) if row.decided_at else None,
    )


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def create_invitation(
    session: Session, principal: Principal, email: str, role: Role
) -> tuple[str, InvitationView]:
    """Invite ``email`` to the principal's organisation with ``role`` (admins).

    Returns:
        The one-time code (shown once, stored only as a hash) and the invitation.

    Raises:
        PermissionDeniedError: not an admin.
        ConflictError: the email is already a member, or already has a pending invitation.
    """
    require(principal, Permission.MANAGE_ORG)
    email = email.strip().lower()
    now = _now()
    user = find_user(session, email)
    if user is not None and membership(session, user.id, principal.org_id) is not None:
        raise ConflictError(
            f"{email} is already a member of this organisation",
            ja=f"{email} はすでにこの組織のメンバーです。",
        )
    waiting = session.scalars(
        select(InvitationRow).where(
            InvitationRow.org_id == principal.org_id,
            InvitationRow.email == email,
            InvitationRow.status == PENDING,
            InvitationRow.expires_at > now,
        )
    ).first()
    if waiting is not None:
        raise ConflictError(
            f"invitation {waiting.id} for {email} is still open; revoke it to send a new one",
            ja=f"{email} への招待 {waiting.id} がまだ有効です。"
            "新しく送るには先に取り消してください。",
        )
    code = CODE_PREFIX + secrets.token_urlsafe(24)
    row = InvitationRow(
        org_id=principal.org_id,
        email=email,
        role=role.value,
        code_hash=_digest(code),
        status=PENDING,
        created_by=principal.email,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal.org_id),
        principal.email,
        "invitation.create",
        "invitation",
        row.id,
        {"email": email, "role": role.value, "expires_at": row.expires_at},
    )
    return code, _view(row, now)


def list_invitations(session: Session, principal: Principal) -> list[InvitationView]:
    """The organisation's invitations, newest first (admins)."""
    require(principal, Permission.MANAGE_ORG)
    now = _now()
    rows = session.scalars(
        select(InvitationRow)
        .where(InvitationRow.org_id == principal.org_id)
        .order_by(InvitationRow.id.desc())
    )
    return [_view(row, now) for row in rows]


def revoke_invitation(session: Session, principal: Principal, invitation_id: int) -> InvitationView:
    """Withdraw a pending invitation so its code no longer works (admins).

    Raises:
        NotFoundError: no such invitation in this organisation.
        ConflictError: it was already accepted, declined or revoked.
    """
    row = session.get(InvitationRow, invitation_id)
    if row is None or row.org_id != principal.org_id:
        raise NotFoundError(
            f"no invitation {invitation_id} in this organisation",
            ja=f"この組織に招待 {invitation_id} はありません。",
        )
    require(principal, Permission.MANAGE_ORG)
    if row.status != PENDING:
        raise ConflictError(
            f"invitation {invitation_id} was already {row.status}",
            ja=f"招待 {invitation_id} はすでに処理済みです（{row.status}）。",
        )
    row.status = "revoked"
    row.decided_at = _now()
    row.decided_by = principal.email
    audit.record(
        session,
        _org(session, principal.org_id),
        principal.email,
        "invitation.revoke",
        "invitation",
        row.id,
        {"email": row.email},
    )
    return _view(row, _now())


def _pending(session: Session, code: str) -> InvitationRow:
    """The open invitation of a code; every other case is the same 'not valid' answer."""
    row = session.scalars(
        select(InvitationRow).where(InvitationRow.code_hash == _digest(code))
    ).first()
    if row is None or row.status != PENDING or _aware(row.expires_at) <= _now():
        raise NotFoundError(
            "this invitation is not valid: it may have expired, been used or been withdrawn; "
            "ask the organisation's administrator for a new one",
            ja="この招待は無効です。期限切れ、使用済み、または取り消された可能性があります。"
            "組織の管理者に新しい招待を依頼してください。",
        )
    return row


def invitation_details(session: Session, code: str) -> InvitationDetails:
    """What an open invitation offers.

    Raises:
        NotFoundError: unknown, expired, used or withdrawn.
    """
    row = _pending(session, code)
    org = _org(session, row.org_id)
    return InvitationDetails(org.slug, org.name, row.email, row.role, _aware(row.expires_at))


def _close(session: Session, row: InvitationRow, status: str, actor: str) -> None:
    row.status = status
    row.decided_at = _now()
    row.decided_by = actor
    audit.record(
        session,
        _org(session, row.org_id),
        actor,
        f"invitation.{'accept' if status == 'accepted' else 'decline'}",
        "invitation",
        row.id,
        {"email": row.email, "role": row.role},
    )


def _accept(session: Session, user: UserRow | None, code: str, via: ViaKind) -> Principal:
    row = _pending(session, code)
    if user is None or user.email != row.email:
        raise PermissionDeniedError(
            "this invitation is for another email address; sign in with that account",
            ja="この招待は別のメールアドレス宛てです。そのアカウントでサインインしてください。",
        )
    org = _org(session, row.org_id)
    if membership(session, user.id, org.id) is None:
        add_member(session, org, user, Role(row.role), row.created_by)
    _close(session, row, "accepted", user.email)
    return Principal(
        user_id=user.id,
        email=user.email,
        org_id=org.id,
        org_slug=org.slug,
        role=Role(row.role),
        via=via,
        org_name=org.name,
    )


def accept_invitation(session: Session, principal: Principal, code: str) -> Principal:
    """The signed-in owner of the invited email joins the organisation.

    Returns:
        The account's principal in the organisation it joined.

    Raises:
        NotFoundError: the invitation is not valid.
        PermissionDeniedError: the signed-in account has another email.
    """
    user = session.get(UserRow, principal.user_id) if principal.user_id is not None else None
    return _accept(session, user, code, principal.via)


def accept_invitation_for(session: Session, email: str, code: str) -> Principal:
    """The local operator accepts for an existing account (``tekisei users
    accept-invitation CODE --user EMAIL``).

    Raises:
        NotFoundError: the invitation is not valid.
        PermissionDeniedError: no account with the invited email.
    """
    return _accept(session, find_user(session, email), code, "cli")


def decline_invitation(session: Session, code: str) -> None:
    """The invited person says no; the code stops working.

    Raises:
        NotFoundError: the invitation is not valid.
    """
    row = _pending(session, code)
    _close(session, row, "declined", row.email)


def register_with_invitation(database: Database, code: str, name: str, password: str) -> Principal:
    """A person without an account accepts by choosing their own password.

    Nothing is hashed before the code is known to be open (codes carry 192 random bits,
    so they cannot be guessed), and the hashing happens outside any transaction.

    Raises:
        NotFoundError: the invitation is not valid.
        InvalidInputError: the password breaks the policy.
        ConflictError: the email has an account already (sign in and accept instead).
    """
    with database.reading() as session:
        email = _pending(session, code).email
    passwords.check(password, email)
    hashed = passwords.hash_password(password)
    with database.transaction() as session:
        row = _pending(session, code)
        org = _org(session, row.org_id)
        if find_user(session, row.email) is not None:
            raise ConflictError(
                "an account with this email exists; sign in with it to accept the invitation",
                ja="このメールアドレスのアカウントはすでにあります。"
                "そのアカウントでサインインしてから招待を承諾してください。",
            )
        user = new_account(
            session,
            org,
            UserCreate(email=row.email, name=name, password=""),
            hashed,
            row.email,
            must_change_password=False,
        )
        add_member(session, org, user, Role(row.role), row.created_by)
        _close(session, row, "accepted", row.email)
        return Principal(
            user_id=user.id,
            email=user.email,
            org_id=org.id,
            org_slug=org.slug,
            role=Role(row.role),
            via="session",
            org_name=org.name,
        )
