"""Incidents from the command line: report (the review opens; --json names it), list,
show, update with versions, close with lessons, publish and unpublish, and the export, with
errors and their exit codes (not found, invalid, denied, conflict)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
        "systems", "create", "--org", org, "--name", "与信審査AI", "--role", "provider",
        "--purpose", "与信の判断を補助する。",
    )  # fmt: skip
    return str(created["id"])


def test_an_incident_from_report_to_public_notice_on_the_command_line(cli: Any) -> None:
    system = _system(cli)
    reported = cli.json(
        "incidents", "report", system, "--org", "acme", "--severity", "high",
        "--title", "誤った否決", "--description", "一部の申込者が否決された",
        "--harm", "discrimination", "--occurred", "2026-03-01T09:00",
    )  # fmt: skip
    assert reported["state"] == "open" and len(reported["reviews"]) == 1
    occurred = datetime.fromisoformat(reported["occurred_at"])
    assert occurred == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    due = cli.json("reviews", "due", "--org", "acme")
    assert [d["open_review"] for d in due] == reported["reviews"]
    incident = str(reported["id"])
    assert [i["id"] for i in cli.json("incidents", "list", "--org", "acme")] == [reported["id"]]
    assert cli.json("incidents", "show", "--org", "acme", incident)["title"] == "誤った否決"
    cli("incidents", "update", "--org", "acme", incident, "--version", "9",
        "--root-cause", "x", code=8)  # fmt: skip
    updated = cli.json("incidents", "update", "--org", "acme", incident, "--version", "1",
                       "--root-cause", "閾値の誤設定")  # fmt: skip
    assert updated["version"] == 2
    cli("incidents", "close", "--org", "acme", incident, "--version", "2", "--lessons", " ",
        code=4)  # fmt: skip
    closed = cli.json("incidents", "close", "--org", "acme", incident, "--version", "2",
                      "--lessons", "閾値を毎月見直す")  # fmt: skip
    assert closed["state"] == "closed"
    published = cli.json(
        "incidents", "publish", "--org", "acme", incident, "--version", "3",
        "--title", "お知らせ", "--summary", "概要", "--show", "lessons",
    )  # fmt: skip
    assert published["number"] == 1 and published["url"].startswith("/public/incidents/")
    export = json.loads(cli("incidents", "export", "--org", "acme", "--public").stdout)
    assert export["version"] == 1 and [i["title"] for i in export["incidents"]] == ["お知らせ"]
    cli("incidents", "unpublish", "--org", "acme", incident, "--reason", "精査中")
    export = json.loads(cli("incidents", "export", "--org", "acme", "--public").stdout)
    assert export["incidents"] == []


def test_another_organisation_and_a_viewer_are_refused_with_their_exit_codes(cli: Any) -> None:
    system = _system(cli)
    cli("incidents", "report", system, "--org", "other", "--title", "x", code=3)
    cli("incidents", "report", system, "--org", "acme", "--title", "x",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    cli("incidents", "report", system, "--org", "acme", "--title", "x" * 201, code=4)
    cli("incidents", "report", system, "--org", "acme", "--title", "x", "--from-inquiry", "99",
        code=3)  # fmt: skip
    cli("incidents", "show", "--org", "acme", "99", code=3)


def test_the_timeline_who_was_told_and_corrective_actions_from_the_command_line(
    cli: Any,
) -> None:
    system = _system(cli)
    reported = cli.json("incidents", "report", system, "--org", "acme", "--title", "誤った否決")
    incident = str(reported["id"])
    moment = cli.json("incidents", "timeline", "--org", "acme", incident, "--version", "1",
                      "--at", "2026-03-01T09:30", "--text", "=HYPERLINK(\"x\")")  # fmt: skip
    assert moment["timeline"][0]["text"] == '=HYPERLINK("x")'
    assert datetime.fromisoformat(moment["timeline"][0]["at"]) == datetime(
        2026, 3, 1, 0, 30, tzinfo=UTC
    )  # 09:30 in Tokyo
    told = cli.json("incidents", "told", "--org", "acme", incident, "--version", "2",
                    "--party", "authority", "--name", "個人情報保護委員会",
                    "--channel", "報告フォーム")  # fmt: skip
    assert told["notifications"][0]["party"] == "authority"
    cli("incidents", "told", "--org", "acme", incident, "--version", "3", "--party", "press",
        "--name", "x", code=2)  # fmt: skip
    cli("incidents", "timeline", "--org", "acme", incident, "--version", "3",
        "--at", "yesterday", "--text", "x", code=4)  # fmt: skip
    added = cli.json("incidents", "action", "--org", "acme", incident, "--version", "3",
                     "--system", system, "--text", "閾値を見直す", "--new-risk", "閾値の誤り",
                     "--taxonomy", "technical.misjudgement", "--likelihood", "3",
                     "--impact", "4")  # fmt: skip
    [done] = added["actions"]
    assert done["kind"] == "new_risk" and done["system_id"] == int(system)
    risks = cli.json("risks", "list", "--org", "acme")
    assert [r["title"] for r in risks["items"]] == ["閾値の誤り"]
    cli("incidents", "action", "--org", "acme", incident, "--version", "4", "--system", system,
        "--text", "x", code=4)  # neither a new risk nor a risk to update  # fmt: skip
    cli("incidents", "action", "--org", "acme", incident, "--version", "4", "--system", system,
        "--text", "x", "--risk", str(done["risk_id"]), "--risk-version", "1",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    risk = str(done["risk_id"])
    updated = cli.json("incidents", "action", "--org", "acme", incident, "--version", "4",
                       "--system", system, "--text", "対策済み", "--risk", risk,
                       "--risk-version", "1", "--likelihood", "1")  # fmt: skip
    assert updated["actions"][1]["kind"] == "risk_update"
    other = _system(cli, "other")
    cli("incidents", "action", "--org", "acme", incident, "--version", "5", "--system", other,
        "--text", "x", "--risk", "1", "--risk-version", "1", code=3)  # fmt: skip


def test_with_json_an_error_is_also_json_on_stdout(cli: Any) -> None:
    system = _system(cli)
    missing = cli("incidents", "show", "--org", "acme", "999", "--json", code=3)
    error = json.loads(missing.stdout)["error"]
    assert error["exit_code"] == 3 and "999" in error["message"] and error["message_ja"]
    assert "999" in missing.stderr  # the message on stderr stays
    too_long = cli("incidents", "report", system, "--org", "acme", "--title", "x" * 201,
                   "--json", code=4)  # fmt: skip
    assert json.loads(too_long.stdout)["error"]["exit_code"] == 4
    assert cli("incidents", "show", "--org", "acme", "999", code=3).stdout == ""


def test_a_timeline_moment_too_long_is_refused_with_the_field_named(cli: Any) -> None:
    system = _system(cli)
    incident = str(cli.json("incidents", "report", system, "--org", "acme", "--title", "x")["id"])
    refused = cli("incidents", "timeline", "--org", "acme", incident, "--version", "1",
                  "--text", "あ" * 5001, "--json", code=4)  # fmt: skip
    error = json.loads(refused.stdout)["error"]
    assert error["exit_code"] == 4 and "text" in error["message"]
    assert cli.json("incidents", "show", "--org", "acme", incident)["timeline"] == []
