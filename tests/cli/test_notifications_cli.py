"""Notifications from the command line: a member's list (their own only), the sweep of
due dates (once per key), and delivering without an SMTP server (what to set)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.db.inquiries import InquiryRow
from tekisei.services.database import Database
from tests.cli.test_inquiries_cli import PASSWORD, _inquiry


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

    for slug in ("acme", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "business")
    for email, role, org in (
        ("viewer@acme.example", "viewer", "acme"),
        ("editor@acme.example", "editor", "acme"),
        ("admin@other.example", "admin", "other"),
    ):
        run("users", "create", email, "--org", org, "--role", role,
            "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def test_a_member_lists_their_own_and_the_sweep_notifies_once(
    cli: Any, loaded_db: Database
) -> None:
    tracking = _inquiry(loaded_db)
    listed = json.loads(
        cli("notifications", "list", "--org", "acme", "--user", "editor@acme.example",
            "--json").stdout
    )  # fmt: skip
    assert [n["event"] for n in listed] == ["inquiry_received"]
    assert tracking in listed[0]["title_ja"]
    for email, org in (("viewer@acme.example", "acme"), ("admin@other.example", "other")):
        shown = cli("notifications", "list", "--org", org, "--user", email, "--json").stdout
        assert json.loads(shown) == []
    cli("notifications", "list", "--org", "other", "--user", "editor@acme.example", code=7)
    with loaded_db.reading() as session:
        due = session.scalars(select(InquiryRow.due_at)).one()
    day = (due + timedelta(days=1)).date().isoformat()
    first = json.loads(cli("notifications", "sweep", "--today", day, "--json").stdout)
    assert first == {"organisations": 2, "notified": 1}  # the editor; acme has no admin
    again = cli("notifications", "sweep", "--today", day).stdout
    assert "0 notifications in 2 organisations" in again
    table = cli("notifications", "list", "--org", "acme", "--user", "editor@acme.example",
                "--unread", "--lang", "en").stdout  # fmt: skip
    assert "overdue" in table and tracking in table
    cli("notifications", "sweep", "--today", "tomorrow", code=2)


def test_delivering_without_an_smtp_server_says_what_to_set(cli: Any) -> None:
    result = cli("notifications", "deliver", code=5)
    assert "TEKISEI_SMTP_HOST" in result.stderr
