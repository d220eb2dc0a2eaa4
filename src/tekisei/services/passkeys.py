"""Passkeys (WebAuthn) as a second factor of local accounts: registering one, naming and
removing it, and answering the second step of a password sign-in with it.

The ceremonies are checked by py_webauthn, offline: attestation "none" is accepted (no
vendor certificate is fetched or trusted), the challenge is kept in the database bound
to the browser session and the account, lives ``core.passkeys.CHALLENGE_TTL`` and is
spent by the first answer. Wrong answers count towards the same throttle as wrong TOTP
codes. A signature counter that goes backwards is refused as a cloned authenticator.
Every change is an audit event of the organisation the person acts for, in the same
transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.passkeys import (
    CHALLENGE_TTL,
    MAX_PASSKEYS,
    TIMEOUT_MS,
    AuthenticationCredential,
    Purpose,
    RegistrationCredential,
    RelyingParty,
    check_name,
    wrong_origin,
)
from tekisei.db.mfa import MfaFailureRow, MfaTotpRow
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow
from tekisei.db.passkeys import PasskeyChallengeRow, PasskeyRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TekiseiError,
)
from tekisei.services import audit
from tekisei.services import mfa as mfa_service
from tekisei.services.database import Database

RP_NAME = "tekisei"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


@dataclass(frozen=True)
class Passkey:
    """A passkey as its owner sees it (never its key)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: list[str]


def _view(row: PasskeyRow) -> Passkey:
    return Passkey(
        row.id,
        row.name,
        _aware(row.created_at),
        _aware(row.last_used_at) if row.last_used_at else None,
        list(row.transports),
    )


def _browser_only(token: str) -> str:
    if not token:
        raise InvalidInputError(
            "passkeys are added and used from a signed-in browser, not with an API token",
            ja="パスキーの追加と利用は、サインインしたブラウザーから行ってください"
            "（APIトークンでは使えません）。",
        )
    return _digest(token)


def _rows(session: Session, user_id: int) -> list[PasskeyRow]:
    return list(
        session.scalars(
            select(PasskeyRow).where(PasskeyRow.user_id == user_id).order_by(PasskeyRow.id)
        )
    )


def count_of(session: Session, user_id: int) -> int:
    """How many passkeys the account has."""
    found = session.scalar(
        select(func.count()).select_from(PasskeyRow).where(PasskeyRow.user_id == user_id)
    )
    return int(found or 0)


def list_passkeys(session: Session, user_id: int) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    return [_view(row) for row in _rows(session, user_id)]


# ----------------------------------------------------------------------------- challenges


def _new_challenge(
    session: Session, user_id: int, session_hash: str, purpose: Purpose, challenge: bytes
) -> None:
    """Keep the challenge of a ceremony; it replaces the session's earlier one of the same
    purpose (only the latest options can be answered)."""
    now = _now()
    session.execute(delete(PasskeyChallengeRow).where(PasskeyChallengeRow.expires_at < now))
    session.execute(
        delete(PasskeyChallengeRow).where(
            PasskeyChallengeRow.session_hash == session_hash,
            PasskeyChallengeRow.purpose == purpose,
        )
    )
    session.add(
        PasskeyChallengeRow(
            user_id=user_id,
            session_hash=session_hash,
            purpose=purpose,
            challenge=challenge,
            expires_at=now + CHALLENGE_TTL,
        )
    )


def _expired() -> AuthenticationError:
    return AuthenticationError(
        "the passkey request expired or was already answered; try again",
        ja="パスキーの確認の有効期限が切れたか、すでに使われています。もう一度お試しください。",
    )


def _take_challenge(session: Session, user_id: int, session_hash: str, purpose: Purpose) -> bytes:
    """Spend the session's challenge (once, whatever the answer).

    Raises:
        AuthenticationError: none, or it expired.
    """
    row = session.scalars(
        select(PasskeyChallengeRow).where(
            PasskeyChallengeRow.session_hash == session_hash,
            PasskeyChallengeRow.user_id == user_id,
            PasskeyChallengeRow.purpose == purpose,
        )
    ).first()
    if row is None:
        raise _expired()
    challenge, expires = row.challenge, _aware(row.expires_at)
    done = session.execute(delete(PasskeyChallengeRow).where(PasskeyChallengeRow.id == row.id))
    if int(getattr(done, "rowcount", 0) or 0) != 1 or expires <= _now():
        raise _expired()
    return challenge


