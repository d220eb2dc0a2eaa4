"""Accounts from the command line: invitations, first passwords, removing members and
changing a password."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.test_workspace_cli import cli  # noqa: F401  (the shared fixture)


def test_invite_prints_the_code_once_and_the_invited_person_joins(cli: Any) -> None:  # noqa: F811
    out = cli("users", "invite", "new@city.example", "--org", "chiyoda", "--role", "assessor")
    code = next(line.split()[-1] for line in out.stdout.splitlines() if "code" in line)
    assert code.startswith("tki_") and f"/invitations/{code}" in out.stdout
    listed = cli.json("users", "invitations", "--org", "chiyoda")
    assert listed[0]["status"] == "pending" and code not in str(listed)
    joined = cli(
        "users", "accept-invitation", code, "--password-stdin", stdin="my own chosen words\n"
    )
    assert "new@city.example is now assessor of chiyoda" in joined.stdout
    cli("users", "accept-invitation", code, "--password-stdin", stdin="other words here\n", code=3)
    second = cli.json("users", "invite", "x@city.example", "--org", "chiyoda", "--role", "viewer")
    cli("users", "revoke-invitation", str(second["id"]), "--org", "chiyoda")
    cli("users", "decline-invitation", second["code"], code=3)
    refused = cli(
        "users",
        "invite",
        "y@city.example",
        "--org",
        "chiyoda",
        "--role",
        "admin",
        "--user",
        "ceo@city.example",
        code=7,
    )
    assert "admin" in refused.stderr


def test_accounts_created_with_a_password_must_change_it_unless_told_otherwise(
    cli: Any,  # noqa: F811
) -> None:
    forced = json.loads(
        cli(
            "users",
            "create",
            "a@city.example",
            "--org",
            "chiyoda",
            "--role",
            "viewer",
            "--password-stdin",
            "--json",
            stdin="correct horse battery\n",
        ).stdout
    )
    kept = json.loads(
        cli(
            "users",
            "create",
            "b@city.example",
            "--org",
            "chiyoda",
            "--role",
            "viewer",
            "--password-stdin",
            "--keep-password",
            "--json",
            stdin="correct horse battery\n",
        ).stdout
    )
    assert forced["password_change_required"] is True
    assert kept["password_change_required"] is False
    events = cli.json("audit", "events", "--org", "chiyoda", "--action", "user.create")["items"]
    flags = {e["summary"]["email"]: e["summary"]["password_change_required"] for e in events}
    assert flags["a@city.example"] is True and flags["b@city.example"] is False
    weak = cli(
        "users",
        "create",
        "c@city.example",
        "--org",
        "chiyoda",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="password123456\n",
        code=4,
    )
    assert "common" in weak.stderr
    again = cli(
        "users",
        "create",
        "a@city.example",
        "--org",
        "chiyoda",
        "--role",
        "admin",
        "--password-stdin",
        stdin="correct horse battery\n",
        code=8,
    )
    assert "users invite" in again.stderr


def test_remove_a_member_and_change_a_password(cli: Any) -> None:  # noqa: F811
    cli("users", "remove", "ceo@city.example", "--org", "chiyoda")
    members = cli.json("orgs", "show", "--org", "chiyoda")["members"]
    assert [m["email"] for m in members] == ["admin@city.example"]
    last = cli("users", "remove", "admin@city.example", "--org", "chiyoda", code=8)
    assert "last admin" in last.stderr
    cli(
        "users",
        "password",
        "--user",
        "admin@city.example",
        "--org",
        "chiyoda",
        "--password-stdin",
        stdin="not the password\na fresh long sentence\n",
        code=7,
    )
    changed = cli(
        "users",
        "password",
        "--user",
        "admin@city.example",
        "--org",
        "chiyoda",
        "--password-stdin",
        stdin="correct horse battery\na fresh long sentence\n",
    )
    assert "password changed" in changed.stdout


def test_an_admin_lists_and_ends_a_members_sessions(cli: Any, loaded_db: Any) -> None:  # noqa: F811
    from tekisei.services import users

    users.sign_in(loaded_db, "ceo@city.example", "correct horse battery")
    cli("tokens", "create", "--user", "ceo@city.example", "--org", "chiyoda")
    seen = cli.json("users", "sessions", "ceo@city.example", "--org", "chiyoda")
    assert (seen["sessions"], seen["tokens"]) == (1, 1)
    refused = cli(
        "users",
        "sign-out",
        "ceo@city.example",
        "--org",
        "chiyoda",
        "--user",
        "ceo@city.example",
        code=7,
    )
    assert "admin" in refused.stderr
    cli("users", "sign-out", "nobody@city.example", "--org", "chiyoda", code=3)
    kept = cli.json("users", "sign-out", "ceo@city.example", "--org", "chiyoda", "--keep-tokens")
    assert kept == {"sessions_ended": 1, "tokens_revoked": 0}
    out = cli("users", "sign-out", "ceo@city.example", "--org", "chiyoda")
    assert "0 session(s) ended, 1 token(s) revoked" in out.stdout
    events = cli.json("audit", "events", "--org", "chiyoda", "--action", "member.sign_out")
    assert [e["actor"] for e in events["items"]] == ["cli", "cli"]
