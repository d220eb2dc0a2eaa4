"""An organisation's single sign-on settings: its OpenID provider, kept by administrators,
the client secret sealed with the deployment secret, and what password sign-in may do."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.core.sso import SsoSettings, email_domain
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import MembershipRow, OrgRow, WebSessionRow
from tekisei.db.sso import OidcProviderRow, OidcSessionRow
from tekisei.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tekisei.provenance import seal, unseal
from tekisei.services import audit
from tekisei.services.derived_keys import derived_key

_INFO = b"tekisei sso client secret v1"
_FIELDS = (
    "name",
    "issuer",
    "client_id",
    "allowed_domains",
    "role_claim",
    "role_map",
    "default_role",
    "jit",
    "passwords_disabled",
    "enabled",
)


class SsoPublic(BaseModel):
    """The organisation's provider as administrators see it (never the client secret)."""

    name: str
    issuer: str
    client_id: str
    client_secret_set: bool
    allowed_domains: list[str]
    role_claim: str
    role_map: dict[str, Role]
    default_role: Role
    jit: bool
    passwords_disabled: bool
    enabled: bool
    redirect_path: str = "/signin/sso/callback"
    updated_at: datetime


def sso_key(settings: Settings) -> bytes:
    """The key that seals client secrets: HKDF-SHA256 of the deployment secret."""
    return derived_key(settings, _INFO)


def _binding(org_id: int) -> str:
    return f"oidc-client-secret-{org_id}"


def client_secret(row: OidcProviderRow, master: bytes) -> str:
    """The provider's client secret in clear (for the token request only).

    Raises:
        SealError: the deployment secret is not the one it was sealed with.
    """
    return unseal(row.client_secret_sealed, master, _binding(row.org_id)).decode("utf-8")


def _now() -> datetime:
    return datetime.now(UTC)


def public(row: OidcProviderRow) -> SsoPublic:
    """What administrators see of a provider."""
    return SsoPublic(
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret_set=bool(row.client_secret_sealed),
        allowed_domains=list(row.allowed_domains),
        role_claim=row.role_claim,
        role_map={k: Role(v) for k, v in row.role_map.items()},
        default_role=Role(row.default_role),
        jit=row.jit,
        passwords_disabled=row.passwords_disabled,
        enabled=row.enabled,
        updated_at=row.updated_at,
    )


def _row(session: Session, org_id: int) -> OidcProviderRow | None:
    return session.scalars(select(OidcProviderRow).where(OidcProviderRow.org_id == org_id)).first()


def get_sso(session: Session, principal: Principal) -> SsoPublic | None:
    """The organisation's provider, if one is set (administrators only).

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
    """
    require(principal, Permission.MANAGE_ORG)
    row = _row(session, principal.org_id)
    return public(row) if row is not None else None


def _stored(data: SsoSettings) -> dict[str, object]:
    values = data.model_dump(mode="json")
    return {name: values[name] for name in _FIELDS}


