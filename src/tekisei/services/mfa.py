"""Multi-factor authentication of local accounts: enrolling an authenticator app (TOTP,
RFC 6238), recovery codes, the second step of signing in, organisations' policies and an
administrator's reset.

The TOTP secret is kept sealed (AES-256-GCM) with a key derived from the deployment secret;
recovery codes are kept as SHA-256 digests (each carries 79 random bits). Every wrong code
is counted per account and verification stops for a while after
``core.mfa.FAILURES_ALLOWED`` of them. Every change is an audit event of the organisation
the person acts for, in the same transaction, naming no secret and no code.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.mfa import (
    DIGITS,
    DRIFT_STEPS,
    FAILURE_WINDOW,
    FAILURES_ALLOWED,
    RECOVERY_COUNT,
    STEP_SECONDS,
    MfaPolicy,
    accepted_step,
    looks_like_totp,
    new_recovery_code,
    normal_recovery_code,
    required_anywhere,
    totp_digits,
)
from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.core.users import wait_words
from tekisei.db.mfa import MfaFailureRow, MfaPolicyRow, MfaRecoveryCodeRow, MfaTotpRow
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow, WebSessionRow
from tekisei.db.passkeys import PasskeyChallengeRow, PasskeyRow
from tekisei.db.sso import OidcProviderRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.provenance import seal, unseal
from tekisei.services import audit
from tekisei.services.database import Database
from tekisei.services.derived_keys import derived_key

ISSUER = "tekisei"
_INFO = b"tekisei mfa secret sealing v1"

SessionState = Literal["verify", "enrol"]
"""What a session that waits for its second factor waits for: the code of the account's
authenticator, or the enrolment of one (its organisation requires it)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sealing_key(settings: Settings) -> bytes:
    """The key that seals TOTP secrets: HKDF-SHA256 of the deployment secret (a key of
    its own, not the one of watermark keys)."""
    return derived_key(settings, _INFO)


def _binding(user_id: int) -> str:
    return f"mfa-totp-{user_id}"


def _recovery_digest(user_id: int, code: str) -> str:
    text = f"{user_id}:{normal_recovery_code(code)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _session_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- reading


def policy_of(session: Session, org_id: int) -> MfaPolicy:
    """An organisation's policy (not required when it never set one)."""
    row = session.get(MfaPolicyRow, org_id)
    if row is None:
        return MfaPolicy(enabled=False)
    return MfaPolicy(enabled=row.enabled, roles=[Role(r) for r in row.roles])


def required_for(session: Session, user_id: int) -> bool:
    """Whether any organisation of the account requires it to use a second factor in the
    role it holds there.

    An organisation that signs its members in only through its identity provider
    (local passwords disabled) leaves the second factor to that provider: its policy
    then asks nothing of tekisei's own sign-in or of its members' API tokens.
    """
    found = session.execute(
        select(MfaPolicyRow, MembershipRow.role)
        .join(MembershipRow, MembershipRow.org_id == MfaPolicyRow.org_id)
        .outerjoin(OidcProviderRow, OidcProviderRow.org_id == MfaPolicyRow.org_id)
        .where(
            MembershipRow.user_id == user_id,
            MfaPolicyRow.enabled.is_(True),
            or_(OidcProviderRow.id.is_(None), OidcProviderRow.passwords_disabled.is_(False)),
        )
    ).all()
    return required_anywhere(
        (MfaPolicy(enabled=row.enabled, roles=[Role(r) for r in row.roles]), Role(role))
        for row, role in found
    )


def _totp_row(session: Session, user_id: int) -> MfaTotpRow | None:
    return session.scalars(select(MfaTotpRow).where(MfaTotpRow.user_id == user_id)).first()


def _totp_enrolled(session: Session, user_id: int) -> bool:
    """Whether the account has a confirmed authenticator app."""
    row = _totp_row(session, user_id)
    return row is not None and row.confirmed_at is not None


def _has_passkey(session: Session, user_id: int) -> bool:
    return (
        session.scalars(select(PasskeyRow.id).where(PasskeyRow.user_id == user_id)).first()
        is not None
    )


def enrolled(session: Session, user_id: int) -> bool:
    """Whether the account has a second factor: a confirmed authenticator app or a
    passkey (either satisfies an organisation's policy)."""
    return _totp_enrolled(session, user_id) or _has_passkey(session, user_id)


