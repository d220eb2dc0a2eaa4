"""The provenance commands, run in-process against the test's database."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.services import orgs
from tekisei.services import provenance as service
from tekisei.services.database import Database


@pytest.fixture
def cli(settings: Settings, loaded_db: Database) -> Any:
    """``cli(*args, code=0, stdin=None)`` runs a command; the organisation acme exists."""
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
    }

    def run(*args: str, code: int = 0, stdin: str | None = None) -> Any:
        result = CliRunner().invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    return run


@pytest.fixture
def acme(loaded_db: Database, settings: Settings) -> tuple[Principal, bytes]:
    """The organisation acme (its command-line principal) and the deployment's sealing key."""
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        return orgs.cli_principal(session, "acme"), service.master_key(settings)
