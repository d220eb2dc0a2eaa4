"""Writers of one process on SQLite queue for the database instead of failing on its lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db import engine as engine_module
from tekisei.services import orgs, users
from tekisei.services.database import Database, WriterBusyError

# SQLite's locking is what these tests are about.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_writer_waits_for_another_writer_of_its_process_longer_than_the_busy_timeout(
    empty_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = empty_db
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    holding, failures = threading.Event(), []

    def slow_writer() -> None:
        try:
            with database.transaction() as session:
                orgs.create_org(
                    session,
                    OrgCreate(name="First", slug="first", actors=[OrgActor.BUSINESS]),
                    "cli",
                )
                holding.set()
                time.sleep(0.6)  # much longer than SQLite's busy timeout above
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert holding.wait(30)
        # A writer that may not wait gives up at once; this one waits its turn.
        with pytest.raises(WriterBusyError), database.transaction(nowait=True):
            pass
        with database.transaction() as session:
            orgs.create_org(
                session, OrgCreate(name="Second", slug="second", actors=[OrgActor.BUSINESS]), "cli"
            )
    finally:
        thread.join(30)
    assert failures == []
    with database.reading() as session:
        assert {orgs.get_org(session, s).name for s in ("first", "second")} == {"First", "Second"}


def test_a_request_by_token_is_answered_while_another_process_holds_the_write_lock(
    empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker (another process) writing results must not fail a reader's request: the
    # token's last-use bookkeeping gives up on the lock, as SQLAlchemy's error.
    database = empty_db
    with database.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="ann@acme.example", password="a long pass phrase 42"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        secret, _ = users.create_token(session, "ann@acme.example", "acme")
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(tmp_path / "tekisei.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        principal = users.authenticate_token(database, secret)
        assert principal.org_slug == "acme" and principal.role is Role.VIEWER
        with pytest.raises(OperationalError, match="locked"), database.transaction(nowait=True):
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    with database.transaction() as session:  # and the pooled connection waits again
        users.create_token(session, "ann@acme.example", "acme", name="second")
