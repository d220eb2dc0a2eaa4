"""``tekisei sso``: the provider from the command line, and the operator's way back in
when an organisation's local passwords are disabled."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database
from tests.conftest import free_port
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET


@pytest.fixture
def cli(settings: Settings, empty_db: Database) -> Any:
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "TEKISEI_OIDC_ALLOW_PRIVATE_ISSUERS": "1",
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0, stdin: str | None = None) -> Any:
        result = CliRunner().invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    return run


def test_the_operator_sets_checks_and_reopens_passwords_and_the_secret_stays_sealed(
    cli: Any, oidc_provider: Any
) -> None:
    assert "no single sign-on" in cli("sso", "show", "--org", "acme", code=3).stderr
    made = cli(
        "sso", "set", "--org", "acme", "--name", "Acme ID", "--issuer", oidc_provider.issuer,
        "--client-id", CLIENT_ID, "--client-secret-stdin", "--domain", "acme.example",
        "--map", "governance-admins=admin", "--jit", "--passwords-disabled", "--json",
        stdin=CLIENT_SECRET + "\n",
    )  # fmt: skip
    shown = json.loads(made.stdout)
    assert shown["client_secret_set"] is True and shown["passwords_disabled"] is True
    assert shown["role_map"] == {"governance-admins": "admin"}
    assert CLIENT_SECRET not in made.stdout
    checked = cli("sso", "check", "--org", "acme")
    assert "discovery and keys read" in checked.stdout and "session/end" in checked.stdout
    reopened = json.loads(
        cli("sso", "set", "--org", "acme", "--passwords-allowed", "--json").stdout
    )
    assert reopened["passwords_disabled"] is False and reopened["client_id"] == CLIENT_ID
    events = cli("audit", "events", "--org", "acme", "--json").stdout
    assert "sso.configure" in events and "sso.update" in events
    assert CLIENT_SECRET not in events
    bad = cli("sso", "set", "--org", "acme", "--map", "no-role-here", code=4)
    assert "VALUE=ROLE" in bad.stderr


def test_checking_a_provider_that_is_down_says_so(cli: Any) -> None:
    cli(
        "sso", "set", "--org", "acme", "--name", "Down", "--issuer",
        f"http://127.0.0.1:{free_port()}", "--client-id", "x", "--client-secret-stdin",
        "--domain", "acme.example", stdin="secret\n",
    )  # fmt: skip
    failed = cli("sso", "check", "--org", "acme", code=7)  # denied: sign-in would fail
    assert "could not be reached" in failed.stderr
