"""The schema head tekisei reads without Alembic is Alembic's own."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from tekisei.db.migrate import alembic_config, head_revision


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    engine = create_engine("sqlite://")
    expected = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert expected is not None and head_revision(engine) == expected