def _check_origin(client_data: str, rp: RelyingParty) -> None:
    """A clear error when the browser answered from another address than the site's."""
    try:
        origin = parse_client_data_json(base64url_to_bytes(client_data)).origin
    except (WebAuthnException, ValueError) as exc:
        raise _refused() from exc
    if origin != rp.origin:
        raise wrong_origin(rp.origin)


def _refused() -> AuthenticationError:
    return AuthenticationError(
        "the passkey's answer could not be verified; try again, or use another of the ways "
        "you set up for the second step",
        ja="パスキーの応答を確認できませんでした。もう一度お試しいただくか、設定済みの別の方法"
        "（別のパスキーなど）をお使いください。",
    )


def _failure(
    database: Database,
    user_id: int,
    org_id: int,
    actor: str,
    purpose: str,
    reason: str,
    passkey_id: int | None = None,
) -> None:
    """Count a refused passkey answer (same throttle as wrong codes) and note it in the
    audit log, in a transaction of its own (the refusal itself rolls back)."""
    with database.transaction() as session:
        session.add(MfaFailureRow(user_id=user_id, at=_now()))
        summary: dict[str, object] = {"purpose": purpose, "reason": reason}
        if passkey_id is not None:
            summary["passkey_id"] = passkey_id
        audit.record(
            session, _org(session, org_id), actor, "mfa.passkey.failure", "user", user_id, summary
        )


# ----------------------------------------------------------------------------- registration


def _too_many() -> ConflictError:
    return ConflictError(
        f"an account can have at most {MAX_PASSKEYS} passkeys; remove one first",
        ja=f"パスキーは1アカウントにつき{MAX_PASSKEYS}個までです。先にどれかを削除してください。",
    )


def _own_user(principal: Principal) -> int:
    if principal.user_id is None:
        raise InvalidInputError(
            "the local operator has no account; give --user",
            ja="ローカルの運用者にはアカウントがありません。--user を指定してください。",
        )
    return principal.user_id


def registration_options(
    session: Session, principal: Principal, session_token: str, rp: RelyingParty
) -> str:
    """Begin adding a passkey: the options for ``navigator.credentials.create()`` as
    WebAuthn JSON (attestation "none", user verification preferred, the account's
    passkeys excluded).

    Raises:
        InvalidInputError: not a browser session.
        ConflictError: the account already has ``MAX_PASSKEYS``.
    """
    user_id = _own_user(principal)
    session_hash = _browser_only(session_token)
    rows = _rows(session, user_id)
    if len(rows) >= MAX_PASSKEYS:
        raise _too_many()
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=RP_NAME,
        user_name=principal.email,
        user_id=hashlib.sha256(f"tekisei-user-{user_id}".encode()).digest()[:16],
        user_display_name=principal.email,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=r.credential_id) for r in rows],
    )
    _new_challenge(session, user_id, session_hash, "register", options.challenge)
    return options_to_json(options)


def _transports(names: list[str]) -> list[str]:
    known = {t.value for t in AuthenticatorTransport}
    return [n for n in names if n in known]