def missing_for(session: Session, user_id: int) -> bool:
    """Whether the account must have a second factor and has none (its API tokens are
    refused until it enrols)."""
    return required_for(session, user_id) and not enrolled(session, user_id)


def sign_in_state(session: Session, user_id: int) -> SessionState | None:
    """What a password sign-in of the account must still go through: its authenticator's
    code, an enrolment its organisation requires, or nothing."""
    if enrolled(session, user_id):
        return "verify"
    if required_for(session, user_id):
        return "enrol"
    return None


@dataclass(frozen=True)
class MfaStatus:
    """The second factor of an account, as its owner sees it."""

    enrolled: bool
    enrolling: bool
    """An authenticator was set up but not yet confirmed with a code."""
    required: bool
    """An organisation of the account requires it."""
    recovery_codes_left: int
    confirmed_at: datetime | None
    passkeys: int = 0
    """How many passkeys the account has (each one a second factor too)."""


def status_of(session: Session, user_id: int) -> MfaStatus:
    """The account's second factor (never its secret)."""
    row = _totp_row(session, user_id)
    left = session.scalar(
        select(func.count())
        .select_from(MfaRecoveryCodeRow)
        .where(MfaRecoveryCodeRow.user_id == user_id, MfaRecoveryCodeRow.used_at.is_(None))
    )
    return MfaStatus(
        enrolled=row is not None and row.confirmed_at is not None,
        enrolling=row is not None and row.confirmed_at is None,
        required=required_for(session, user_id),
        recovery_codes_left=int(left or 0) if row is not None and row.confirmed_at else 0,
        confirmed_at=_aware(row.confirmed_at) if row and row.confirmed_at else None,
        passkeys=len(
            session.scalars(select(PasskeyRow.id).where(PasskeyRow.user_id == user_id)).all()
        ),
    )


# ----------------------------------------------------------------------------- codes


def _matching_steps(secret: str, code: str, now: datetime) -> list[int]:
    """The time steps around ``now`` (± ``DRIFT_STEPS``) whose code is ``code``."""
    if not looks_like_totp(code):
        return []
    digits = totp_digits(code)
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    return [
        step
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
        if hmac.compare_digest(totp.generate_otp(step), digits)
    ]


def _secret(row: MfaTotpRow, key: bytes) -> str:
    return unseal(row.secret_sealed, key, _binding(row.user_id)).decode("ascii")


def _lock_user(session: Session, user_id: int) -> UserRow:
    """The account, locked (PostgreSQL) so that its codes are checked one at a time."""
    user = session.get(UserRow, user_id, with_for_update=True)
    if user is None or not user.active:
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    return user


def _check_throttle(session: Session, user_id: int, now: datetime) -> None:
    """Refuse a code while the account has too many recent wrong ones.

    Raises:
        ThrottledError: saying how long to wait.
    """
    session.execute(delete(MfaFailureRow).where(MfaFailureRow.at < now - FAILURE_WINDOW))
    recent = [
        _aware(at)
        for at in session.scalars(
            select(MfaFailureRow.at)
            .where(MfaFailureRow.user_id == user_id, MfaFailureRow.at >= now - FAILURE_WINDOW)
            .order_by(MfaFailureRow.at.desc())
            .limit(FAILURES_ALLOWED)
        )
    ]
    if len(recent) >= FAILURES_ALLOWED:
        wait = recent[-1] + FAILURE_WINDOW - now
        en, ja = wait_words(wait)
        raise ThrottledError(
            f"too many failed attempts; wait {en} and try again",
            ja=f"認証の失敗が続いたため、確認を一時停止しています。{ja}待ってから再度お試しください。",
            retry_after=math.ceil(wait.total_seconds()),
        )


@dataclass(frozen=True)
class _Failure:
    """Where a wrong code is recorded: the organisation's audit log, by whom, and what
    the code was for."""

    org_id: int
    actor: str
    purpose: Literal["sign-in", "confirm", "disable", "regenerate"]


def _record_failure(session: Session, user_id: int, now: datetime, failure: _Failure) -> None:
    """Count a wrong code (throttling) and note it in the audit log (never the code)."""
    session.add(MfaFailureRow(user_id=user_id, at=now))
    org = session.get(OrgRow, failure.org_id)
    assert org is not None
    audit.record(
        session, org, failure.actor, "mfa.code_failure", "user", user_id,
        {"purpose": failure.purpose},
    )  # fmt: skip


