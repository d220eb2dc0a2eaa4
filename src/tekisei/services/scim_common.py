"""What the SCIM User and Group services share: the clock, stored times read as UTC,
the caller's organisation and the weak ETag of a resource's state."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tekisei.db.orgs import OrgRow
from tekisei.services.scim_tokens import ScimCaller


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` as an aware UTC time (SQLite gives naive ones back)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def caller_org(session: Session, caller: ScimCaller) -> OrgRow:
    """The organisation of the SCIM token (it exists while the token authenticates)."""
    org = session.get(OrgRow, caller.org_id)
    assert org is not None
    return org


def weak_etag(state: object) -> str:
    """The weak ETag (``meta.version``) of a resource whose state ``repr`` spells."""
    digest = hashlib.sha256(repr(state).encode()).hexdigest()
    return f'W/"{digest[:20]}"'
