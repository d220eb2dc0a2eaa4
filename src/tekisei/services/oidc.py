"""Single sign-on through an organisation's OpenID provider: the authorization code flow
with PKCE (S256), a single-use ``state`` and a ``nonce`` kept server-side, the ID token
checked (signature by the provider's JWKS, ``iss``, ``aud``, ``exp``/``iat`` within
:data:`~tekisei.core.sso.CLOCK_SKEW_SECONDS`, ``nonce``), then a normal web session.

Every request to the provider (discovery, JWKS, token endpoint) goes through the guarded
HTTP client of :mod:`tekisei.evals`: no redirect followed, private addresses only when the
operator allows them (``TEKISEI_OIDC_ALLOW_PRIVATE_ISSUERS``), 10 MB and 10 seconds at
most. The discovery document and the JWKS are cached for :data:`CACHE_SECONDS`; a token
signed with a key id the cached JWKS lacks fetches the JWKS again, once (key rotation).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Role
from tekisei.core.sso import (
    CLOCK_SKEW_SECONDS,
    LOGIN_MINUTES,
    SsoFailure,
    Vouched,
    domain_allowed,
    mapped_role,
)
from tekisei.db.orgs import InvitationRow, OrgRow, WebSessionRow
from tekisei.db.sso import OidcLoginRow, OidcProviderRow, OidcSessionRow
from tekisei.errors import AuthenticationError
from tekisei.evals import GuardedHttp, NetworkPolicy, TargetError, request_json
from tekisei.provenance import SealError
from tekisei.services import audit, passwords, users
from tekisei.services.database import Database
from tekisei.services.orgs import add_member, membership
from tekisei.services.sso import client_secret, sign_in_provider

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600.0
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]

_MESSAGES: dict[SsoFailure, tuple[str, str]] = {
    SsoFailure.NOT_CONFIGURED: (
        "this organisation has no single sign-on; sign in with your password",
        "この組織ではシングルサインオンが設定されていません。パスワードでサインインしてください。",
    ),
    SsoFailure.PROVIDER_UNREACHABLE: (
        "the identity provider could not be reached; try again in a few minutes or ask "
        "your administrator",
        "IDプロバイダーに接続できませんでした。数分後にもう一度お試しいただくか、"
        "管理者にお問い合わせください。",
    ),
    SsoFailure.PROVIDER_ERROR: (
        "the identity provider did not sign you in (it may have been cancelled); try again",
        "IDプロバイダーでサインインが完了しませんでした（キャンセルされた可能性があります）。"
        "もう一度お試しください。",
    ),
    SsoFailure.BAD_STATE: (
        "this sign-in link is no longer valid (it was used already or is too old); "
        "start again from the sign-in page",
        "このサインインは無効です（すでに使われたか、時間が経ちすぎています）。"
        "サインインページからやり直してください。",
    ),
    SsoFailure.TOKEN_REFUSED: (
        "the identity provider refused to complete the sign-in; ask your administrator to "
        "check the client id and secret",
        "IDプロバイダーがサインインの完了を拒否しました。"
        "管理者にクライアントIDとシークレットの確認を依頼してください。",
    ),
    SsoFailure.BAD_TOKEN: (
        "the identity provider's answer could not be verified; ask your administrator",
        "IDプロバイダーからの応答を検証できませんでした。管理者にお問い合わせください。",
    ),
    SsoFailure.WRONG_AUDIENCE: (
        "the identity provider's answer was meant for another application; ask your "
        "administrator to check the client id",
        "IDプロバイダーからの応答は別のアプリケーション宛てでした。"
        "管理者にクライアントIDの確認を依頼してください。",
    ),
    SsoFailure.WRONG_ISSUER: (
        "the answer came from another identity provider than the one configured; ask your "
        "administrator",
        "設定されたものとは別のIDプロバイダーから応答がありました。管理者にお問い合わせください。",
    ),
    SsoFailure.EXPIRED: (
        "the identity provider's answer has expired (or the clocks differ too much); sign in again",
        "IDプロバイダーからの応答の有効期限が切れています（または時計が大きくずれています）。"
        "もう一度サインインしてください。",
    ),
    SsoFailure.BAD_NONCE: (
        "the identity provider's answer does not belong to this sign-in; start again",
        "IDプロバイダーからの応答がこのサインインのものではありません。最初からやり直してください。",
    ),
    SsoFailure.EMAIL_UNVERIFIED: (
        "your identity provider has not verified your e-mail address; verify it there first",
        "IDプロバイダーでメールアドレスが確認されていません。先にそちらで確認を済ませてください。",
    ),
    SsoFailure.DOMAIN_NOT_ALLOWED: (
        "your e-mail domain is not allowed to sign in to this organisation; ask your administrator",
        "このメールアドレスのドメインは、この組織へのサインインが許可されていません。"
        "管理者にお問い合わせください。",
    ),
    SsoFailure.UNKNOWN_USER: (
        "you are not a member of this organisation yet; ask an administrator for an invitation",
        "まだこの組織のメンバーではありません。管理者に招待を依頼してください。",
    ),
    SsoFailure.ACCOUNT_INACTIVE: (
        "this account is disabled; ask your administrator",
        "このアカウントは無効になっています。管理者にお問い合わせください。",
    ),
}


class SsoError(AuthenticationError):
    """A single sign-on did not succeed; ``failure`` says why (never the provider's text)."""

    def __init__(self, failure: SsoFailure) -> None:
        en, ja = _MESSAGES[failure]
        super().__init__(en, ja=ja)
        self.failure = failure


@dataclass(frozen=True)
class SsoConfig:
    """How the deployment reaches providers.

    Attributes:
        master: the key client secrets are sealed with (:func:`services.sso.sso_key`).
        allow_private: providers on private addresses may be reached.
        clock: seconds since the epoch (the tests move it to check expiry).
    """

    master: bytes
    allow_private: bool = False
    timeout: float = 10.0
    clock: Callable[[], float] = field(default=time.time)

    def policy(self) -> NetworkPolicy:
        """What the guarded client may reach."""
        return NetworkPolicy(allow_private=self.allow_private)


# ------------------------------------------------------------------- discovery and JWKS

_cache: dict[str, tuple[float, Any]] = {}


def forget_cached() -> None:
    """Drop every cached discovery document and JWKS."""
    _cache.clear()


async def _get(http: GuardedHttp, url: str, *, fresh: bool = False) -> Any:
    now = time.monotonic()
    kept = _cache.get(url)
    if kept is not None and not fresh and now - kept[0] < CACHE_SECONDS:
        return kept[1]
    try:
        data = await request_json(http, "GET", url, {"Accept": "application/json"})
    except TargetError as exc:
        logger.warning("single sign-on: %s failed: %s", url, exc)
        raise SsoError(SsoFailure.PROVIDER_UNREACHABLE) from None
    if not isinstance(data, dict):
        raise SsoError(SsoFailure.PROVIDER_UNREACHABLE)
    _cache[url] = (now, data)
    return data


@dataclass(frozen=True)
class Discovery:
    """The parts of a provider's discovery document tekisei uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    userinfo_endpoint: str | None = None


async def discover(http: GuardedHttp, issuer: str) -> Discovery:
    """The provider's discovery document (cached).

    Raises:
        SsoError: unreachable, not a discovery document, or one for another issuer.
    """
    data = await _get(http, issuer.rstrip("/") + "/.well-known/openid-configuration")
    try:
        found = Discovery(
            issuer=str(data["issuer"]),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            jwks_uri=str(data["jwks_uri"]),
            end_session_endpoint=(
                str(data["end_session_endpoint"]) if data.get("end_session_endpoint") else None
            ),
            userinfo_endpoint=(
                str(data["userinfo_endpoint"]) if data.get("userinfo_endpoint") else None
            ),
        )
    except KeyError:
        raise SsoError(SsoFailure.PROVIDER_UNREACHABLE) from None
    if found.issuer.rstrip("/") != issuer.rstrip("/"):
        raise SsoError(SsoFailure.WRONG_ISSUER)
    return found


def _header(token: str) -> dict[str, Any]:
    try:
        part = token.split(".")[0]
        found = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError):
        raise SsoError(SsoFailure.BAD_TOKEN) from None
    if not isinstance(found, dict):
        raise SsoError(SsoFailure.BAD_TOKEN)
    return found


async def signing_keys(http: GuardedHttp, jwks_uri: str, kid: str | None) -> KeySet:
    """The provider's keys, fetched again once when none has the token's ``kid``.

    Raises:
        SsoError: the JWKS cannot be fetched or read.
    """
    for fresh in (False, True):
        data = await _get(http, jwks_uri, fresh=fresh)
        keys = data.get("keys")
        if not isinstance(keys, list):
            raise SsoError(SsoFailure.BAD_TOKEN)
        if kid is None or any(isinstance(k, dict) and k.get("kid") == kid for k in keys):
            break
    try:
        return KeySet.import_key_set({"keys": [k for k in keys if k.get("use", "sig") == "sig"]})
    except (JoseError, ValueError, TypeError):
        raise SsoError(SsoFailure.BAD_TOKEN) from None


async def check_provider(issuer: str, config: SsoConfig) -> Discovery:
    """Fetch the provider's discovery document and keys, as a sign-in would (``tekisei
    sso check``); fresh, not from the cache.

    Raises:
        SsoError: unreachable, or not a usable provider.
    """
    forget_cached()
    http = GuardedHttp(config.timeout, config.policy())
    try:
        found = await discover(http, issuer)
        await signing_keys(http, found.jwks_uri, None)
        return found
    finally:
        await http.aclose()


def check_claims(
    claims: dict[str, Any], issuer: str, client_id: str, nonce: str, now: float
) -> None:
    """Check an ID token's claims (the signature was checked already).

    Raises:
        SsoError: wrong issuer, audience or nonce, expired or issued in the future.
    """
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise SsoError(SsoFailure.WRONG_ISSUER)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise SsoError(SsoFailure.WRONG_AUDIENCE)
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SsoError(SsoFailure.WRONG_AUDIENCE)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise SsoError(SsoFailure.BAD_TOKEN)
    if now > exp + CLOCK_SKEW_SECONDS or iat > now + CLOCK_SKEW_SECONDS:
        raise SsoError(SsoFailure.EXPIRED)
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
        str(claims["nonce"]), nonce
    ):
        raise SsoError(SsoFailure.BAD_NONCE)


async def verify_id_token(
    http: GuardedHttp,
    found: Discovery,
    token: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
) -> dict[str, Any]:
    """The claims of a verified ID token.

    Raises:
        SsoError: bad signature or format, or a claim that does not hold.
    """
    kid = _header(token).get("kid")
    keys = await signing_keys(http, found.jwks_uri, kid if isinstance(kid, str) else None)
    try:
        claims = dict(jwt.decode(token, keys, algorithms=ALGORITHMS).claims)
    except (JoseError, ValueError, TypeError):
        raise SsoError(SsoFailure.BAD_TOKEN) from None
    check_claims(claims, issuer, client_id, nonce, now)
    return claims


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
        provider_id, issuer, client_id = row.id, row.issuer, row.client_id
    http = GuardedHttp(config.timeout, config.policy())
    try:
        found = await discover(http, issuer)
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
    database: Database, state: str, code: str, error: str, config: SsoConfig
) -> SignedIn:
    """Complete a sign-in the provider sent back: check ``state`` (once), exchange the
    code, verify the ID token, find or make the member, open a web session.

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
        password_hash = "" if known else passwords.hash_password(secrets.token_urlsafe(32))
        with database.transaction() as session:
            opened = _open(session, pending, vouched, token, password_hash)
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
    from urllib.parse import quote_plus

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
    session: Session, pending: _Pending, vouched: Vouched, token: str, password_hash: str
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
    opened = users.start_session(session, user, org.slug)
    web = session.scalars(
        select(WebSessionRow).where(WebSessionRow.token_hash == _digest(opened.token))
    ).one()
    session.add(OidcSessionRow(web_session_id=web.id, provider_id=provider.id, id_token=token))
    return opened


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
