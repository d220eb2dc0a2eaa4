"""The stakeholder register from the command line: add, list with filters, update with
versions, engage, log and archive, in JSON and as tables, with errors and their exit codes
(not found, invalid, denied, conflict)."""

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
    for slug in ("acme", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "business")
    run("users", "create", "viewer@acme.example", "--org", "acme", "--role", "viewer",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def _system(cli: Any, org: str = "acme") -> str:
    created = cli.json(
        "systems", "create", "--org", org, "--name", "問い合わせ応答AI", "--role", "provider",
        "--purpose", "製品についての質問に答える。",
    )  # fmt: skip
    return str(created["id"])


def test_the_register_and_the_log_from_the_command_line(cli: Any) -> None:
    system = _system(cli)
    added = cli.json(
        "stakeholders", "add", "--org", "acme", "--name", "問い合わせる顧客", "--kind", "users",
        "--interests", "正確な回答", "--contact", "cs@acme.example", "--system", system,
    )  # fmt: skip
    sid = str(added["id"])
    assert added["systems"] == [int(system)] and added["version"] == 1
    cli("stakeholders", "add", "--org", "acme", "--name", "=1+2", "--kind", "regulators")
    listed = cli.json("stakeholders", "list", "--org", "acme", "--kind", "users")
    assert [s["name"] for s in listed] == ["問い合わせる顧客"]
    for_system = cli.json("stakeholders", "list", "--org", "acme", "--system", system)
    assert sorted(s["name"] for s in for_system) == ["=1+2", "問い合わせる顧客"]
    table = cli("stakeholders", "list", "--org", "acme").stdout
    assert "問い合わせる顧客" in table and "all" in table
    viewer = cli.json("stakeholders", "list", "--org", "acme", "--user", "viewer@acme.example")
    assert {s["contact"] for s in viewer} == {None}
    saved = cli.json(
        "stakeholders", "update", sid, "--org", "acme", "--version", "1", "--relation",
        "indirect", "--every-system",
    )  # fmt: skip
    assert saved["version"] == 2 and saved["systems"] == [] and saved["relation"] == "indirect"
    stale = cli("stakeholders", "update", sid, "--org", "acme", "--version", "1", "--name", "x",
                code=8)  # fmt: skip
    assert "changed since version 1" in stale.stderr
    logged = cli.json(
        "stakeholders", "engage", sid, "--org", "acme", "--summary", "問い合わせの傾向を聞いた",
        "--kind", "feedback", "--date", "2026-10-01", "--outcome", "FAQを更新した",
    )  # fmt: skip
    assert logged["happened_on"] == "2026-10-01" and logged["kind"] == "feedback"
    log = cli.json("stakeholders", "log", sid, "--org", "acme")
    assert [e["outcome"] for e in log] == ["FAQを更新した"]
    assert "FAQを更新した" in cli("stakeholders", "log", sid, "--org", "acme").stdout
    archived = cli.json("stakeholders", "archive", sid, "--org", "acme", "--version", "2")
    assert archived["archived_at"]
    assert [s["name"] for s in cli.json("stakeholders", "list", "--org", "acme")] == ["=1+2"]
    cli("stakeholders", "engage", sid, "--org", "acme", "--summary", "x", code=8)


def test_errors_have_their_exit_codes(cli: Any) -> None:
    system = _system(cli)
    sid = str(cli.json("stakeholders", "add", "--org", "acme", "--name", "住民")["id"])
    # another organisation's stakeholder and system are unknown to it
    cli("stakeholders", "log", sid, "--org", "other", code=3)
    cli("stakeholders", "add", "--org", "other", "--name", "x", "--system", system, code=3)
    cli("stakeholders", "add", "--org", "acme", "--name", "x" * 201, code=4)
    cli("stakeholders", "engage", sid, "--org", "acme", "--summary", "x", "--date", "2999-01-01",
        code=4)  # fmt: skip
    cli("stakeholders", "engage", sid, "--org", "acme", "--summary", "x", "--date", "昨日",
        code=4)  # fmt: skip
    cli("stakeholders", "add", "--org", "acme", "--name", "x", "--user", "viewer@acme.example",
        code=7)  # fmt: skip
    assert cli.json("stakeholders", "log", sid, "--org", "acme") == []
