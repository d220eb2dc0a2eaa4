"""The database in a backup: a SQLite copy, or a logical dump of every table.

SQLite is copied with its online backup API (a consistent snapshot while tekisei
keeps running). PostgreSQL is dumped table by table through SQLAlchemy reflection
inside one REPEATABLE READ, read-only transaction, so every table comes from the
same snapshot. A dump (or a SQLite copy) restores into an empty database of either
backend: the schema is created by the migrations at the backup's revision, the rows
are inserted in foreign-key order, then the schema is brought up to date.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import make_url

from tekisei.core.backups import DUMP_FORMAT
from tekisei.db.migrate import upgrade_on
from tekisei.errors import IntegrityError

Codec = Literal["plain", "json", "datetime", "date", "bytes", "decimal"]
_BATCH = 1000
_SKIP = {"alembic_version"}


def backend(engine: Engine) -> Literal["sqlite", "postgresql"]:
    """Which of the two supported backends ``engine`` is."""
    return "sqlite" if engine.dialect.name == "sqlite" else "postgresql"


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite engine (None for another backend or an in-memory one)."""
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def is_empty(engine: Engine) -> list[str]:
    """The tables the database already has (empty list: it is empty)."""
    with engine.connect() as connection:
        return sorted(inspect(connection).get_table_names())


def copy_sqlite(engine: Engine, target: Path) -> None:
    """A consistent copy of a SQLite database into ``target`` (online backup API)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()


def _codec(column_type: sqltypes.TypeEngine[Any]) -> Codec:
    if isinstance(column_type, sqltypes.JSON):
        return "json"
    if isinstance(column_type, sqltypes.DateTime):
        return "datetime"
    if isinstance(column_type, sqltypes.Date):
        return "date"
    if isinstance(column_type, sqltypes._Binary):
        return "bytes"
    if isinstance(column_type, sqltypes.Numeric) and not isinstance(column_type, sqltypes.Float):
        return "decimal"
    return "plain"


def _encode(value: Any, codec: Codec) -> Any:
    if value is None or codec in ("plain", "json"):
        return value
    if codec == "datetime":
        assert isinstance(value, datetime)
        return value.isoformat()
    if codec == "date":
        assert isinstance(value, date)
        return value.isoformat()
    if codec == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _decode(value: Any, codec: Codec, column_type: sqltypes.TypeEngine[Any]) -> Any:
    if value is None or codec in ("plain", "json"):
        return value
    if codec == "datetime":
        moment = datetime.fromisoformat(value)
        aware = bool(getattr(column_type, "timezone", False))
        # tekisei keeps UTC; SQLite stores it without an offset, PostgreSQL with one.
        if moment.tzinfo is None and aware:
            return moment.replace(tzinfo=UTC)
        if moment.tzinfo is not None and not aware:
            return moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    if codec == "date":
        return date.fromisoformat(value)
    if codec == "bytes":
        return base64.b64decode(value)
    return Decimal(value)


@dataclass(frozen=True)
class TableRows:
    """One table's rows as they leave the source."""

    name: str
    columns: list[tuple[str, Codec]]
    rows: Iterator[list[Any]]


def read_tables(connection: Connection) -> tuple[str | None, Iterator[TableRows]]:
    """The schema revision and every table (foreign-key order), rows in key order."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    revision = None
    if "alembic_version" in metadata.tables:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def tables() -> Iterator[TableRows]:
        for table in metadata.sorted_tables:
            if table.name in _SKIP:
                continue
            columns = [(c.name, _codec(c.type)) for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
                select(table).order_by(*order)
            )
            rows = (
                [_encode(value, codec) for value, (_, codec) in zip(row, columns, strict=True)]
                for row in result
            )
            yield TableRows(table.name, columns, rows)

    return revision, tables()


def dump_lines(tables: Iterator[TableRows]) -> Iterator[bytes]:
    """The dump as JSON lines: a table line (an object) then its rows (arrays)."""
    for table in tables:
        header = {"table": table.name, "columns": [[n, c] for n, c in table.columns]}
        yield json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"
        for row in table.rows:
            yield json.dumps(row, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"


def dump_header(source: str, revision: str | None) -> bytes:
    """The first line of a dump."""
    line = {"format": DUMP_FORMAT, "database": source, "revision": revision}
    return json.dumps(line).encode("utf-8") + b"\n"


class _Lines:
    """Lines with one line of look-ahead."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = (line for line in lines if line.strip())
        self._head: bytes | None = None

    def peek(self) -> bytes | None:
        if self._head is None:
            self._head = next(self._lines, None)
        return self._head

    def take(self) -> bytes | None:
        line = self.peek()
        self._head = None
        return line