def configure_sso(
    session: Session, principal: Principal, data: SsoSettings, master: bytes
) -> SsoPublic:
    """Set the organisation's provider, or change it; an empty client secret keeps the
    kept one. The audit event names the fields that changed (never the secret itself:
    only that it changed).

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
        InvalidInputError: a new provider without a client secret; passwords disabled
            while the provider is switched off (nobody could sign in).
    """
    require(principal, Permission.MANAGE_ORG)
    if data.passwords_disabled and not data.enabled:
        raise InvalidInputError(
            "local passwords can only be disabled while single sign-on is enabled",
            ja="ローカルのパスワードを無効にできるのは、シングルサインオンを有効にしている間だけです。",
            field="passwords_disabled",
        )
    _check_domains_free(session, principal.org_id, data.allowed_domains)
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    row = _row(session, org.id)
    if (
        data.passwords_disabled
        and principal.via != "cli"
        and not (row is not None and row.passwords_disabled and row.issuer == data.issuer)
        and not _signed_in_through(session, org.id, data.issuer)
    ):
        raise InvalidInputError(
            "sign in once through this provider before disabling local passwords, so that "
            "a provider that does not work locks nobody out (the operator can always allow "
            "passwords again: tekisei sso set --org SLUG --passwords-allowed)",
            ja="ローカルのパスワードを無効にする前に、このIDプロバイダーで一度サインインして"
            "ください。動かないプロバイダーで全員が締め出されるのを防ぐためです（運用者は"
            "「tekisei sso set --org 組織 --passwords-allowed」でいつでも戻せます）。",
            field="passwords_disabled",
        )
    values = _stored(data)
    now = _now()
    if row is None:
        if not data.client_secret:
            raise InvalidInputError(
                "give the client secret the provider issued for tekisei",
                ja="IDプロバイダーが tekisei 用に発行した"
                "クライアントシークレットを入力してください。",
                field="client_secret",
            )
        row = OidcProviderRow(org_id=org.id, created_at=now, client_secret_sealed="", **values)
        session.add(row)
        changed = sorted(values)
        action = "sso.configure"
    else:
        changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
        for name, value in values.items():
            setattr(row, name, value)
        action = "sso.update"
    if data.client_secret:
        row.client_secret_sealed = seal(
            data.client_secret.encode("utf-8"), master, _binding(org.id)
        )
        changed.append("client_secret")
    row.updated_at = now
    session.flush()
    summary: dict[str, object] = {"changed": changed, "issuer": row.issuer}
    summary |= {k: values[k] for k in changed if k in values and k != "issuer"}
    audit.record(session, org, principal.email, action, "sso", row.id, summary)
    return public(row)


def _signed_in_through(session: Session, org_id: int, issuer: str) -> bool:
    """Whether someone of the organisation has signed in through a provider with this
    issuer (its recent ``sso.sign_in`` events say so)."""
    recent = session.scalars(
        select(AuditEventRow.summary)
        .where(AuditEventRow.org_id == org_id, AuditEventRow.action == "sso.sign_in")
        .order_by(AuditEventRow.seq.desc())
        .limit(200)
    )
    return any(summary.get("issuer") == issuer for summary in recent)


def _check_domains_free(session: Session, org_id: int, domains: list[str]) -> None:
    """Refuse e-mail domains another organisation's provider already vouches for: a
    domain sends its people to one organisation's provider only (else one organisation
    could send another's staff, from tekisei's own sign-in page, to a provider of its
    choosing). The other organisation is not named.

    Raises:
        ConflictError: a domain is taken.
    """
    claimed = {
        domain
        for other in session.scalars(
            select(OidcProviderRow).where(OidcProviderRow.org_id != org_id)
        )
        for domain in other.allowed_domains
    }
    taken = sorted(set(domains) & claimed)
    if taken:
        names = ", ".join(taken)
        raise ConflictError(
            f"another organisation's single sign-on already vouches for {names}: a domain "
            "can belong to one organisation only; if it is yours, ask the operator",
            ja=f"{names} は別の組織のシングルサインオンがすでに使っています。ドメインは"
            "一つの組織にしか設定できません。貴組織のドメインであれば運用者に相談してください。",
        )


def remove_sso(session: Session, principal: Principal) -> None:
    """Remove the organisation's provider; members sign in with passwords again (an
    account made at first sign-in has none until the owner resets it).

    Raises:
        PermissionDeniedError: the role may not manage the organisation.
        NotFoundError: no provider is set.
    """
    require(principal, Permission.MANAGE_ORG)
    row = _row(session, principal.org_id)
    if row is None:
        raise NotFoundError(
            "this organisation has no single sign-on provider",
            ja="この組織にはシングルサインオンのIDプロバイダーが設定されていません。",
        )
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(session, org, principal.email, "sso.remove", "sso", row.id, {"issuer": row.issuer})
    session.delete(row)


def sign_in_provider(session: Session, org_slug: str) -> OidcProviderRow | None:
    """The enabled provider of the organisation named ``org_slug``, if any."""
    return session.scalars(
        select(OidcProviderRow)
        .join(OrgRow, OrgRow.id == OidcProviderRow.org_id)
        .where(OrgRow.slug == org_slug, OidcProviderRow.enabled.is_(True))
    ).first()


