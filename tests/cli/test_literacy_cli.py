"""AI literacy from the command line: the modules, assigning one to every member or to the
members named with a due date, and progress; another organisation's member, a reader who
may not assign and a date in the past are refused with their exit codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

PASSWORD = "correct horse battery\n"


@pytest.fixture
def cli(settings: Settings, loaded_db: Database) -> Any:
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0, stdin: str | None = None) -> Any:
        result = CliRunner().invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run.json = lambda *args: json.loads(run(*args, "--json").stdout)  # type: ignore[attr-defined]
    run("orgs", "create", "Chiyoda", "--slug", "chiyoda", "--actor", "local")
    run("orgs", "create", "Other", "--slug", "other", "--actor", "local")
    for email, org in (("viewer@chiyoda.example", "chiyoda"), ("staff@chiyoda.example", "chiyoda"),
                       ("viewer@other.example", "other")):  # fmt: skip
        run("users", "create", email, "--org", org, "--role", "viewer", "--password-stdin",
            stdin=PASSWORD)  # fmt: skip
    return run


def test_modules_assign_and_progress(cli: Any) -> None:
    modules = cli.json("literacy", "modules", "--lang", "en")
    assert len(modules) >= 8 and modules[0]["id"] == "what-ai-is"
    assert "AIとは何か" in cli("literacy", "modules", "--lang", "ja").stdout
    everyone = cli.json("literacy", "assign", "what-ai-is", "--org", "chiyoda", "--all",
                        "--due", "2999-03-31")  # fmt: skip
    assert len(everyone) == 2 and everyone[0]["due_on"] == "2999-03-31"
    one = cli.json("literacy", "assign", "bias", "--org", "chiyoda",
                   "--member", "staff@chiyoda.example")  # fmt: skip
    assert len(one) == 1
    progress = cli.json("literacy", "progress", "--org", "chiyoda")
    assert progress["everyone"] and len(progress["members"]) == 2
    assert sum(m["assigned"] for m in progress["members"]) == 3
    own = cli.json("literacy", "progress", "--org", "chiyoda", "--user", "viewer@chiyoda.example")
    assert not own["everyone"] and [m["assigned"] for m in own["members"]] == [1]
    table = cli("literacy", "progress", "--org", "chiyoda").stdout
    assert "what-ai-is" in table and "2999-03-31" in table
    # refused: another organisation's member, a viewer, a past date, no one named, bad input
    cli("literacy", "assign", "bias", "--org", "chiyoda", "--member", "viewer@other.example",
        code=3)  # fmt: skip
    cli("literacy", "assign", "bias", "--org", "chiyoda", "--all", "--user",
        "viewer@chiyoda.example", code=7)  # fmt: skip
    cli("literacy", "assign", "bias", "--org", "chiyoda", "--all", "--due", "2000-01-01", code=4)
    cli("literacy", "assign", "bias", "--org", "chiyoda", code=4)
    cli("literacy", "assign", "no-such-module", "--org", "chiyoda", "--all", code=3)
    cli("literacy", "assign", "bias", "--org", "chiyoda", "--all", "--due", "31/03", code=2)
