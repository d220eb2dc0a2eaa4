"""The two organisations most tests start from: ``acme`` and ``other``, each with its
accounts and their API tokens, made through the real services in one transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
"""The password of every account :func:`two_organisations` makes."""
ORGS = ("acme", "other")


def two_organisations(
    db: Database,
    accounts: Iterable[tuple[str, str, Role]],
    *,
    temporary_passwords: Collection[str] = (),
) -> dict[str, str]:
    """Make the organisations ``acme`` and ``other`` (business actors) and ``accounts``
    as (email, organisation slug, role), each with the password :data:`PASSWORD`.

    Args:
        temporary_passwords: the emails whose password someone else chose (they must
            choose their own at first sign-in).

    Returns:
        An API token of each account, by email.
    """
    tokens: dict[str, str] = {}
    with db.transaction() as session:
        for slug in ORGS:
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in accounts:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=email in temporary_passwords,
            )
            tokens[email] = users.create_token(session, email, org)[0]
    return tokens
