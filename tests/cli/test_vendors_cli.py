"""The vendor register from the command line: add (with the APPI rule), list with filters,
update with versions, record a change (reviews open), show with the history and archive, in
JSON and as tables, with errors and their exit codes (not found, invalid, denied, conflict)."""

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


def test_the_register_from_the_command_line(cli: Any) -> None:
    system = _system(cli)
    cli("vendors", "add", "--org", "acme", "--name", "Example LLM", "--abroad", code=4)
    added = cli.json(
        "vendors", "add", "--org", "acme", "--name", "Example LLM", "--kind", "ai_api",
        "--region", "米国", "--abroad", "--basis", "本人の同意", "--covers-ai-use",
        "--data", "personal", "--data", "confidential", "--contract-start", "2026-01-01",
        "--next-review", "2027-01-01", "--contact", "sales@llm.example", "--system", system,
    )  # fmt: skip
    vid = str(added["id"])
    assert added["systems"] == [int(system)] and added["version"] == 1
    assert added["data_categories"] == ["personal", "confidential"] and added["covers_ai_use"]
    cli("vendors", "add", "--org", "acme", "--name", "=1+2", "--kind", "cloud")
    listed = cli.json("vendors", "list", "--org", "acme", "--abroad")
    assert [v["name"] for v in listed] == ["Example LLM"]
    for_system = cli.json("vendors", "list", "--org", "acme", "--system", system)
    assert [v["name"] for v in for_system] == ["Example LLM"]
    table = cli("vendors", "list", "--org", "acme").stdout
    assert "Example LLM" in table and "=1+2" in table
    viewer = cli.json("vendors", "list", "--org", "acme", "--user", "viewer@acme.example")
    assert {v["contact"] for v in viewer} == {None}
    saved = cli.json(
        "vendors", "update", vid, "--org", "acme", "--version", "1", "--review-result", "問題なし",
        "--last-review", "2026-06-01",
    )  # fmt: skip
    assert saved["version"] == 2 and saved["review_result"] == "問題なし"
    stale = cli("vendors", "update", vid, "--org", "acme", "--version", "1", "--name", "x",
                code=8)  # fmt: skip
    assert "changed since version 1" in stale.stderr
    changed = cli.json(
        "vendors", "change", vid, "--org", "acme", "--version", "2", "--reason", "model_change",
        "--detail", "v5 へ",
    )  # fmt: skip
    assert changed["reviews"] == [int(system)] and changed["reason"] == "model_change"
    shown = cli.json("vendors", "show", vid, "--org", "acme")
    assert [e["kind"] for e in shown["history"]] == ["changed", "updated", "created"]
    shown_text = cli("vendors", "show", vid, "--org", "acme").stdout
    assert "model_change" in shown_text and " JST" in shown_text  # the organisation's clock
    archived = cli.json("vendors", "archive", vid, "--org", "acme", "--version", "3")
    assert archived["archived_at"]
    assert [v["name"] for v in cli.json("vendors", "list", "--org", "acme")] == ["=1+2"]
    cli("vendors", "change", vid, "--org", "acme", "--version", "4", "--reason", "other", code=8)


def test_errors_have_their_exit_codes(cli: Any) -> None:
    system = _system(cli)
    vid = str(cli.json("vendors", "add", "--org", "acme", "--name", "Cloud")["id"])
    cli("vendors", "show", vid, "--org", "other", code=3)
    cli("vendors", "add", "--org", "other", "--name", "x", "--system", system, code=3)
    cli("vendors", "add", "--org", "acme", "--name", "x" * 201, code=4)
    cli("vendors", "add", "--org", "acme", "--name", "x", "--contract-end", "明日", code=4)
    cli("vendors", "add", "--org", "acme", "--name", "x", "--user", "viewer@acme.example",
        code=7)  # fmt: skip
    cli("vendors", "change", vid, "--org", "acme", "--version", "1", "--reason", "other",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    assert [v["name"] for v in cli.json("vendors", "list", "--org", "acme")] == ["Cloud"]
