"""Single sign-on through an organisation's OpenID provider: the authorization code flow
with PKCE (S256), a single-use ``state`` and a ``nonce`` kept server-side, the ID token
checked by :mod:`tekisei.services.oidc_provider`, then a normal web session; and the
provider's sign-out (RP-initiated logout) when the session ends.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Role
from tekisei.core.sessions import SignInMethod
from tekisei.core.sso import LOGIN_MINUTES, SsoFailure, Vouched, domain_allowed, mapped_role
from tekisei.db.orgs import InvitationRow, OrgRow, WebSessionRow
from tekisei.db.sso import OidcLoginRow, OidcProviderRow, OidcSessionRow
from tekisei.evals import GuardedHttp, TargetError, request_json
from tekisei.provenance import SealError
from tekisei.services import audit, passwords, users
from tekisei.services.database import Database
from tekisei.services.oidc_provider import (
    Discovery,
    SsoConfig,
    SsoError,
    check_provider,
    discover,
    verify_id_token,
)
from tekisei.services.orgs import add_member, membership
from tekisei.services.sso import client_secret, sign_in_provider

logger = logging.getLogger(__name__)

__all__ = [
    "Discovery",
    "SignedIn",
    "SsoConfig",
    "SsoError",
    "begin_sign_in",
    "check_provider",
    "finish_sign_in",
    "logout_url",
    "s256",
    "session_provider",
]


# ------------------------------------------------------------------------------ sign-in


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a code verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def begin_sign_in(
    database: Database, org_slug: str, redirect_uri: str, next_url: str, config: SsoConfig
) -> str:
    """Start a sign-in through the organisation's provider: the URL to send the browser to.

    Raises:
        SsoError: no enabled provider, or the provider cannot be reached.
    """
    with database.reading() as session:
        row = sign_in_provider(session, org_slug)
        if row is None:
            raise SsoError(SsoFailure.NOT_CONFIGURED)
        provider_id, issuer, client_id, org_id = row.id, row.issuer, row.client_id, row.org_id
    http = GuardedHttp(config.timeout, config.policy())
    try:
        found = await discover(http, issuer)
    except SsoError as exc:  # the provider is down: the organisation's log says so too
        with database.transaction() as session:
            org = session.get(OrgRow, org_id)
            if org is not None:
                audit.record(
                    session,
                    org,
                    "sso",
                    "sso.refuse",
                    "sso",
                    provider_id,
                    {"reason": exc.failure.value, "at": "start"},
                )
        raise
    finally:
        await http.aclose()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    now = _now()
    with database.transaction() as session:
        session.execute(delete(OidcLoginRow).where(OidcLoginRow.expires_at < now))
        session.add(
            OidcLoginRow(
                state_hash=_digest(state),
                provider_id=provider_id,
                nonce=nonce,
                code_verifier=verifier,
                redirect_uri=redirect_uri,
                next_url=next_url,
                created_at=now,
                expires_at=now + timedelta(minutes=LOGIN_MINUTES),
            )
        )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in found.authorization_endpoint else "?"
    return f"{found.authorization_endpoint}{separator}{query}"


@dataclass(frozen=True)
class _Pending:
    provider_id: int
    org_id: int
    issuer: str
    client_id: str
    secret: str
    nonce: str
    verifier: str
    redirect_uri: str
    next_url: str


def _take_login(session: Session, state: str, master: bytes) -> _Pending:
    row = session.scalars(
        select(OidcLoginRow).where(OidcLoginRow.state_hash == _digest(state))
    ).first()
    if row is None:
        raise SsoError(SsoFailure.BAD_STATE)
    session.delete(row)  # a state works once, whatever happens next
    provider = session.get(OidcProviderRow, row.provider_id)
    if _aware(row.expires_at) <= _now() or provider is None or not provider.enabled:
        raise SsoError(SsoFailure.BAD_STATE)
    try:
        secret = client_secret(provider, master)
    except SealError:
        logger.error(
            "single sign-on: the client secret of org %s cannot be opened", provider.org_id
        )
        raise SsoError(SsoFailure.TOKEN_REFUSED) from None
    return _Pending(
        provider.id,
        provider.org_id,
        provider.issuer,
        provider.client_id,
        secret,
        row.nonce,
        row.code_verifier,
        row.redirect_uri,
        row.next_url,
    )


@dataclass(frozen=True)
class SignedIn:
    """A browser signed in through the provider, and where it goes next."""

    opened: users.NewSession
    next_url: str


async def finish_sign_in(
    database: Database,
    state: str,
    code: str,
    error: str,
    config: SsoConfig,
    *,
    user_agent: str | None = None,
    address: str | None = None,
) -> SignedIn:
    """Complete a sign-in the provider sent back: check ``state`` (once), exchange the
    code, verify the ID token, find or make the member, open a web session (method
    ``oidc``, with the browser's ``user_agent`` and ``address`` for its owner's list).

    Raises:
        SsoError: any failure, with a message for the person signing in (refusals of a
            known organisation are recorded in its audit log as ``sso.refuse``).
    """
    with database.transaction() as session:
        pending = _take_login(session, state, config.master)
    try:
        if error or not code:
            raise SsoError(SsoFailure.PROVIDER_ERROR)
        token, claims = await _exchange(pending, code, config)
        vouched, known = _vouched(database, pending, claims)
        # A hash no one knows the password of, for an account made at first sign-in
        # (hashed outside any transaction, like every password).
        password_hash = (
            ""
            if known
            else await asyncio.to_thread(passwords.hash_password, secrets.token_urlsafe(32))
        )
        with database.transaction() as session:
            opened = _open(session, pending, vouched, token, password_hash, (user_agent, address))
    except SsoError as exc:
        with database.transaction() as session:
            org = session.get(OrgRow, pending.org_id)
            if org is not None:
                audit.record(
                    session,
                    org,
                    "sso",
                    "sso.refuse",
                    "sso",
                    pending.provider_id,
                    {"reason": exc.failure.value},
                )
        raise
    return SignedIn(opened, pending.next_url)


async def _exchange(pending: _Pending, code: str, config: SsoConfig) -> tuple[str, dict[str, Any]]:
    http = GuardedHttp(config.timeout, config.policy())
    try:
        found = await discover(http, pending.issuer)
        basic = base64.b64encode(
            f"{_form(pending.client_id)}:{_form(pending.secret)}".encode()
        ).decode("ascii")
        try:
            answer = await request_json(
                http,
                "POST",
                found.token_endpoint,
                {"Authorization": f"Basic {basic}", "Accept": "application/json"},
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": pending.redirect_uri,
                    "code_verifier": pending.verifier,
                },
            )
        except TargetError as exc:
            logger.warning("single sign-on: the token request failed: %s", exc)
            failure = SsoFailure.PROVIDER_UNREACHABLE if exc.retryable else SsoFailure.TOKEN_REFUSED
            raise SsoError(failure) from None
        token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(token, str):
            raise SsoError(SsoFailure.BAD_TOKEN)
        claims = await verify_id_token(
            http,
            found,
            token,
            issuer=pending.issuer,
            client_id=pending.client_id,
            nonce=pending.nonce,
            now=config.clock(),
        )
        access = answer.get("access_token")
        if "email" not in claims and found.userinfo_endpoint and isinstance(access, str):
            claims = await _with_userinfo(http, found.userinfo_endpoint, access, claims)
        return token, claims
    finally:
        await http.aclose()


async def _with_userinfo(
    http: GuardedHttp, url: str, access_token: str, claims: dict[str, Any]
) -> dict[str, Any]:
    """The ID token's claims completed by the UserInfo endpoint (a provider may put the
    e-mail and groups there only); its ``sub`` must be the ID token's."""
    try:
        info = await request_json(
            http,
            "GET",
            url,
            {"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
    except TargetError as exc:
        logger.warning("single sign-on: the userinfo request failed: %s", exc)
        raise SsoError(SsoFailure.PROVIDER_UNREACHABLE) from None
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        raise SsoError(SsoFailure.BAD_TOKEN)
    kept = {k: v for k, v in info.items() if k in ("email", "email_verified", "name")}
    return kept | {k: v for k, v in info.items() if k not in kept and k not in _REGISTERED} | claims


_REGISTERED = {"iss", "aud", "exp", "iat", "nbf", "nonce", "azp", "sub", "auth_time", "at_hash"}


def _form(value: str) -> str:
    """Client credentials are form-encoded before HTTP Basic (RFC 6749 §2.3.1)."""
    return quote_plus(value)


def _vouched(database: Database, pending: _Pending, claims: dict[str, Any]) -> tuple[Vouched, bool]:
    """Who the claims vouch for, and whether an account with that e-mail exists."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 320:
        raise SsoError(SsoFailure.EMAIL_UNVERIFIED)
    if claims.get("email_verified") is False or claims.get("email_verified") == "false":
        raise SsoError(SsoFailure.EMAIL_UNVERIFIED)
    with database.reading() as session:
        provider = session.get(OidcProviderRow, pending.provider_id)
        if provider is None:
            raise SsoError(SsoFailure.BAD_STATE)
        if not domain_allowed(email, list(provider.allowed_domains)):
            raise SsoError(SsoFailure.DOMAIN_NOT_ALLOWED)
        role = mapped_role(
            claims,
            provider.role_claim,
            {k: Role(v) for k, v in provider.role_map.items()},
            Role(provider.default_role),
        )
        known = users.find_user(session, email) is not None
    name = claims.get("name")
    return Vouched(
        str(claims.get("sub", "")),
        email.strip().lower(),
        name.strip()[:200] if isinstance(name, str) else "",
        role,
    ), known


def _open(
    session: Session,
    pending: _Pending,
    vouched: Vouched,
    token: str,
    password_hash: str,
    browser: tuple[str | None, str | None] = (None, None),
) -> users.NewSession:
    org = session.get(OrgRow, pending.org_id)
    provider = session.get(OidcProviderRow, pending.provider_id)
    if org is None or provider is None:
        raise SsoError(SsoFailure.BAD_STATE)
    user = users.find_user(session, vouched.email)
    if user is not None and not user.active:
        raise SsoError(SsoFailure.ACCOUNT_INACTIVE)
    joined = "member"
    if user is None or membership(session, user.id, org.id) is None:
        invitation = _invitation(session, org.id, vouched.email)
        if invitation is None and not provider.jit:
            raise SsoError(SsoFailure.UNKNOWN_USER)
        if user is None:
            user = users.new_account(
                session,
                org,
                users.UserCreate(email=vouched.email, name=vouched.name, password=""),
                password_hash,
                "sso",
                must_change_password=False,
            )
        if invitation is not None:
            add_member(session, org, user, Role(invitation.role), invitation.created_by)
            invitation.status = "accepted"
            invitation.decided_at = _now()
            invitation.decided_by = user.email
            audit.record(
                session,
                org,
                user.email,
                "invitation.accept",
                "invitation",
                invitation.id,
                {"email": invitation.email, "role": invitation.role},
            )
            joined = "invitation"
        else:
            add_member(session, org, user, vouched.role, "sso")
            joined = "jit"
    audit.record(
        session,
        org,
        user.email,
        "sso.sign_in",
        "user",
        user.id,
        {"issuer": provider.issuer, "subject": vouched.subject, "joined": joined},
    )
    # the provider asked for its own factors: the session does not wait for ours
    opened = users.start_session(
        session,
        user,
        org.slug,
        method=SignInMethod.OIDC,
        user_agent=browser[0],
        address=browser[1],
    )
    web = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(opened.token))
    ).one()
    session.add(OidcSessionRow(web_session_id=web.id, provider_id=provider.id, id_token=token))
    # The session acts for this organisation only (services.sso.check_session_org): no
    # chooser of the account's other organisations.
    return replace(opened, org_count=1)


def _invitation(session: Session, org_id: int, email: str) -> InvitationRow | None:
    return session.scalars(
        select(InvitationRow).where(
            InvitationRow.org_id == org_id,
            InvitationRow.email == email,
            InvitationRow.status == "pending",
            InvitationRow.expires_at > _now(),
        )
    ).first()


# ----------------------------------------------------------------------------- sign-out


@dataclass(frozen=True)
class _Ending:
    issuer: str
    client_id: str
    id_token: str


def session_provider(session: Session, cookie: str) -> _Ending | None:
    """The provider a web session was opened through, with its ID token (None when the
    session was opened with a password)."""
    found = session.execute(
        select(OidcProviderRow.issuer, OidcProviderRow.client_id, OidcSessionRow.id_token)
        .join(OidcSessionRow, OidcSessionRow.provider_id == OidcProviderRow.id)
        .join(WebSessionRow, WebSessionRow.id == OidcSessionRow.web_session_id)
        .where(WebSessionRow.token_hash == _digest(cookie))
    ).first()
    return _Ending(found[0], found[1], found[2]) if found is not None else None


async def logout_url(ending: _Ending | None, after: str, config: SsoConfig) -> str | None:
    """Where to send the browser so the provider signs it out too (RP-initiated logout),
    or None when the provider has no ``end_session_endpoint`` or cannot be reached."""
    if ending is None:
        return None
    http = GuardedHttp(config.timeout, config.policy())
    try:
        found = await discover(http, ending.issuer)
    except SsoError:
        return None
    finally:
        await http.aclose()
    if found.end_session_endpoint is None:
        return None
    query = urlencode(
        {
            "id_token_hint": ending.id_token,
            "post_logout_redirect_uri": after,
            "client_id": ending.client_id,
        }
    )
    separator = "&" if "?" in found.end_session_endpoint else "?"
    return f"{found.end_session_endpoint}{separator}{query}"