def _wrong_code() -> AuthenticationError:
    return AuthenticationError(
        "the code is wrong or was already used; enter the current code of your "
        "authenticator app, or an unused recovery code",
        ja="コードが違うか、すでに使われています。認証アプリに表示されている現在のコード、"
        "または未使用のリカバリーコードを入力してください。",
    )


def _use_totp(session: Session, row: MfaTotpRow, key: bytes, code: str, now: datetime) -> bool:
    """Accept ``code`` for the authenticator once: its time step is recorded, and the
    update only succeeds while no later or equal step was used (also under concurrency)."""
    step = accepted_step(_matching_steps(_secret(row, key), code, now), row.last_step)
    if step is None:
        return False
    done = session.execute(
        update(MfaTotpRow)
        .where(
            MfaTotpRow.id == row.id,
            (MfaTotpRow.last_step.is_(None)) | (MfaTotpRow.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    return bool(getattr(done, "rowcount", 0) == 1)


def _use_recovery(session: Session, user_id: int, code: str, now: datetime) -> bool:
    """Spend a recovery code (each works once, also under concurrency)."""
    done = session.execute(
        update(MfaRecoveryCodeRow)
        .where(
            MfaRecoveryCodeRow.user_id == user_id,
            MfaRecoveryCodeRow.code_hash == _recovery_digest(user_id, code),
            MfaRecoveryCodeRow.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0) == 1)


Accepted = Literal["totp", "recovery"]


def _verify(
    database: Database,
    user_id: int,
    key: bytes,
    code: str,
    *,
    allow_recovery: bool,
    on_success: Callable[[Session, Accepted], None],
    failure: _Failure,
) -> None:
    """Check a code of a confirmed authenticator (or a recovery code) within the throttling
    limit and, when it is right, run ``on_success`` in the same transaction. A wrong code
    is recorded before the error is raised.

    Raises:
        ThrottledError: too many recent wrong codes.
        AuthenticationError: the code is wrong or already used.
    """
    wrong = False
    with database.transaction() as session:
        now = _now()
        _lock_user(session, user_id)
        _check_throttle(session, user_id, now)
        row = _totp_row(session, user_id)
        accepted: Accepted | None = None
        if row is not None and row.confirmed_at is not None:
            if _use_totp(session, row, key, code, now):
                accepted = "totp"
            elif allow_recovery and _use_recovery(session, user_id, code, now):
                accepted = "recovery"
        if accepted is None:
            _record_failure(session, user_id, now, failure)
            wrong = True
        else:
            session.execute(delete(MfaFailureRow).where(MfaFailureRow.user_id == user_id))
            on_success(session, accepted)
    if wrong:
        raise _wrong_code()


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def _record_recovery_use(session: Session, principal_org: OrgRow, email: str, user_id: int) -> None:
    left = session.scalar(
        select(func.count())
        .select_from(MfaRecoveryCodeRow)
        .where(MfaRecoveryCodeRow.user_id == user_id, MfaRecoveryCodeRow.used_at.is_(None))
    )
    audit.record(
        session,
        principal_org,
        email,
        "mfa.recovery_code_use",
        "user",
        user_id,
        {"recovery_codes_left": int(left or 0)},
    )


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.execute(delete(MfaRecoveryCodeRow).where(MfaRecoveryCodeRow.user_id == user_id))
    codes = [new_recovery_code() for _ in range(RECOVERY_COUNT)]
    now = _now()
    for code in codes:
        session.add(
            MfaRecoveryCodeRow(
                user_id=user_id, code_hash=_recovery_digest(user_id, code), created_at=now
            )
        )
    return codes


# ----------------------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class Enrolment:
    """An authenticator being set up: what the owner scans or types into the app."""

    secret: str
    """The base32 secret, for typing in by hand."""
    uri: str
    """The ``otpauth://`` address the QR code holds."""
    qr_svg: str
    """The QR code as inline SVG (made here, nothing fetched)."""


def _own_user(principal: Principal) -> int:
    if principal.user_id is None:
        raise InvalidInputError(
            "the local operator has no account; give --user",
            ja="ローカルの運用者にはアカウントがありません。--user を指定してください。",
        )
    return principal.user_id


def _enrolment(secret: str, email: str, lang: str) -> Enrolment:
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )
    title = "認証アプリ用のQRコード" if lang == "ja" else "QR code for your authenticator app"
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=title
    )
    # An image with its title as its name, for screen readers.
    return Enrolment(secret, uri, svg.replace("<svg ", '<svg role="img" ', 1))


def begin_enrolment(
    session: Session, principal: Principal, key: bytes, lang: str = "ja"
) -> Enrolment:
    """Make a new authenticator secret for the principal's account, not yet active (it
    replaces one that was set up and never confirmed).

    Raises:
        ConflictError: the account already has a confirmed authenticator (disable it
            first).
    """
    user_id = _own_user(principal)
    row = _totp_row(session, user_id)
    if row is not None and row.confirmed_at is not None:
        raise ConflictError(
            "an authenticator app is already set up; turn it off first to set up another",
            ja="認証アプリはすでに設定されています。別のものを設定するには、先に解除してください。",
        )
    secret = pyotp.random_base32()
    sealed = seal(secret.encode("ascii"), key, _binding(user_id))
    if row is None:
        session.add(
            MfaTotpRow(user_id=user_id, secret_sealed=sealed, created_at=_now(), last_step=None)
        )
    else:
        row.secret_sealed, row.created_at, row.last_step = sealed, _now(), None
    audit.record(
        session, _org(session, principal.org_id), principal.email, "mfa.enrol_begin", "user",
        user_id, {},
    )  # fmt: skip
    return _enrolment(secret, principal.email, lang)


def pending_enrolment(
    session: Session, principal: Principal, key: bytes, lang: str = "ja"
) -> Enrolment | None:
    """The authenticator set up and not yet confirmed, to show again (None if none)."""
    row = _totp_row(session, _own_user(principal))
    if row is None or row.confirmed_at is not None:
        return None
    return _enrolment(_secret(row, key), principal.email, lang)


def confirm_enrolment(
    database: Database, principal: Principal, key: bytes, code: str, session_token: str = ""
) -> list[str]:
    """Activate the authenticator being set up with a code it shows; issue recovery codes.

    A session that was waiting for this enrolment (its organisation requires it) is then
    fully signed in.

    Returns:
        The recovery codes, shown this once.

    Raises:
        NotFoundError: no authenticator is being set up.
        ThrottledError: too many recent wrong codes.
        AuthenticationError: the code is wrong.
    """
    user_id = _own_user(principal)
    codes: list[str] = []
    wrong = False
    with database.transaction() as session:
        now = _now()
        _lock_user(session, user_id)
        _check_throttle(session, user_id, now)
        row = _totp_row(session, user_id)
        if row is None or row.confirmed_at is not None:
            raise NotFoundError(
                "no authenticator app is being set up; start again",
                ja="設定中の認証アプリがありません。最初からやり直してください。",
            )
        if not _use_totp(session, row, key, code, now):
            _record_failure(
                session, user_id, now, _Failure(principal.org_id, principal.email, "confirm")
            )
            wrong = True
        else:
            row = _totp_row(session, user_id)
            assert row is not None
            row.confirmed_at = now
            codes = _new_recovery_codes(session, user_id)
            session.execute(delete(MfaFailureRow).where(MfaFailureRow.user_id == user_id))
            if session_token:
                _finish_session(session, session_token, user_id)
            audit.record(
                session,
                _org(session, principal.org_id),
                principal.email,
                "mfa.enrol",
                "user",
                user_id,
                {"method": "totp", "recovery_codes": len(codes)},
            )
    if wrong:
        raise _wrong_code()
    return codes


def _finish_session(session: Session, token: str, user_id: int) -> None:
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.token_hash == _session_digest(token), WebSessionRow.user_id == user_id)
        .values(second_factor_pending=False)
        .execution_options(synchronize_session=False)
    )