def register(
    database: Database,
    principal: Principal,
    session_token: str,
    rp: RelyingParty,
    credential: RegistrationCredential,
    name: str,
) -> Passkey:
    """Add the passkey the browser made for the session's latest registration options.

    A session waiting for the enrolment its organisation requires is then signed in.

    Raises:
        AuthenticationError: the challenge expired or was spent, or the answer does not
            verify (counted).
        InvalidInputError: the name holds a control or invisible character, or the
            answer came from another origin (counted).
        ConflictError: too many passkeys, or this passkey is already registered.
        ThrottledError: too many recent refused answers.
    """
    user_id = _own_user(principal)
    session_hash = _browser_only(session_token)
    check_name(name)
    added: Passkey | None = None
    refused: TekiseiError | None = None
    reason = ""
    with database.transaction() as session:
        now = _now()
        mfa_service._lock_user(session, user_id)
        mfa_service._check_throttle(session, user_id, now)
        if count_of(session, user_id) >= MAX_PASSKEYS:
            raise _too_many()
        challenge = _take_challenge(session, user_id, session_hash, "register")
        try:
            _check_origin(credential.response.clientDataJSON, rp)
            verified = verify_registration_response(
                credential=credential.model_dump(exclude_none=True),
                expected_challenge=challenge,
                expected_rp_id=rp.rp_id,
                expected_origin=rp.origin,
                require_user_presence=True,
            )
        except (InvalidInputError, AuthenticationError) as exc:
            refused, reason = exc, "origin" if isinstance(exc, InvalidInputError) else "invalid"
        except WebAuthnException as exc:
            refused, reason = _refused(), type(exc).__name__
        else:
            taken = session.scalars(
                select(PasskeyRow.id).where(PasskeyRow.credential_id == verified.credential_id)
            ).first()
            if taken is not None:
                raise ConflictError(
                    "this passkey is already registered",
                    ja="このパスキーはすでに登録されています。",
                )
            row = PasskeyRow(
                user_id=user_id,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=_transports(credential.response.transports),
                name=name,
                created_at=now,
                last_used_at=None,
            )
            session.add(row)
            session.flush()
            session.execute(delete(MfaFailureRow).where(MfaFailureRow.user_id == user_id))
            if session_token:
                mfa_service._finish_session(session, session_token, user_id)
            audit.record(
                session,
                _org(session, principal.org_id),
                principal.email,
                "mfa.passkey.add",
                "user",
                user_id,
                {"passkey_id": row.id, "name": name, "user_verified": verified.user_verified},
            )
            added = _view(row)
    if refused is not None:
        _failure(database, user_id, principal.org_id, principal.email, "register", reason)
        raise refused
    assert added is not None
    return added


# ----------------------------------------------------------------------------- assertion


