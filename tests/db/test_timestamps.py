"""Timestamps are kept in UTC and read back with their zone, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, select
from sqlalchemy.exc import StatementError

from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.db.base import UtcDateTime
from tekisei.db.models import Base
from tekisei.db.orgs import OrgRow
from tekisei.services import orgs
from tekisei.services.database import Database


def test_every_timestamp_column_keeps_its_time_zone() -> None:
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    assert plain == [], "use UtcDateTime() for timestamp columns, so reads carry the zone"
    zoned = [
        column
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, UtcDateTime)
    ]
    assert len(zoned) >= 20


def test_a_timestamp_reads_back_in_utc_whatever_zone_it_was_written_in(
    empty_db: Database,
) -> None:
    tokyo = timezone(timedelta(hours=9))
    written = datetime(2026, 4, 1, 9, 30, tzinfo=tokyo)
    with empty_db.transaction() as session:
        row = orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        row.created_at = written
    with empty_db.reading() as session:
        read = session.scalars(select(OrgRow.created_at)).one()
    assert read == written and read.tzinfo is not None and read.utcoffset() == timedelta(0)
    assert read == datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


def test_a_naive_timestamp_is_refused(empty_db: Database) -> None:
    with empty_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
    with empty_db.transaction() as session:
        row = session.scalars(select(OrgRow)).one()
        row.created_at = datetime(2026, 4, 1, 9, 30)
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
        session.rollback()