# ----------------------------------------------------------------------------- sign-in


def waiting_user(session: Session, token: str) -> tuple[int, int]:
    """The (account, organisation) of a live session cookie that waits for its second
    factor.

    Raises:
        AuthenticationError: no live session has this cookie.
        ConflictError: the session's sign-in is already complete (a second answer, such
            as a double submit, changes nothing).
    """
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _session_digest(token))
    ).first()
    if row is None or _aware(row.expires_at) <= _now():
        raise AuthenticationError("please sign in", ja="サインインしてください。")
    if not row.second_factor_pending:
        raise ConflictError(
            "this sign-in is already complete; nothing more is needed",
            ja="このサインインはすでに完了しています。これ以上の操作は不要です。",
        )
    return row.user_id, row.org_id


def complete_sign_in(database: Database, token: str, key: bytes, code: str) -> None:
    """The second step of a password sign-in: the authenticator's code (or a recovery
    code, which is then spent) turns the waiting session into a signed-in one.

    Raises:
        AuthenticationError: no live session, or the code is wrong or already used
            (counted).
        ConflictError: the session's sign-in is already complete.
        ThrottledError: too many recent wrong codes for the account.
    """
    with database.reading() as session:
        user_id, org_id = waiting_user(session, token)
    with database.reading() as session:
        owner = session.get(UserRow, user_id)
        email = owner.email if owner is not None else ""

    def finish(session: Session, accepted: Accepted) -> None:
        _finish_session(session, token, user_id)
        org = _org(session, org_id)
        user = session.get(UserRow, user_id)
        assert user is not None
        if accepted == "recovery":
            _record_recovery_use(session, org, user.email, user_id)
        audit.record(
            session, org, user.email, "session.second_factor", "user", user_id,
            {"method": accepted},
        )  # fmt: skip

    _verify(
        database,
        user_id,
        key,
        code,
        allow_recovery=True,
        on_success=finish,
        failure=_Failure(org_id, email, "sign-in"),
    )


