"""Alembic environment: runs on the engine tekisei hands over (batch mode for SQLite)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from tekisei.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through 'tekisei db upgrade', which supplies the engine")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
