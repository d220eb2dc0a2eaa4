"""The public register from the command line: list a system with its division, publish,
read it as the public does, take it down; another organisation's system and a reader who
may not publish are refused with their exit codes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.web.app import create_app

PASSWORD = "correct horse battery\n"
pytestmark = pytest.mark.anyio


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
    run("users", "create", "viewer@chiyoda.example", "--org", "chiyoda", "--role", "viewer",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def _system(cli: Any, org: str, name: str) -> str:
    created = cli.json(
        "systems", "create", "--org", org, "--name", name, "--role", "user",
        "--purpose", "住民からの問い合わせに答える。",
    )  # fmt: skip
    return str(created["id"])


async def test_list_publish_read_and_take_down_the_register(cli: Any, settings: Settings) -> None:
    chatbot = _system(cli, "chiyoda", '=HYPERLINK("x") 窓口AI')
    theirs = _system(cli, "other", "他の組織のAI")
    assert cli.json("register", "show", "--org", "chiyoda")["published"] is False
    listed = cli.json("register", "add", "--org", "chiyoda", chatbot, "--division", "市民課")
    assert [s["system_id"] for s in listed["systems"] if s["listed"]] == [int(chatbot)]
    cli("register", "add", "--org", "chiyoda", theirs, code=3)
    cli("register", "publish", "--org", "chiyoda", "--user", "viewer@chiyoda.example", code=7)
    assert cli.json("register", "publish", "--org", "chiyoda")["published"] is True
    app_ = create_app(settings)
    transport = httpx.ASGITransport(app=app_)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as public:
            shown = await public.get("/api/public/orgs/chiyoda/register")
            assert shown.status_code == 200, shown.text
            [entry] = shown.json()["systems"]
            assert entry["division"] == "市民課" and "他の組織のAI" not in shown.text
            sheet = await public.get("/api/public/orgs/chiyoda/register.csv")
            assert "'=HYPERLINK" in sheet.text  # a name is data, never a formula
            cli("register", "unpublish", "--org", "chiyoda")
            gone = await public.get("/api/public/orgs/chiyoda/register")
            assert gone.status_code == 404
    finally:
        app_.state.database.close()
    table = cli("register", "list-systems", "--org", "chiyoda", "--lang", "ja").stdout
    assert "掲載" in table
