"""The test databases themselves: every test gets a fresh one, also on PostgreSQL where
schemas are lent from a pool and put back as the template was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.orgs import OrgRow
from tekisei.services import orgs
from tekisei.services.database import Database, open_database
from tests.conftest import DatabaseTemplates, _new_database_url


@pytest.fixture
def templates(tmp_path: Path) -> Iterator[DatabaseTemplates]:
    (tmp_path / "templates").mkdir()
    made = DatabaseTemplates(tmp_path / "templates")
    yield made
    made.close()


def _lend(templates: DatabaseTemplates, folder: Path, *, loaded: bool) -> Iterator[Database]:
    """A database from ``templates``, given back when the iterator is exhausted."""
    folder.mkdir()
    for url in _new_database_url("postgresql", folder, templates):
        templates.fill(url, loaded=loaded)
        database = open_database(load_settings(database_url=url, data_dir=folder / "var"))
        try:
            yield database
        finally:
            database.close()


def _org(database: Database) -> int:
    with database.transaction() as session:
        return orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        ).id


@pytest.mark.parametrize("loaded", [False, True])
def test_a_schema_lent_again_holds_only_the_templates_rows_and_ids_start_over(
    templates: DatabaseTemplates, tmp_path: Path, loaded: bool
) -> None:
    catalog_nodes = []
    for n in range(3):
        for database in _lend(templates, tmp_path / str(n), loaded=loaded):
            with database.reading() as session:
                assert session.scalar(select(func.count()).select_from(OrgRow)) == 0
                catalog_nodes.append(
                    session.scalar(select(func.count()).select_from(CatalogNodeRow))
                )
            assert _org(database) == 1
    assert catalog_nodes[0] == catalog_nodes[-1] and (catalog_nodes[0] > 0) is loaded
    assert templates.idle(loaded=loaded) == 1  # one schema served the three


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE orgs ADD COLUMN extra text",
        "ALTER TABLE orgs ALTER COLUMN name DROP NOT NULL",
        "CREATE INDEX extra ON orgs (name)",
        "DROP TABLE rate_limits",
        "CREATE TABLE extra (id int)",
    ],
)
def test_a_schema_whose_structure_a_test_changed_is_dropped_not_lent_again(
    templates: DatabaseTemplates, tmp_path: Path, change: str
) -> None:
    for database in _lend(templates, tmp_path / "first", loaded=False):
        with database.transaction() as session:
            session.execute(text(change))
    assert templates.idle(loaded=False) == 0
    for database in _lend(templates, tmp_path / "second", loaded=False):
        with database.transaction() as session:
            columns = session.execute(text("SELECT * FROM orgs")).keys()
            assert "extra" not in columns
            session.execute(text("SELECT count(*) FROM rate_limits"))
        assert _org(database) == 1
