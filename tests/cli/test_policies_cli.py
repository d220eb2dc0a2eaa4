"""Policies and the governance statement from the command line: a basic policy created
from the template, edited, approved by the executive, published and acknowledged; the
statement shown and published, then read as the public reads it; errors with their exit
codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.services.public_statements import PublicStatement, read_statement

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
    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business",
        "--responsible", "佐藤 一郎")  # fmt: skip
    for email, role in (("ceo@acme.example", "executive"), ("viewer@acme.example", "viewer")):
        run("users", "create", email, "--org", "acme", "--role", role, "--password-stdin",
            stdin=PASSWORD)  # fmt: skip
    return run


def test_a_basic_policy_goes_from_template_to_acknowledged_from_the_cli(
    cli: Any, tmp_path: Path
) -> None:
    created = cli.json("policies", "create", "basic", "--org", "acme")
    policy = str(created["id"])
    assert created["template"] == "tekisei-policy-templates/1" and created["version"] == 1
    assert created["content"]["ja"]["title"] == "AI基本方針"
    cli("policies", "request-approval", policy, "--org", "acme", "--version", "1", code=4)
    texts = tmp_path / "policy.json"
    texts.write_text(
        json.dumps({"ja": {"title": "当社のAI基本方針", "body": "## 1. 目的\n本文"},
                    "items": ["2.1", "fn15"]}, ensure_ascii=False),
        encoding="utf-8",
    )  # fmt: skip
    edited = cli.json("policies", "edit", policy, "--org", "acme", "--version", "1",
                      "--file", str(texts), "--effective-on", "2020-04-01")  # fmt: skip
    assert edited["content"]["ja"]["title"] == "当社のAI基本方針"
    assert edited["content"]["en"]["title"] == "Basic AI Policy"  # left as it was
    assert [i["ref"] for i in edited["items"]] == ["2.1", "fn15"]
    assert edited["effective_on"] == "2020-04-01" and edited["version"] == 2
    cli("policies", "edit", policy, "--org", "acme", "--version", "1",
        "--effective-on", "2020-05-01", code=8)  # a stale version  # fmt: skip
    cli("policies", "edit", policy, "--org", "acme", "--version", "2",
        "--effective-on", "not-a-date", code=4)  # fmt: skip
    cli("policies", "request-approval", policy, "--org", "acme", "--version", "2")
    cli("policies", "approve", policy, "--org", "acme", "--version", "2", "--reason", "可",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    approved = cli.json("policies", "approve", policy, "--org", "acme", "--version", "2",
                        "--reason", "内容を確認した", "--user", "ceo@acme.example")  # fmt: skip
    assert approved["publishable"] == 1
    published = cli.json("policies", "publish", policy, "--org", "acme")
    assert published["status"] == "in_force" and published["in_force"] == 1
    cli("policies", "publish", policy, "--org", "acme", code=8)  # nothing waits
    cli("policies", "acknowledge", policy, "--org", "acme", code=2)  # a member acknowledges: --user
    read = cli.json("policies", "acknowledge", policy, "--org", "acme",
                    "--user", "viewer@acme.example")  # fmt: skip
    assert read["number"] == 1 and read["acknowledged"] == 1
    cli("policies", "acknowledge", policy, "--org", "acme", "--user", "viewer@acme.example",
        code=8)  # fmt: skip
    who = cli("policies", "acknowledgements", policy, "--org", "acme").stdout
    assert " JST" in who and "+00:00" not in who  # on the organisation's clock
    listed = cli("policies", "list", "--org", "acme", "--lang", "ja").stdout
    assert "当社のAI基本方針" in listed and "施行中" in listed
    shown = cli("policies", "show", policy, "--org", "acme", "--lang", "en").stdout
    assert "Basic AI Policy" in shown and "in force" in shown
    cli("policies", "show", "999", "--org", "acme", code=3)
    assert cli.json("policies", "take-effect", "--org", "acme") == {"attached": []}


def test_the_statement_is_shown_published_and_taken_down_from_the_cli(
    cli: Any, loaded_db: Database
) -> None:
    shown = cli.json("statement", "show", "--org", "acme")
    assert shown["status"] == "draft" and shown["content"]["responsible"]["person"] == "佐藤 一郎"
    cli("statement", "publish", "--org", "acme", "--digest", "0" * 64, code=8)  # changed since
    published = cli.json("statement", "publish", "--org", "acme", "--digest", shown["digest"])
    assert published["status"] == "published" and published["published_version"] == 1
    cli("statement", "publish", "--org", "acme", code=8)  # nothing changed
    cli("statement", "publish", "--org", "acme", "--user", "ceo@acme.example", code=7)
    with loaded_db.reading() as session:
        public = read_statement(session, "acme")
    assert isinstance(public, PublicStatement) and public.number == 1
    text = cli("statement", "show", "--org", "acme", "--lang", "ja").stdout
    assert "公開中" in text and "/orgs/acme/statement" in text
    cli("statement", "unpublish", "--org", "acme", "--reason", "見直し中")
    cli("statement", "unpublish", "--org", "acme", "--reason", "again", code=8)
