"""Alembic environment: runs on the engine tekisei hands over (batch mode for SQLite).

On SQLite, batch mode changes a table by copying it into a new one and dropping the old;
with foreign keys on, dropping a table deletes the rows that reference it (ON DELETE
CASCADE). So foreign keys are off while migrations run (SQLite ignores the pragma inside
a transaction, hence on the driver's connection before it begins), every reference is
checked before the transaction commits, and they are on again afterwards.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from tekisei.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through 'tekisei db upgrade', which supplies the engine")

with engine.connect() as connection:
    driver = connection.connection.dbapi_connection
    sqlite = connection.dialect.name == "sqlite" and driver is not None
    if sqlite and driver is not None:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
    finally:
        if sqlite and driver is not None:
            driver.execute("PRAGMA foreign_keys=ON")
