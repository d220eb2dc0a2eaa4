"""Oversight from the command line: grant with a shared system, list on both sides, view
one organisation and all of them, refused for an organisation that did not grant and for a
viewer, share, revoke."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.orgs import Role
from tekisei.services import users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"


@pytest.fixture
def cli(settings: Settings, loaded_db: Database) -> Any:
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run.json = lambda *args: json.loads(run(*args, "--json").stdout)  # type: ignore[attr-defined]
    for slug in ("city", "pref", "town"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "local")
    run(
        "systems",
        "create",
        "--org",
        "city",
        "--name",
        "住民問い合わせチャットボット",
        "--role",
        "user",
    )
    run("systems", "create", "--org", "town", "--name", "町の翻訳AI", "--role", "user")
    return run


def test_grant_view_list_share_and_revoke_from_the_command_line(
    cli: Any, loaded_db: Database
) -> None:
    system = str(cli.json("systems", "list", "--org", "city")["items"][0]["id"])
    # typed as people type it: full-width, capitals, spaces around
    made = cli.json("oversight", "grant", " ＰＲＥＦ ", "--org", "city", "--system", system)
    assert made["active"] and [s["name"] for s in made["systems"]] == [
        "住民問い合わせチャットボット"
    ]
    listed = cli.json("oversight", "list", "--org", "pref")
    assert [r["slug"] for r in listed["received"]] == ["city"] and listed["given"] == []
    seen = cli.json("oversight", "view", "city", "--org", "pref")
    assert seen["aggregates"]["systems"] == 1 and seen["systems"][0]["tier"]
    table = cli("oversight", "view", "city", "--org", "pref").stdout
    assert "assessment completeness" in table and "住民問い合わせチャットボット" in table
    every = cli.json("oversight", "view", "--org", "pref")
    assert every["totals"]["systems"] == 1 and "町の翻訳AI" not in json.dumps(every)
    # The town did not grant: not found, exit code of "not found", nothing of it printed.
    refused = cli("oversight", "view", "town", "--org", "pref", code=3)
    assert "町の翻訳AI" not in refused.output
    with loaded_db.transaction() as session:
        users.create_user(
            session, users.UserCreate(email="viewer@city.example", password=PASSWORD), "city",
            Role.VIEWER, "cli", must_change_password=False,
        )  # fmt: skip
    cli("oversight", "revoke", "pref", "--org", "city", "--user", "viewer@city.example", code=7)
    shared = cli.json(
        "oversight", "share", "pref", "--org", "city", "--version", str(made["version"])
    )
    assert shared["systems"] == []
    assert cli.json("oversight", "revoke", "pref", "--org", "city")["active"] is False
    cli("oversight", "view", "city", "--org", "pref", code=3)
    assert cli.json("oversight", "list", "--org", "city")["given"][0]["active"] is False


def test_the_snapshot_command_takes_each_active_grant_once_a_month(
    cli: Any, loaded_db: Database
) -> None:
    from sqlalchemy import func, select

    from tekisei.db.oversight import OversightSnapshotRow

    def count() -> int:
        with loaded_db.reading() as session:
            return session.scalar(select(func.count(OversightSnapshotRow.id))) or 0

    assert cli.json("oversight", "snapshot")["taken"] == []
    cli("oversight", "grant", "pref", "--org", "city")
    cli("oversight", "grant", "pref", "--org", "town")
    cli("oversight", "revoke", "pref", "--org", "town")
    first = cli.json("oversight", "snapshot")
    assert [(t["org"], t["supervisor"]) for t in first["taken"]] == [("city", "pref")]
    assert count() == 1
    again = cli("oversight", "snapshot", "--org", "city").stdout
    assert "1 snapshots" in again and count() == 1
    # The supervisor's trend holds the month taken.
    trend = cli.json("oversight", "view", "--org", "pref")["trend"]
    assert [(p["organisations"], p["data"], p["systems"]) for p in trend] == [(1, True, 1)]
    cli("oversight", "snapshot", "--org", "nowhere", code=3)
    assert cli.json("oversight", "snapshot", "--org", "town")["taken"] == []
