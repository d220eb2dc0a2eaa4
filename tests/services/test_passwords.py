"""The cost of password hashes: production keeps RFC 9106's low-memory profile, the test
suite's cheapest hashes never outlive a sign-in at the production cost."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.orgs import UserRow
from tekisei.errors import AuthenticationError
from tekisei.services import orgs, passwords, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
RFC_9106_LOW_MEMORY = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_a_deployment_that_sets_nothing_hashes_at_rfc_9106s_low_memory_profile() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEKISEI_PASSWORD_HASH_COST"}
    code = (
        "from tekisei.services import passwords;"
        "print(passwords.hash_cost(), passwords.hash_password('correct horse battery'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    cost, made = result.stdout.split()
    assert cost == "rfc9106-low-memory"
    assert made.startswith(RFC_9106_LOW_MEMORY)
    strong = passwords.hasher("rfc9106-low-memory")
    assert (strong.memory_cost, strong.time_cost, strong.hash_len) >= (65536, 3, 32)


def _account(db: Database) -> str:
    with db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="eve@acme.example", password=PASSWORD),
            "acme",
            Role.EDITOR,
            "cli",
        )
    return _stored(db)


def _stored(db: Database) -> str:
    with db.reading() as session:
        return session.scalars(select(UserRow.password_hash)).one()


def test_a_cheap_hash_is_replaced_at_the_production_cost_when_its_owner_signs_in(
    empty_db: Database, request: pytest.FixtureRequest
) -> None:
    cheap = _account(empty_db)  # made at the suite's cost
    assert cheap.startswith("$argon2id$") and not cheap.startswith(RFC_9106_LOW_MEMORY)
    request.getfixturevalue("real_password_hashing")
    users.sign_in(empty_db, "eve@acme.example", PASSWORD)
    assert _stored(empty_db).startswith(RFC_9106_LOW_MEMORY)
    assert users.sign_in(empty_db, "eve@acme.example", PASSWORD).principal.role is Role.EDITOR
    with pytest.raises(AuthenticationError):
        users.sign_in(empty_db, "eve@acme.example", "wrong password!!")
