"""Per-client request limits kept in the database, so that several server processes (or
hosts) on one database share them.

Each limit counts requests per client in fixed windows: one ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` statement per request, on SQLite and PostgreSQL alike, so that
concurrent requests are each counted exactly once, committed without waiting for the
disk. A window that has ended is deleted by the first request of a later window that
each process sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tekisei.db.engine import WRITE
from tekisei.db.limits import RateLimitRow
from tekisei.services.database import Database

CLIENT_LENGTH = 200
"""Longer client keys are cut (the column's length)."""


@dataclass(frozen=True)
class Hit:
    """One counted request."""

    hits: int
    """Requests of the client in the current window, this one included."""
    retry_after: int
    """Whole seconds until the window ends (at least 1)."""


class Counter:
    """The fixed-window counters of one limit (``name``), shared through the database."""

    def __init__(self, database: Database, name: str, *, window_s: int = 60) -> None:
        self.database = database
        self.name = name
        self.window_s = window_s
        self._pruned_before: int | None = None
        self._postgresql = database.engine.dialect.name == "postgresql"
        self._insert = postgresql_insert if self._postgresql else sqlite_insert

    def hit(self, client: str, *, now: float) -> Hit:
        """Count one request of ``client`` at ``now`` (seconds since the epoch)."""
        start = int(now // self.window_s) * self.window_s
        row = RateLimitRow
        statement = (
            self._insert(row)
            .values(name=self.name, client=client[:CLIENT_LENGTH], window_start=start, hits=1)
            .on_conflict_do_update(
                index_elements=[row.name, row.client, row.window_start],
                set_={"hits": row.hits + 1},
            )
            .returning(row.hits)
        )
        with (
            self.database.one_writer(),
            self.database.engine.connect() as connection,
            _unsynced(connection),
        ):
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                if self._postgresql:
                    connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                hits = int(connection.execute(statement).scalar_one())
            if self._pruned_before != start:
                self._pruned_before = start
                with connection.begin():
                    connection.execute(
                        delete(row).where(row.name == self.name, row.window_start < start)
                    )
        return Hit(hits=hits, retry_after=max(1, int(start + self.window_s - now)))


@contextmanager
def _unsynced(connection: Connection) -> Iterator[None]:
    """Commits that do not wait for the disk: a counter lost in a power cut costs
    nothing, and waiting for the disk on every public request costs milliseconds. On
    SQLite (WAL) ``synchronous=NORMAL`` for this connection meanwhile, then as it was;
    PostgreSQL uses ``SET LOCAL synchronous_commit`` inside the transaction instead.
    Neither risks the database's integrity."""
    if connection.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: SQLAlchemy would open a transaction first, and SQLite
    # changes this setting only outside one.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA synchronous")
        found = cursor.fetchone()
        previous = int(found[0]) if found else 2
        cursor.execute(f"PRAGMA synchronous={min(previous, 1)}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA synchronous={previous}")
    finally:
        cursor.close()
