"""``tekisei orgs eval-targets``: the allow-list from the command line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database


@pytest.fixture
def cli(settings: Settings, loaded_db: Database) -> Any:
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    return run


def test_operators_list_add_and_remove_hosts_and_each_change_is_audited(cli: Any) -> None:
    listed = json.loads(cli("orgs", "eval-targets", "list", "--org", "acme", "--json").stdout)
    assert listed == {
        "hosts": [],
        "demo_target": "127.0.0.1:8900",
        "private_addresses_allowed": False,
    }
    added = cli(
        "orgs", "eval-targets", "add", "API.example.com", "*.corp.example", "--org", "acme",
        "--json",
    )  # fmt: skip
    assert json.loads(added.stdout)["hosts"] == ["*.corp.example", "api.example.com"]
    bad = cli("orgs", "eval-targets", "add", "https://x.example/v1", "--org", "acme", code=4)
    assert "https://x.example/v1" in bad.stderr
    missing = cli("orgs", "eval-targets", "remove", "nope.example", "--org", "acme", code=4)
    assert "nope.example" in missing.stderr
    removed = cli("orgs", "eval-targets", "remove", "api.example.com", "--org", "acme", "--json")
    assert json.loads(removed.stdout)["hosts"] == ["*.corp.example"]
    shown = cli("orgs", "eval-targets", "list", "--org", "acme").stdout
    assert "*.corp.example" in shown and "TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS" in shown
    events = json.loads(
        cli("audit", "events", "--org", "acme", "--action", "eval_targets.set", "--json").stdout
    )
    assert events["total"] == 2
