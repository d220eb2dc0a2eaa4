"""DS-920 judgements from the command line: show the sheet, answer, sign, list, in JSON
and as tables, with errors and their exit codes (not found, invalid, denied, conflict)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.judgements import QUESTIONS
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
    for slug in ("city", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "local")
    for email, role in (("editor@city.example", "editor"), ("viewer@city.example", "viewer")):
        run("users", "create", email, "--org", "city", "--role", role,
            "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def test_a_judgement_from_the_command_line(cli: Any) -> None:
    system = str(
        cli.json("systems", "create", "--org", "city", "--name", "窓口案内AI", "--role", "user")[
            "id"
        ]
    )
    shown = cli("judgements", "show", system, "--org", "city")
    assert "not the Digital Agency's text" in shown.stdout and "no signed judgement" in shown.stdout
    replies = [a for q in QUESTIONS for a in ("--answer", f"{q.id}=no")]
    viewer = ("--user", "viewer@city.example")
    cli("judgements", "answer", system, "--org", "city", *replies, *viewer, code=7)
    cli("judgements", "answer", system, "--org", "city", "--answer", "users-public=maybe",
        code=4)  # fmt: skip
    cli("judgements", "answer", system, "--org", "city", "--answer", "users-public=no",
        "--note", "users-public=" + "x" * 1001, code=4)  # fmt: skip
    cli("judgements", "answer", system, "--org", "other", *replies, code=3)
    draft = cli.json(
        "judgements", "answer", system, "--org", "city", *replies,
        "--answer", "work-rights=yes", "--note", "work-rights==HYPERLINK(\"x\")",
        "--user", "editor@city.example",
    )  # fmt: skip
    assert draft["high_risk"] and draft["perspectives"] == ["work"]
    assert draft["answers"]["work-rights"]["note"] == '=HYPERLINK("x")'
    jid = str(draft["id"])
    cli("judgements", "sign", system, jid, "--org", "city", "--version", "1",
        "--user", "editor@city.example", code=7)  # fmt: skip
    cli("judgements", "sign", system, jid, "--org", "city", "--version", "9", code=8)
    signed = cli.json("judgements", "sign", system, jid, "--org", "city", "--version", "1")
    assert signed["signed"] and signed["signed_by"] == "cli"
    tier = cli.json("systems", "show", system, "--org", "city")["system"]
    assert tier["tier"] == "high" and tier["tier_reasons"][0]["code"] == "ds920-high-risk"
    listed = cli("judgements", "list", system, "--org", "city")
    assert "in force" in listed.stdout and "high-risk" in listed.stdout
    cli("judgements", "show", system, "--org", "other", code=3)


def test_a_redo_from_the_command_line_needs_every_perspective_confirmed(cli: Any) -> None:
    made = cli.json("systems", "create", "--org", "city", "--name", "窓口案内AI", "--role", "user")
    system = str(made["id"])
    replies = [a for q in QUESTIONS for a in ("--answer", f"{q.id}=no")]
    first = cli.json("judgements", "answer", system, "--org", "city", *replies)
    cli("judgements", "sign", system, str(first["id"]), "--org", "city",
        "--version", str(first["version"]))  # fmt: skip
    version = str(cli.json("systems", "list", "--org", "city")["items"][0]["version"])
    cli("systems", "update", system, "--org", "city", "--version", version,
        "--deployment", "public")  # fmt: skip
    redo = cli.json("judgements", "answer", system, "--org", "city", *replies)
    assert redo["redo_of"]["id"] == first["id"]
    assert redo["redo_of"]["changed_facts"] == ["deployment"]
    shown = cli("judgements", "show", system, "--org", "city", "--id", str(redo["id"])).stdout
    assert "--confirm" in shown and "deployment" in shown
    base = ("judgements", "sign", system, str(redo["id"]), "--org", "city",
            "--version", str(redo["version"]))  # fmt: skip
    refused = cli(*base, "--confirm", "users", "--confirm", "work", code=8)
    assert "not confirmed: confidential or personal data, staff judgement" in refused.output
    cli(*base, "--confirm", "everything", code=2)
    every = [a for p in ("users", "work", "data", "output") for a in ("--confirm", p)]
    signed = cli.json(*base, *every)
    assert signed["reconfirmed"] == ["users", "work", "data", "output"]
