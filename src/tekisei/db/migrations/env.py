"""Alembic environment: runs on the engine tekisei hands over (batch mode for SQLite),
or inside the transaction of a connection it hands over (a restore)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from tekisei.db.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
engine = config.attributes.get("engine")
if isinstance(given, Connection):
    _run(given)
elif isinstance(engine, Engine):
    with engine.begin() as connection:
        _run(connection)
else:
    raise RuntimeError("run migrations through 'tekisei db upgrade', which supplies the engine")
