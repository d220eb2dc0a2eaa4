"""Inquiries from the command line: list, show (notes included), reply, assign, close,
reject, erase and purge, in JSON and as tables, with errors and their exit codes (not
found, invalid, denied, conflict)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.inquiries import InquiryKind, InquirySubmission
from tekisei.db.orgs import OrgRow
from tekisei.services import public_inquiries
from tekisei.services.database import Database

PASSWORD = "correct horse battery\n"
FORMULA = '=HYPERLINK("http://evil.example","x")'


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
    for email, role in (("viewer@acme.example", "viewer"), ("editor@acme.example", "editor")):
        run("users", "create", email, "--org", "acme", "--role", role,
            "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def _inquiry(database: Database, subject: str = "学習データについて") -> str:
    with database.transaction() as session:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        to = public_inquiries.Receiver(
            org_id=org.id, org_slug="acme", organisation=org.name, system_id=None,
            system=None, notice_public_id=None,
        )  # fmt: skip
        return public_inquiries.submit(
            session, to, InquirySubmission(kind=InquiryKind.QUESTION, subject=subject,
                                           message=FORMULA, contact="hanako@example.jp"),
        ).tracking  # fmt: skip


def test_the_inbox_from_the_command_line(cli: Any, loaded_db: Database) -> None:
    tracking = _inquiry(loaded_db)
    listed = cli.json("inquiries", "list", "--org", "acme")
    assert [i["tracking"] for i in listed] == [tracking]
    iid = str(listed[0]["id"])
    assert listed[0]["contact"] == "hanako@example.jp"  # the local operator handles them
    seen = cli.json("inquiries", "list", "--org", "acme", "--user", "viewer@acme.example")
    assert seen[0]["contact"] is None
    assert cli.json("inquiries", "list", "--org", "other") == []
    cli("inquiries", "show", iid, "--org", "other", code=3)
    cli("inquiries", "reply", iid, "--org", "acme", "--version", "1", "--text", "x",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    cli("inquiries", "reply", iid, "--org", "acme", "--version", "1", "--text", "", code=2)
    cli("inquiries", "assign", iid, "--org", "acme", "--version", "1",
        "--to", "nobody@acme.example", code=4)  # fmt: skip
    assigned = cli.json("inquiries", "assign", iid, "--org", "acme", "--version", "1",
                        "--to", "editor@acme.example")  # fmt: skip
    assert assigned["assignee"]["user_id"] is not None
    answered = cli.json("inquiries", "reply", iid, "--org", "acme", "--version", "2",
                        "--text", "使っていません。")  # fmt: skip
    assert answered["state"] == "answered"
    cli("inquiries", "close", iid, "--org", "acme", "--version", "2", code=8)  # stale
    closed = cli.json("inquiries", "close", iid, "--org", "acme", "--version", "3")
    assert closed["state"] == "closed"
    shown = cli.json("inquiries", "show", iid, "--org", "acme")
    assert [e["kind"] for e in shown["history"]] == ["state", "assign", "reply", "state"]
    table = cli("inquiries", "show", iid, "--org", "acme").stdout
    assert "使っていません。" in table and " JST" in table  # the organisation's clock
    other = _inquiry(loaded_db, "二件目")
    oid = str(next(i["id"] for i in cli.json("inquiries", "list", "--org", "acme")
                   if i["tracking"] == other))  # fmt: skip
    cli("inquiries", "reject", oid, "--org", "acme", "--version", "1", "--reason", " ", code=4)
    rejected = cli.json("inquiries", "reject", oid, "--org", "acme", "--version", "1",
                        "--reason", "当社のサービスではありません。")  # fmt: skip
    assert rejected["state"] == "rejected"
    cli("inquiries", "erase", oid, "--org", "acme", "--user", "editor@acme.example", code=7)
    erased = cli.json("inquiries", "erase", oid, "--org", "acme")
    assert (erased["contact"], erased["message"]) == ("", "")
    cli("inquiries", "erase", oid, "--org", "acme", code=8)
    assert cli.json("inquiries", "purge", "--org", "acme") == {"erased": []}  # not yet due
    assert "erased the personal data of 0" in cli("inquiries", "purge", "--org", "acme").stdout
    overdue = cli.json("inquiries", "list", "--org", "acme", "--overdue")
    assert overdue == []
