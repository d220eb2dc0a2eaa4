"""Running Alembic migrations from code (``tekisei db upgrade``) and checking drift."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that run or compare migrations, not here: reading
# which revision a database is at must not cost a command Alembic's start-up.

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine``'s connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def upgrade_on(connection: Connection, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` inside the caller's transaction on
    ``connection`` (a restore creates the schema and loads the rows in one)."""
    from alembic import command

    config = alembic_config(connection.engine)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database (what Alembic
    keeps in its ``alembic_version`` table)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(versions[0][0]) if len(versions) == 1 else None


_REVISION = re.compile(r'^revision\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision\s*=\s*(?:"([^"]+)"|None)', re.MULTILINE)


@cache
def _head() -> str | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
            down = _DOWN.search(source)
            if down and down.group(1):
                parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision(engine: Engine) -> str | None:
    """The newest revision shipped with this version of tekisei: the one no other
    migration names as its parent (a test checks it against Alembic's own answer)."""
    return _head()


def schema_drift(engine: Engine) -> list[Any]:
    """Differences between the migrated database and the models (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tekisei.db.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, Base.metadata))
