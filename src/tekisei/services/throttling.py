"""Sign-in throttling, shared by every server process through the database.

Two limits, both checked before any password is hashed:

- per (email, client address): a few free failures, then an exponential back-off. An
  attacker's failures from one address never delay the owner signing in from another,
  so nobody can lock an account out.
- per client address across all emails: a cap on failures in a sliding window, which
  stops one address from spraying guesses over many accounts (unknown emails included).

An attempt is recorded as *pending* before its password is checked; it becomes a failure
when the check fails and is removed when it succeeds. Pending attempts count against
neither limit, so many people signing in at once from one office address are never
slowed down; a burst of parallel guesses is cut short because every attempt looks at the
limits again once it has a hashing slot (``passwords.verify_password``) and records its
own failure before giving the slot up, so at most ``PAIR_FREE`` plus one less than the
number of slots guesses from one address are ever checked.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tekisei.core.users import backoff, wait_words
from tekisei.db.orgs import SigninFailureRow
from tekisei.errors import ThrottledError

PAIR_FREE = 3
"""Failures for one email from one address before the back-off starts."""
PAIR_BASE = timedelta(seconds=5)
PAIR_CAP = timedelta(hours=1)
PAIR_WINDOW = timedelta(hours=24)
"""Failures older than this are forgotten."""
CLIENT_CAP = 30
"""Failures from one address, whatever the emails, within ``CLIENT_WINDOW``."""
CLIENT_WINDOW = timedelta(minutes=15)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def email_digest(email: str) -> str:
    """The key of an email in the throttling table (the address itself is not kept)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def client_key(client: str | None) -> str:
    """The key of a client address (as the web layer resolved it)."""
    return (client or "unknown")[:64]


def wait_for(session: Session, email: str, client: str, now: datetime | None = None) -> timedelta:
    """How long this (email, client) must still wait before another attempt (zero when it
    may try now)."""
    now = now or _now()
    digest, client = email_digest(email), client_key(client)
    pair = [
        _aware(at)
        for at in session.scalars(
            select(SigninFailureRow.at)
            .where(
                SigninFailureRow.email_digest == digest,
                SigninFailureRow.client == client,
                SigninFailureRow.pending.is_(False),
                SigninFailureRow.at >= now - PAIR_WINDOW,
            )
            .order_by(SigninFailureRow.at.desc())
            .limit(64)
        )
    ]
    waits = [timedelta(0)]
    if pair:
        waits.append(pair[0] + backoff(len(pair), PAIR_FREE, PAIR_BASE, PAIR_CAP) - now)
    recent = [
        _aware(at)
        for at in session.scalars(
            select(SigninFailureRow.at)
            .where(
                SigninFailureRow.client == client,
                SigninFailureRow.pending.is_(False),
                SigninFailureRow.at >= now - CLIENT_WINDOW,
            )
            .order_by(SigninFailureRow.at.desc())
            .limit(CLIENT_CAP)
        )
    ]
    if len(recent) >= CLIENT_CAP:
        waits.append(recent[-1] + CLIENT_WINDOW - now)
    return max(waits)


def check_limits(session: Session, email: str, client: str, now: datetime | None = None) -> None:
    """Refuse an attempt while either limit is reached.

    Raises:
        ThrottledError: saying how long to wait, in English and Japanese.
    """
    wait = wait_for(session, email, client, now)
    if wait > timedelta(0):
        en, ja = wait_words(wait)
        raise ThrottledError(
            f"too many failed sign-ins from this address; wait {en} and try again",
            ja=f"このアドレスからのサインインの失敗が続いています。{ja}待ってから再度お試しください。",
            retry_after=math.ceil(wait.total_seconds()),
        )


def reserve_attempt(session: Session, email: str, client: str) -> int:
    """Check both limits and record the attempt as pending.

    Returns:
        The id of the record, for ``record_failure`` or ``clear_failures``.

    Raises:
        ThrottledError: saying how long to wait, in English and Japanese.
    """
    now = _now()
    check_limits(session, email, client, now)
    session.execute(delete(SigninFailureRow).where(SigninFailureRow.at < now - PAIR_WINDOW))
    row = SigninFailureRow(
        email_digest=email_digest(email), client=client_key(client), at=now, pending=True
    )
    session.add(row)
    session.flush()
    return row.id


def record_failure(session: Session, reservation: int, email: str, client: str) -> None:
    """The attempt failed: it now counts against both limits, from this moment."""
    row = session.get(SigninFailureRow, reservation)
    if row is None:  # cleared meanwhile by the owner signing in from the same address
        row = SigninFailureRow(email_digest=email_digest(email), client=client_key(client))
        session.add(row)
    row.pending = False
    row.at = _now()


def drop_reservation(session: Session, reservation: int) -> None:
    """Forget an attempt that was refused before its password was checked."""
    session.execute(delete(SigninFailureRow).where(SigninFailureRow.id == reservation))


def clear_failures(session: Session, email: str, client: str) -> None:
    """Forget the failures of this email from this address (it just signed in there);
    failures from other addresses stay, so an attacker elsewhere stays slowed down."""
    session.execute(
        delete(SigninFailureRow).where(
            SigninFailureRow.email_digest == email_digest(email),
            SigninFailureRow.client == client_key(client),
        )
    )