def _out_of_order() -> IntegrityError:
    return IntegrityError(
        "the database dump in the backup is not in a format this tekisei reads",
        ja="バックアップ内のデータベースのダンプは、この tekisei が読めない形式です。",
    )


def parse_dump(lines: Iterator[bytes]) -> tuple[str | None, Iterator[TableRows]]:
    """The revision and the tables of a dump read line by line (each table's rows must
    be read before the next table).

    Raises:
        IntegrityError: the dump is not one tekisei wrote.
    """
    source = _Lines(lines)
    first = json.loads(source.take() or b"{}")
    if not isinstance(first, dict) or first.get("format") != DUMP_FORMAT:
        raise _out_of_order()

    def rows() -> Iterator[list[Any]]:
        while (raw := source.peek()) is not None and not raw.startswith(b"{"):
            source.take()
            yield json.loads(raw)

    def tables() -> Iterator[TableRows]:
        while (line := source.take()) is not None:
            header = json.loads(line)
            if not isinstance(header, dict) or "table" not in header:
                raise _out_of_order()
            columns = [(str(n), c) for n, c in header["columns"]]
            yield TableRows(str(header["table"]), columns, rows())

    revision = first.get("revision")
    return (str(revision) if revision is not None else None), tables()


def split_lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Lines (without their newline) from a stream of byte pieces."""
    rest = b""
    for piece in pieces:
        parts = (rest + piece).split(b"\n")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def load_tables(connection: Connection, tables: Iterator[TableRows]) -> int:
    """Insert every table's rows into the (migrated, empty) database on ``connection``.

    Returns:
        The number of rows inserted.

    Raises:
        IntegrityError: a table or column of the dump is not in the schema.
    """
    metadata = MetaData()
    metadata.reflect(bind=connection)
    count = 0
    for source in tables:
        table = metadata.tables.get(source.name)
        unknown = [n for n, _ in source.columns if table is None or n not in table.columns]
        if table is None or unknown:
            raise IntegrityError(
                f"the backup's table {source.name} does not fit this schema "
                f"({', '.join(unknown) or 'no such table'}); restore with the tekisei "
                "version that made the backup",
                ja=f"バックアップのテーブル {source.name} がこのスキーマに合いません。"
                "バックアップを作った版の tekisei で復元してください。",
            )
        count += _insert(connection, table, source)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, metadata)
    return count


def _insert(connection: Connection, table: Table, source: TableRows) -> int:
    names = [n for n, _ in source.columns]
    codecs = [(c, table.columns[n].type) for n, c in source.columns]
    batch: list[dict[str, Any]] = []
    count = 0
    for row in source.rows:
        values = [_decode(v, c, t) for v, (c, t) in zip(row, codecs, strict=True)]
        batch.append(dict(zip(names, values, strict=True)))
        if len(batch) >= _BATCH:
            connection.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(connection: Connection, metadata: MetaData) -> None:
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sqltypes.Integer):
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": keys[0].name}
        ).scalar()
        if sequence:
            connection.execute(
                text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{keys[0].name}") '
                    f'FROM "{table.name}"), 1), (SELECT COUNT(*) > 0 FROM "{table.name}"))'
                ),
                {"s": sequence},
            )


def upgrade_schema(connection: Connection, revision: str) -> None:
    """Migrate to ``revision`` on ``connection``.

    Raises:
        IntegrityError: the revision is unknown to this version of tekisei (the backup
            was made by a newer one).
    """
    try:
        upgrade_on(connection, revision)
    except CommandError:
        raise IntegrityError(
            f"the backup's database is at schema revision {revision}, which this version of "
            "tekisei does not know; restore it with the version that made it, or a newer one",
            ja=f"バックアップのデータベースはスキーマのリビジョン {revision} で、この版の "
            "tekisei は知りません。作成した版かそれより新しい版で復元してください。",
        ) from None


def restore_rows(connection: Connection, revision: str | None, tables: Iterator[TableRows]) -> int:
    """Create the schema at ``revision`` on ``connection``, load the rows, then upgrade to
    the newest revision; all on the caller's connection (one transaction on
    PostgreSQL)."""
    if revision is not None:
        upgrade_schema(connection, revision)
    count = load_tables(connection, tables)
    upgrade_schema(connection, "head")
    return count
