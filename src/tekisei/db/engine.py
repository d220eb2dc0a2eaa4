"""Engines and sessions. SQLite runs in WAL mode with foreign keys on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tekisei.errors import InvalidInputError
from tekisei.private import create_private


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and pragmas set. Text
    with a NUL character is refused before any statement runs, on either backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the
            # database file's mode.
            create_private(Path(parsed.database))
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _has_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_has_nul(value) for value in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_has_nul(value) for value in parameters)
    return False


def _refuse_nul(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    # PostgreSQL cannot keep a NUL in text (it fails the statement) and no user means
    # one: refused the same way on both backends, as invalid input.
    if _has_nul(parameters):
        raise InvalidInputError(
            "text cannot contain the NUL character (\\x00); remove it and send it again",
            ja="文字列に NUL 文字（\\x00）は使えません。取り除いてから送り直してください。",
        )


WRITE = "tekisei_write"
"""Execution option marking a connection that will write (SQLite then begins IMMEDIATE)."""
NOWAIT = "tekisei_nowait"
"""Execution option for a write that is given up at once when another writer holds the
lock (bookkeeping such as a token's last use, which must never delay or fail a read)."""
BUSY_TIMEOUT_MS = 5000
"""How long an SQLite writer waits for the write lock before 'database is locked'."""


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    # tekisei emits BEGIN itself (see _sqlite_begin), as SQLAlchemy's SQLite docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
    record.info["busy_timeout"] = BUSY_TIMEOUT_MS


def _sqlite_begin(connection: Any) -> None:
    # A writer takes the write lock when it begins, so two writers queue up (busy_timeout)
    # instead of one failing midway on a snapshot that the other made stale.
    options = connection.get_execution_options()
    mode = "IMMEDIATE" if options.get(WRITE) else "DEFERRED"
    # A pooled connection must not keep a NOWAIT writer's zero, so the timeout is set
    # whenever it differs from what this connection last had (not on every begin: this
    # runs for every session of every request). Through SQLAlchemy, not the driver, so
    # that 'database is locked' arrives as the OperationalError callers expect.
    pooled = connection.connection
    timeout = 0 if options.get(NOWAIT) else BUSY_TIMEOUT_MS
    if pooled.info.get("busy_timeout") != timeout:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={timeout}")
        pooled.info["busy_timeout"] = timeout
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on error."""
    with factory() as session, session.begin():
        yield session