# ----------------------------------------------------------------------------- changes


def disable(database: Database, principal: Principal, key: bytes, code: str) -> None:
    """Turn one's authenticator off (a current code or an unused recovery code proves it
    is the owner); its recovery codes go with it.

    Raises:
        PermissionDeniedError: an organisation of the account requires a second factor.
        NotFoundError: no authenticator is set up.
        ThrottledError: too many recent wrong codes.
        AuthenticationError: the code is wrong.
    """
    user_id = _own_user(principal)
    with database.reading() as session:
        if required_for(session, user_id) and not _has_passkey(session, user_id):
            raise PermissionDeniedError(
                "your organisation requires a second factor for your role; it cannot be "
                "turned off (an administrator can reset it if the app is lost)",
                ja="あなたの組織では、この権限に2段階認証が必須のため解除できません。"
                "認証アプリを失った場合は管理者にリセットを依頼してください。",
            )
        if not _totp_enrolled(session, user_id):
            raise NotFoundError(
                "no authenticator app is set up", ja="認証アプリは設定されていません。"
            )

    def finish(session: Session, accepted: Accepted) -> None:
        org = _org(session, principal.org_id)
        if accepted == "recovery":
            _record_recovery_use(session, org, principal.email, user_id)
        _remove(session, user_id)
        audit.record(
            session, org, principal.email, "mfa.disable", "user", user_id, {"proof": accepted}
        )

    _verify(
        database,
        user_id,
        key,
        code,
        allow_recovery=True,
        on_success=finish,
        failure=_Failure(principal.org_id, principal.email, "disable"),
    )


def regenerate_recovery_codes(
    database: Database, principal: Principal, key: bytes, code: str
) -> list[str]:
    """Replace one's recovery codes with new ones (the old ones stop working); a current
    code of the authenticator is needed.

    Returns:
        The new codes, shown this once.

    Raises:
        NotFoundError: no authenticator is set up.
        ThrottledError: too many recent wrong codes.
        AuthenticationError: the code is wrong.
    """
    user_id = _own_user(principal)
    with database.reading() as session:
        if not _totp_enrolled(session, user_id):
            raise NotFoundError(
                "no authenticator app is set up", ja="認証アプリは設定されていません。"
            )
    codes: list[str] = []

    def finish(session: Session, accepted: Accepted) -> None:
        codes.extend(_new_recovery_codes(session, user_id))
        audit.record(
            session,
            _org(session, principal.org_id),
            principal.email,
            "mfa.recovery_codes_regenerate",
            "user",
            user_id,
            {"recovery_codes": len(codes)},
        )

    _verify(
        database,
        user_id,
        key,
        code,
        allow_recovery=False,
        on_success=finish,
        failure=_Failure(principal.org_id, principal.email, "regenerate"),
    )
    return codes


