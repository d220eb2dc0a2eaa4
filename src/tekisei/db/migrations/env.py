"""Alembic environment: runs on the engine tekisei hands over (batch mode for SQLite), or
inside the transaction of a connection it hands over (a restore loads the schema and the
rows in one).

On SQLite, batch mode changes a table by copying it into a new one and dropping the old;
with foreign keys on, dropping a table deletes the rows that reference it (ON DELETE
CASCADE). So foreign keys are off while migrations run on an engine (SQLite ignores the
pragma inside a transaction, hence on the driver's connection before it begins), every
reference is checked before the transaction commits, and they are on again afterwards.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, text

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


def _run_on(engine: Engine) -> None:
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        sqlite = connection.dialect.name == "sqlite" and driver is not None
        if sqlite and driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                _run(connection)
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left broken references: {broken[:5]}")
        finally:
            if sqlite and driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


given = config.attributes.get("connection")
engine = config.attributes.get("engine")
if isinstance(given, Connection):
    _run(given)
elif isinstance(engine, Engine):
    _run_on(engine)
else:
    raise RuntimeError("run migrations through 'tekisei db upgrade', which supplies the engine")