def provider_for_email(session: Session, email: str) -> tuple[str, str] | None:
    """The organisation (slug, provider name) whose enabled provider vouches for
    ``email``'s domain; None when none does, or several do (then the person names their
    organisation)."""
    domain = email_domain(email)
    found = [
        (slug, row.name)
        for row, slug in session.execute(
            select(OidcProviderRow, OrgRow.slug)
            .join(OrgRow, OrgRow.id == OidcProviderRow.org_id)
            .where(OidcProviderRow.enabled.is_(True))
        )
        if domain in row.allowed_domains
    ]
    return found[0] if len(found) == 1 else None


def provider_name(session: Session, org_slug: str) -> str | None:
    """The name of the organisation's enabled provider, if any (the sign-in button)."""
    row = sign_in_provider(session, org_slug)
    return row.name if row is not None else None


def sso_only_error(name: str = "") -> PermissionDeniedError:
    """Password sign-in refused: the organisation signs in through its provider."""
    via = f" ({name})" if name else ""
    return PermissionDeniedError(
        f"this organisation signs in through single sign-on{via}, not with a password: "
        "choose single sign-on on the sign-in page (an operator can still reach the "
        "organisation from the command line)",
        ja=f"この組織はパスワードではなくシングルサインオン{via}でサインインします。"
        "サインインページで「シングルサインオン」を選んでください。",
    )


def _sso_only(session: Session) -> dict[int, str]:
    rows = session.execute(
        select(OidcProviderRow.org_id, OidcProviderRow.name).where(
            OidcProviderRow.passwords_disabled.is_(True), OidcProviderRow.enabled.is_(True)
        )
    )
    return {int(org_id): str(name) for org_id, name in rows}


def password_org(session: Session, user_id: int, org_slug: str | None) -> str | None:
    """The organisation a password sign-in may open (``org_slug`` or the first one that
    still takes passwords); None when the account belongs to none.

    Raises:
        PermissionDeniedError: that organisation, or every one of the account's, signs in
            only through its provider.
    """
    found = session.execute(
        select(OrgRow.id, OrgRow.slug)
        .join(MembershipRow, MembershipRow.org_id == OrgRow.id)
        .where(MembershipRow.user_id == user_id)
        .order_by(OrgRow.slug)
    ).all()
    closed = _sso_only(session)
    wanted = [(i, s) for i, s in found if org_slug is None or s == org_slug]
    if not wanted:
        return org_slug
    open_ones = [s for i, s in wanted if i not in closed]
    if not open_ones:
        raise sso_only_error(closed[wanted[0][0]])
    return open_ones[0]


def check_session_org(session: Session, token_hash: str, org_id: int) -> None:
    """Refuse moving a web session into another organisation when it was opened through a
    provider (the provider vouches for the person to its own organisation only: another
    organisation's administrator chose neither it nor its domains), and moving a password
    session into an organisation that signs in only through its provider.

    Raises:
        PermissionDeniedError: the session may not act for that organisation.
    """
    through = session.execute(
        select(OidcProviderRow.org_id, OidcProviderRow.name)
        .join(OidcSessionRow, OidcSessionRow.provider_id == OidcProviderRow.id)
        .join(WebSessionRow, WebSessionRow.id == OidcSessionRow.web_session_id)
        .where(WebSessionRow.token_hash == token_hash)
    ).first()
    if through is not None:
        if through[0] != org_id:
            raise PermissionDeniedError(
                f"this session was opened through the single sign-on of another organisation "
                f"({through[1]}); sign out and sign in again to act for this one",
                ja=f"このセッションは別の組織のシングルサインオン（{through[1]}）で開始されています。"
                "この組織で作業するには、いったんサインアウトしてサインインし直してください。",
            )
        return
    closed = _sso_only(session)
    if org_id in closed:
        raise sso_only_error(closed[org_id])