def _remove(session: Session, user_id: int) -> None:
    session.execute(delete(MfaRecoveryCodeRow).where(MfaRecoveryCodeRow.user_id == user_id))
    session.execute(delete(MfaTotpRow).where(MfaTotpRow.user_id == user_id))
    session.execute(delete(MfaFailureRow).where(MfaFailureRow.user_id == user_id))


def reset_member(session: Session, principal: Principal, user_id: int) -> int:
    """An administrator removes a member's authenticator and recovery codes (a lost
    phone) and ends the member's browser sessions; the member sets one up again at the
    next sign-in if the organisation requires it.

    Returns:
        How many sessions were ended.

    An account that also belongs to another organisation is reset only by the operator
    (``tekisei mfa reset``): its second factor protects it there too, and no single
    organisation's administrator may remove that protection for the others. The reset
    is recorded in every organisation the account belongs to.

    An administrator does not reset their own account here (a stolen session would
    remove the factor that protects it): they manage it on their account page, where a
    removal needs a fresh factor, or ask another administrator or the operator.

    Raises:
        PermissionDeniedError: the caller may not manage the organisation, the account is
            the caller's own, or it belongs to another organisation too; the operator's
            command line is exempt from the last two.
        NotFoundError: no such member in the caller's organisation.
    """
    member = session.scalars(
        select(MembershipRow).where(
            MembershipRow.user_id == user_id, MembershipRow.org_id == principal.org_id
        )
    ).first()
    if member is None:  # before the role check: nobody learns who belongs elsewhere
        raise NotFoundError(
            f"no member {user_id} in this organisation",
            ja=f"この組織にメンバー {user_id} はいません。",
        )
    require(principal, Permission.MANAGE_ORG)
    if principal.via != "cli" and principal.user_id == user_id:
        raise PermissionDeniedError(
            "you cannot reset your own second factor here: manage it on your account page "
            "(/account/mfa), where removing one needs a current code or one of your "
            "passkeys, or ask another administrator, or the operator of the server "
            "(tekisei mfa reset EMAIL --org SLUG)",
            ja="ご自身の2段階認証はここではリセットできません。アカウントの画面（/account/mfa）"
            "で管理してください（削除には現在のコードかパスキーでの確認が必要です）。"
            "または、ほかの管理者かサーバーの運用者（tekisei mfa reset メールアドレス "
            "--org 組織）に依頼してください。",
        )
    orgs_of = list(
        session.scalars(
            select(MembershipRow.org_id)
            .where(MembershipRow.user_id == user_id)
            .order_by(MembershipRow.org_id)
        )
    )
    if principal.via != "cli" and any(o != principal.org_id for o in orgs_of):
        raise PermissionDeniedError(
            "this account also belongs to another organisation, where its second factor "
            "protects it too: ask the operator of the server to reset it "
            "(tekisei mfa reset EMAIL --org SLUG)",
            ja="このアカウントは他の組織にも所属しており、2段階認証はそちらでもアカウントを"
            "守っています。リセットはサーバーの運用者に依頼してください"
            "（tekisei mfa reset メールアドレス --org 組織）。",
        )
    had = _totp_row(session, user_id) is not None
    passkeys = len(
        session.scalars(select(PasskeyRow.id).where(PasskeyRow.user_id == user_id)).all()
    )
    _remove(session, user_id)
    session.execute(delete(PasskeyRow).where(PasskeyRow.user_id == user_id))
    session.execute(delete(PasskeyChallengeRow).where(PasskeyChallengeRow.user_id == user_id))
    ended = session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
    count = int(getattr(ended, "rowcount", 0) or 0)
    user = session.get(UserRow, user_id)
    assert user is not None
    summary = {
        "email": user.email,
        "had_authenticator": had,
        "passkeys_removed": passkeys,
        "sessions_ended": count,
    }
    for org_id in [principal.org_id] + [o for o in orgs_of if o != principal.org_id]:
        audit.record(
            session, _org(session, org_id), principal.email, "mfa.reset", "user", user_id, summary
        )
    return count


