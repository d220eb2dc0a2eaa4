"""SCIM tokens: the bearer tokens an identity provider uses on ``/scim/v2`` for one
organisation. Issued and revoked by its admins; only their SHA-256 is stored. They are
not API tokens: they act for no member and open nothing but the SCIM endpoints."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.scim import ScimTokenRow
from tekisei.errors import AuthenticationError, InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.database import Database, WriterBusyError

logger = logging.getLogger(__name__)

SCIM_TOKEN_PREFIX = "tkscim_"
MAX_NAME = 100
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ScimTokenView:
    """A SCIM token as its organisation's admins see it (never the secret)."""

    id: int
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class ScimCaller:
    """An identity provider acting through a SCIM token."""

    org_id: int
    org_slug: str
    token_id: int
    token_name: str

    @property
    def actor(self) -> str:
        """Who the audit log names: ``scim:<token name>``."""
        return f"scim:{self.token_name}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _view(row: ScimTokenRow) -> ScimTokenView:
    return ScimTokenView(
        row.id,
        row.name,
        row.prefix,
        row.created_by,
        _aware(row.created_at),
        _aware(row.revoked_at) if row.revoked_at else None,
        _aware(row.last_used_at) if row.last_used_at else None,
    )


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def create_scim_token(
    session: Session, principal: Principal, name: str
) -> tuple[str, ScimTokenView]:
    """Issue a SCIM token for the principal's organisation (admins).

    Returns:
        The secret (shown once, stored only as a hash) and the token.

    Raises:
        PermissionDeniedError: not an admin.
        InvalidInputError: no name, or a name over ``MAX_NAME`` characters.
    """
    require(principal, Permission.MANAGE_ORG)
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInputError(
            f"give the token a name of 1 to {MAX_NAME} characters (e.g. entra-id)",
            ja=f"トークンには1〜{MAX_NAME}文字の名前を付けてください（例: entra-id）。",
            field="name",
        )
    secret = SCIM_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ScimTokenRow(
        org_id=principal.org_id,
        name=name,
        prefix=secret[:14],
        token_hash=_digest(secret),
        created_by=principal.email,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal.org_id),
        principal.email,
        "scim_token.create",
        "scim_token",
        row.id,
        {"name": name, "prefix": row.prefix},
    )
    return secret, _view(row)


def list_scim_tokens(session: Session, principal: Principal) -> list[ScimTokenView]:
    """The organisation's SCIM tokens, newest first (admins).

    Raises:
        PermissionDeniedError: not an admin.
    """
    require(principal, Permission.MANAGE_ORG)
    rows = session.scalars(
        select(ScimTokenRow)
        .where(ScimTokenRow.org_id == principal.org_id)
        .order_by(ScimTokenRow.id.desc())
    )
    return [_view(row) for row in rows]


def revoke_scim_token(session: Session, principal: Principal, token_id: int) -> ScimTokenView:
    """Revoke a SCIM token at once (admins); revoking it again changes nothing.

    Raises:
        NotFoundError: no such token in this organisation.
        PermissionDeniedError: not an admin.
    """
    row = session.get(ScimTokenRow, token_id)
    if row is None or row.org_id != principal.org_id:
        raise NotFoundError(
            f"no SCIM token {token_id} in this organisation",
            ja=f"この組織に SCIM トークン {token_id} はありません。",
        )
    require(principal, Permission.MANAGE_ORG)
    if row.revoked_at is None:
        row.revoked_at = _now()
        audit.record(
            session,
            _org(session, row.org_id),
            principal.email,
            "scim_token.revoke",
            "scim_token",
            row.id,
            {"name": row.name, "prefix": row.prefix},
        )
    return _view(row)


def _invalid() -> AuthenticationError:
    return AuthenticationError(
        "the SCIM token is not valid; an admin can issue one on the SCIM page",
        ja="SCIM トークンが無効です。管理者が SCIM の画面で発行できます。",
    )


def authenticate_scim(database: Database, secret: str) -> ScimCaller:
    """The identity provider of a SCIM token, noting its use at most once a minute
    (never at the cost of the request).

    Raises:
        AuthenticationError: unknown or revoked token (an API token is unknown here).
    """
    with database.reading() as session:
        found = session.execute(
            select(ScimTokenRow, OrgRow.slug)
            .join(OrgRow, OrgRow.id == ScimTokenRow.org_id)
            .where(ScimTokenRow.token_hash == _digest(secret))
        ).first()
        if found is None:
            raise _invalid()
        row, slug = found
        if row.revoked_at is not None:
            raise AuthenticationError(
                "the SCIM token was revoked", ja="SCIM トークンは失効しています。"
            )
        caller = ScimCaller(row.org_id, slug, row.id, row.name)
        last = row.last_used_at
    now = _now()
    if last is not None and now - _aware(last) < TOUCH_EVERY:
        return caller
    try:
        with database.transaction(nowait=True) as session:
            session.execute(
                update(ScimTokenRow)
                .where(
                    ScimTokenRow.id == caller.token_id,
                    or_(
                        ScimTokenRow.last_used_at.is_(None),
                        ScimTokenRow.last_used_at < now - TOUCH_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
    except (OperationalError, WriterBusyError) as exc:
        logger.debug("SCIM token %s: last use not recorded (%s)", caller.token_id, exc)
    return caller
