"""``tekisei mfa``: the organisation's policy, its members, and the operator's reset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.audit import AuditEventRow
from tekisei.services import mfa, orgs, users
from tekisei.services.database import Database

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture
def env(settings: Settings, empty_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("TEKISEI_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TEKISEI_DATA_DIR", str(settings.data_dir))
    with empty_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in (
            ("ceo@acme.example", "acme", Role.EXECUTIVE),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("admin@other.example", "other", Role.ADMIN),
        ):
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    key = mfa.sealing_key(settings)
    with empty_db.transaction() as session:
        principal = users.principal_for(session, "ceo@acme.example", "acme")
        made = mfa.begin_enrolment(session, principal, key)
    mfa.confirm_enrolment(empty_db, principal, key, pyotp.TOTP(made.secret).at(datetime.now(UTC)))
    return empty_db


def invoke(*args: str) -> dict[str, object] | list[dict[str, object]]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] | list[dict[str, object]] = json.loads(result.output)
    return loaded


def test_the_operator_sets_the_policy_lists_members_and_resets_one(env: Database) -> None:
    assert invoke("mfa", "policy", "--org", "acme") == {
        "enabled": False,
        "roles": ["admin", "executive"],
    }
    assert invoke("mfa", "policy", "--org", "acme", "--require") == {
        "enabled": True,
        "roles": ["admin", "executive"],
    }
    assert invoke("mfa", "policy", "--org", "acme", "--role", "viewer") == {
        "enabled": True,
        "roles": ["viewer"],
    }
    members = invoke("mfa", "members", "--org", "acme")
    assert isinstance(members, list)
    assert {(m["email"], m["enrolled"], m["required"]) for m in members} == {
        ("ceo@acme.example", True, False),
        ("viewer@acme.example", False, True),
    }
    assert invoke("mfa", "reset", "ceo@acme.example", "--org", "acme") == {
        "email": "ceo@acme.example",
        "sessions_ended": 0,
    }
    with env.reading() as session:
        ceo = users.find_user(session, "ceo@acme.example")
        assert ceo is not None and not mfa.enrolled(session, ceo.id)
        actions = [
            (e.action, e.actor)
            for e in session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action.in_(["mfa.policy", "mfa.reset"]))
                .order_by(AuditEventRow.id)
            )
        ]
    assert actions == [("mfa.policy", "cli"), ("mfa.policy", "cli"), ("mfa.reset", "cli")]


def test_a_member_of_another_organisation_cannot_be_reset_from_here(env: Database) -> None:
    result = runner.invoke(app, ["mfa", "reset", "admin@other.example", "--org", "acme"])
    assert result.exit_code == 3, result.output
    denied = runner.invoke(
        app, ["mfa", "policy", "--org", "acme", "--require", "--user", "viewer@acme.example"]
    )
    assert denied.exit_code == 7, denied.output


def _passkey(database: Database, email: str, name: str) -> int:
    from tekisei.db.passkeys import PasskeyRow

    with database.transaction() as session:
        user = users.find_user(session, email)
        assert user is not None
        row = PasskeyRow(
            user_id=user.id, credential_id=name.encode(), public_key=b"k", sign_count=0,
            transports=["usb"], name=name, created_at=datetime.now(UTC), last_used_at=None,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def test_the_operator_lists_and_removes_a_members_passkey(env: Database) -> None:
    kept = _passkey(env, "viewer@acme.example", "laptop")
    lost = _passkey(env, "viewer@acme.example", "blue key")
    listed = invoke("mfa", "passkeys", "viewer@acme.example", "--org", "acme")
    assert [p["name"] for p in listed] == ["laptop", "blue key"]  # type: ignore[index]
    members = invoke("mfa", "members", "--org", "acme")
    assert {m["email"]: m["enrolled"] for m in members}["viewer@acme.example"] is True  # type: ignore[index]
    factors = {m["email"]: (m["app"], m["passkeys"]) for m in members}  # type: ignore[index]
    assert factors["viewer@acme.example"] == (False, 2)
    assert factors["ceo@acme.example"] == (True, 0)
    shown = runner.invoke(app, ["mfa", "members", "--org", "acme"])
    assert shown.exit_code == 0 and "passkeys" in shown.output
    assert invoke("mfa", "remove-passkey", "viewer@acme.example", str(lost), "--org", "acme") == {
        "email": "viewer@acme.example",
        "removed": lost,
    }
    listed = invoke("mfa", "passkeys", "viewer@acme.example", "--org", "acme")
    assert [p["id"] for p in listed] == [kept]  # type: ignore[index]
    with env.reading() as session:
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "mfa.passkey.remove")
        ).one()
        assert event.summary["name"] == "blue key" and event.summary["by_operator"] is True
    # another organisation's member, or a passkey of someone else: not found
    other = _passkey(env, "admin@other.example", "theirs")
    refused = runner.invoke(app, ["mfa", "passkeys", "admin@other.example", "--org", "acme"])
    assert refused.exit_code != 0
    refused = runner.invoke(
        app, ["mfa", "remove-passkey", "viewer@acme.example", str(other), "--org", "acme"]
    )
    assert refused.exit_code != 0
    assert invoke("mfa", "passkeys", "admin@other.example", "--org", "other")[0]["id"] == other  # type: ignore[index]


def test_a_passkey_name_kept_from_before_is_listed_without_its_hidden_characters(
    env: Database,
) -> None:
    # saved before names were checked: direction overrides would reorder the terminal
    _passkey(env, "viewer@acme.example", "a\u202eb\u2066c")
    shown = runner.invoke(app, ["mfa", "passkeys", "viewer@acme.example", "--org", "acme"])
    assert shown.exit_code == 0, shown.output
    assert not set("\u202e\u2066") & set(shown.output)
    assert "a\ufffdb\ufffdc" in shown.output
