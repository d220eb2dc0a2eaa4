"""What tekisei reads from an OpenID provider: its discovery document and signing keys
(cached for :data:`CACHE_SECONDS`; a token signed with a key id the cached JWKS lacks
fetches the JWKS again, once: key rotation) and the checks of an ID token (signature,
``iss``, ``aud``, ``exp``/``iat`` within :data:`~tekisei.core.sso.CLOCK_SKEW_SECONDS`,
``nonce``), with the messages a person signing in reads when something fails.

Every request goes through the guarded HTTP client of :mod:`tekisei.evals`: no redirect
followed, private addresses only when the operator allows them
(``TEKISEI_OIDC_ALLOW_PRIVATE_ISSUERS``), 10 MB and 10 seconds at most.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tekisei.core.sso import CLOCK_SKEW_SECONDS, SsoFailure
from tekisei.errors import AuthenticationError
from tekisei.evals import GuardedHttp, NetworkPolicy, TargetError, request_json

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