def reset_by_email(session: Session, principal: Principal, email: str) -> int:
    """:func:`reset_member` for the member with this email (the operator's CLI).

    Raises:
        NotFoundError: no such member in the organisation.
    """
    user = session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()
    if user is None:
        raise NotFoundError(f"no member {email}", ja=f"メンバー {email} はいません。")
    return reset_member(session, principal, user.id)


def set_policy(session: Session, principal: Principal, policy: MfaPolicy) -> MfaPolicy:
    """Set whether the organisation requires a second factor, and for which roles.

    Members concerned who have none are led through enrolment at once: their open
    password sessions wait for it (as their next password sign-in will), and their API
    tokens are refused until they enrol.

    Raises:
        PermissionDeniedError: the caller may not manage the organisation.
        InvalidInputError: the policy is on for no role.
    """
    require(principal, Permission.MANAGE_ORG)
    if policy.enabled and not policy.roles:
        raise InvalidInputError(
            "name at least one role that must use a second factor",
            ja="2段階認証を必須にする権限を一つ以上選んでください。",
            field="roles",
        )
    before = policy_of(session, principal.org_id)
    row = session.get(MfaPolicyRow, principal.org_id)
    if row is None:
        row = MfaPolicyRow(org_id=principal.org_id)
        session.add(row)
    row.enabled = policy.enabled
    row.roles = [r.value for r in policy.roles]
    row.updated_at = _now()
    row.updated_by = principal.email
    session.flush()
    waiting = _hold_sessions_for_enrolment(session, principal.org_id) if policy.enabled else 0
    audit.record(
        session,
        _org(session, principal.org_id),
        principal.email,
        "mfa.policy",
        "org",
        principal.org_id,
        {
            "enabled": policy.enabled,
            "roles": row.roles,
            "was_enabled": before.enabled,
            "was_roles": [r.value for r in before.roles],
            "sessions_held_for_enrolment": waiting,
        },
    )
    return policy


def _hold_sessions_for_enrolment(session: Session, org_id: int) -> int:
    """Make the open password sessions of the organisation's members who must now have a
    second factor, and have none, wait for its enrolment (in every organisation): the
    policy holds at once, not from their next sign-in. Sessions opened through an
    identity provider are left alone (the provider asks for its own factors). How many
    sessions now wait."""
    members = list(
        session.scalars(select(MembershipRow.user_id).where(MembershipRow.org_id == org_id))
    )
    concerned = [user_id for user_id in members if missing_for(session, user_id)]
    if not concerned:
        return 0
    held = session.execute(
        update(WebSessionRow)
        .where(
            WebSessionRow.user_id.in_(concerned),
            WebSessionRow.method == "password",
            WebSessionRow.second_factor_pending.is_(False),
        )
        .values(second_factor_pending=True)
    )
    return int(getattr(held, "rowcount", 0) or 0)


@dataclass(frozen=True)
class MemberMfa:
    """A member and whether they have a second factor (for administrators)."""

    user_id: int
    email: str
    role: str
    enrolled: bool
    required: bool
    app: bool = False
    """A confirmed authenticator app."""
    passkeys: int = 0
    """How many passkeys."""


def members_mfa(session: Session, principal: Principal) -> list[MemberMfa]:
    """The organisation's members and their second factor (administrators only).

    Raises:
        PermissionDeniedError: the caller may not manage the organisation.
    """
    require(principal, Permission.MANAGE_ORG)
    policy = policy_of(session, principal.org_id)
    with_passkeys: dict[int, int] = {
        user_id: int(count)
        for user_id, count in session.execute(
            select(PasskeyRow.user_id, func.count())
            .join(MembershipRow, MembershipRow.user_id == PasskeyRow.user_id)
            .where(MembershipRow.org_id == principal.org_id)
            .group_by(PasskeyRow.user_id)
        ).all()
    }
    rows = session.execute(
        select(UserRow, MembershipRow.role, MfaTotpRow.confirmed_at)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .outerjoin(MfaTotpRow, MfaTotpRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == principal.org_id)
        .order_by(UserRow.email)
    ).all()
    return [
        MemberMfa(
            user.id,
            user.email,
            role,
            confirmed is not None or user.id in with_passkeys,
            policy.enabled and Role(role) in policy.roles,
            app=confirmed is not None,
            passkeys=with_passkeys.get(user.id, 0),
        )
        for user, role, confirmed in rows
    ]