def authentication_options(
    session: Session, user_id: int, session_token: str, rp: RelyingParty
) -> str:
    """The options for ``navigator.credentials.get()`` listing the account's passkeys.

    Raises:
        InvalidInputError: not a browser session.
        NotFoundError: the account has no passkey.
    """
    session_hash = _browser_only(session_token)
    rows = _rows(session, user_id)
    if not rows:
        raise NotFoundError(
            "this account has no passkey; enter the code of your authenticator app",
            ja="このアカウントにはパスキーがありません。認証アプリのコードを入力してください。",
        )
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=[
            PublicKeyCredentialDescriptor(
                id=r.credential_id,
                transports=[AuthenticatorTransport(t) for t in _transports(r.transports)],
            )
            for r in rows
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _new_challenge(session, user_id, session_hash, "authenticate", options.challenge)
    return options_to_json(options)


@dataclass(frozen=True)
class _Who:
    user_id: int
    org_id: int
    email: str
    session_hash: str


def _assert(
    database: Database,
    who: _Who,
    rp: RelyingParty,
    credential: AuthenticationCredential,
    purpose: str,
    on_success: Callable[[Session, PasskeyRow], None],
) -> PasskeyRow:
    """Check a passkey's answer to the session's authentication challenge: one of the
    account's passkeys, the right origin and RP ID, user present, a valid signature and a
    counter that went forward. On success the counter and use time are saved and
    ``on_success(session, row)`` runs in the same transaction; a refusal is counted.

    Raises:
        ThrottledError: too many recent refused answers or wrong codes.
        AuthenticationError: expired challenge or a refused answer.
        InvalidInputError: another origin.
    """
    refused: TekiseiError | None = None
    reason = ""
    passkey_id: int | None = None
    used: PasskeyRow | None = None
    with database.transaction() as session:
        now = _now()
        mfa_service._lock_user(session, who.user_id)
        mfa_service._check_throttle(session, who.user_id, now)
        challenge = _take_challenge(session, who.user_id, who.session_hash, "authenticate")
        try:
            raw_id = base64url_to_bytes(credential.rawId)
        except ValueError:
            raw_id = b""
        row = session.scalars(
            select(PasskeyRow).where(
                PasskeyRow.credential_id == raw_id, PasskeyRow.user_id == who.user_id
            )
        ).first()
        if row is None:
            refused, reason = _refused(), "unknown_passkey"
        else:
            passkey_id = row.id
            try:
                _check_origin(credential.response.clientDataJSON, rp)
                # The library's own counter check would refuse a clone as any bad
                # answer: it is done below, after the signature, to name it.
                verified = verify_authentication_response(
                    credential=credential.model_dump(exclude_none=True),
                    expected_challenge=challenge,
                    expected_rp_id=rp.rp_id,
                    expected_origin=rp.origin,
                    credential_public_key=row.public_key,
                    credential_current_sign_count=0,
                )
            except InvalidInputError as exc:
                refused, reason = exc, "origin"
            except AuthenticationError as exc:
                refused, reason = exc, "invalid"
            except WebAuthnException as exc:
                refused, reason = _refused(), str(exc)[:100]
            else:
                stored, new = row.sign_count, verified.new_sign_count
                if (stored > 0 or new > 0) and new <= stored:
                    refused, reason = _cloned(), "sign_count_regression"
                else:
                    row.sign_count, row.last_used_at = new, now
                    session.execute(
                        delete(MfaFailureRow).where(MfaFailureRow.user_id == who.user_id)
                    )
                    on_success(session, row)
                    used = row
    if refused is not None:
        _failure(database, who.user_id, who.org_id, who.email, purpose, reason, passkey_id)
        raise refused
    assert used is not None
    return used


def _cloned() -> AuthenticationError:
    return AuthenticationError(
        "this passkey's counter went backwards, as happens when an authenticator has been "
        "copied; it was refused: use another of the ways you set up for the second step, "
        "and tell your administrator",
        ja="このパスキーの使用回数が巻き戻っており、認証器が複製された可能性があるため拒否しました。"
        "設定済みの別の方法（別のパスキーなど）を使い、管理者に連絡してください。",
    )


def pending_options(database: Database, token: str, rp: RelyingParty) -> str:
    """Authentication options for a session that waits for its second factor.

    Raises:
        InvalidInputError: not a browser session (an API token).
        AuthenticationError: no live session.
        ConflictError: the session's sign-in is already complete.
        NotFoundError: the account has no passkey.
    """
    _browser_only(token)
    with database.transaction() as session:
        user_id, _org_id = mfa_service.waiting_user(session, token)
        return authentication_options(session, user_id, token, rp)


def complete_sign_in(
    database: Database, token: str, rp: RelyingParty, credential: AuthenticationCredential
) -> None:
    """The second step of a password sign-in answered with a passkey: the waiting session
    is then signed in.

    Raises:
        AuthenticationError: no live session, the challenge expired or was spent, or
            the answer is refused (counted).
        ConflictError: the session's sign-in is already complete.
        InvalidInputError: not a browser session (an API token), or the answer came
            from another origin (counted).
        ThrottledError: too many recent refused answers or wrong codes.
    """
    _browser_only(token)
    with database.reading() as session:
        user_id, org_id = mfa_service.waiting_user(session, token)
        user = session.get(UserRow, user_id)
        email = user.email if user is not None else ""

    def finish(session: Session, row: PasskeyRow) -> None:
        mfa_service._finish_session(session, token, user_id)
        org = _org(session, org_id)
        audit.record(
            session, org, email, "mfa.passkey.use", "user", user_id, {"passkey_id": row.id}
        )
        audit.record(
            session, org, email, "session.second_factor", "user", user_id, {"method": "passkey"}
        )

    _assert(
        database, _Who(user_id, org_id, email, _digest(token)), rp, credential, "sign-in", finish
    )


# ----------------------------------------------------------------------------- changes


def _own_row(session: Session, user_id: int, passkey_id: int) -> PasskeyRow:
    row = session.get(PasskeyRow, passkey_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(
            f"no passkey {passkey_id} on your account",
            ja=f"あなたのアカウントにパスキー {passkey_id} はありません。",
        )
    return row


def rename(session: Session, principal: Principal, passkey_id: int, name: str) -> Passkey:
    """Give one's passkey another name.

    Raises:
        InvalidInputError: the name holds a control or invisible character.
        NotFoundError: no such passkey on the caller's account.
    """
    user_id = _own_user(principal)
    check_name(name)
    row = _own_row(session, user_id, passkey_id)
    before, row.name = row.name, name
    audit.record(
        session, _org(session, principal.org_id), principal.email, "mfa.passkey.rename",
        "user", user_id, {"passkey_id": row.id, "name": name, "was": before},
    )  # fmt: skip
    return _view(row)


def _last_factor(session: Session, user_id: int) -> bool:
    totp = session.scalars(
        select(MfaTotpRow.id).where(
            MfaTotpRow.user_id == user_id, MfaTotpRow.confirmed_at.is_not(None)
        )
    ).first()
    return totp is None and count_of(session, user_id) <= 1


def removal_options(
    session: Session, principal: Principal, session_token: str, rp: RelyingParty
) -> str:
    """The options to confirm a removal with one of one's passkeys (any of them)."""
    return authentication_options(session, _own_user(principal), session_token, rp)


def remove(
    database: Database,
    principal: Principal,
    session_token: str,
    rp: RelyingParty,
    passkey_id: int,
    credential: AuthenticationCredential,
) -> None:
    """Remove one's passkey, confirmed by a fresh answer of one of one's passkeys (the
    way a current code confirms turning the authenticator app off).

    Raises:
        InvalidInputError: not a browser session (an API token).
        NotFoundError: no such passkey on the caller's account.
        PermissionDeniedError: it is the account's last second factor and an
            organisation requires one.
        AuthenticationError, InvalidInputError, ThrottledError: the confirmation is
            refused (counted).
    """
    user_id = _own_user(principal)
    session_hash = _browser_only(session_token)
    with database.reading() as session:
        _own_row(session, user_id, passkey_id)
        if _last_factor(session, user_id) and mfa_service.required_for(session, user_id):
            raise PermissionDeniedError(
                "your organisation requires a second factor for your role and this is your "
                "last one; add another passkey or an authenticator app first",
                ja="あなたの組織では、この権限に2段階認証が必須です。これが最後の2段階認証の"
                "手段のため、削除できません。先に別のパスキーか認証アプリを追加してください。",
            )

    def finish(session: Session, used: PasskeyRow) -> None:
        row = _own_row(session, user_id, passkey_id)
        name = row.name
        session.delete(row)
        audit.record(
            session, _org(session, principal.org_id), principal.email, "mfa.passkey.remove",
            "user", user_id, {"passkey_id": passkey_id, "name": name, "confirmed_with": used.id},
        )  # fmt: skip

    who = _Who(user_id, principal.org_id, principal.email, session_hash)
    _assert(database, who, rp, credential, "remove", finish)


def _member(session: Session, principal: Principal, email: str) -> UserRow:
    user = session.scalars(select(UserRow).where(UserRow.email == email.strip().lower())).first()
    member = (
        session.scalars(
            select(MembershipRow).where(
                MembershipRow.user_id == user.id, MembershipRow.org_id == principal.org_id
            )
        ).first()
        if user is not None
        else None
    )
    if user is None or member is None:
        raise NotFoundError(f"no member {email}", ja=f"メンバー {email} はいません。")
    require(principal, Permission.MANAGE_ORG)
    return user


def member_passkeys(session: Session, principal: Principal, email: str) -> list[Passkey]:
    """A member's passkeys (administrators and the operator).

    Raises:
        NotFoundError: no such member in the organisation.
        PermissionDeniedError: the caller may not manage the organisation.
    """
    return list_passkeys(session, _member(session, principal, email).id)


def remove_by_operator(session: Session, principal: Principal, email: str, passkey_id: int) -> None:
    """The operator removes a member's passkey (a lost security key), recorded in every
    organisation the account belongs to.

    Raises:
        PermissionDeniedError: not the operator's command line.
        NotFoundError: no such member, or no such passkey of theirs.
    """
    if principal.via != "cli":
        raise PermissionDeniedError(
            "only the operator of the server removes a member's passkey",
            ja="メンバーのパスキーを削除できるのはサーバーの運用者だけです。",
        )
    user = _member(session, principal, email)
    row = _own_row(session, user.id, passkey_id)
    name = row.name
    session.delete(row)
    orgs_of = session.scalars(
        select(MembershipRow.org_id).where(MembershipRow.user_id == user.id)
    ).all()
    for org_id in sorted(set(orgs_of)):
        audit.record(
            session, _org(session, org_id), principal.email, "mfa.passkey.remove", "user",
            user.id, {"passkey_id": passkey_id, "name": name, "by_operator": True},
        )  # fmt: skip


def options_json(options: str) -> dict[str, object]:
    """Options as a JSON object (for the API)."""
    loaded: dict[str, object] = json.loads(options)
    return loaded
