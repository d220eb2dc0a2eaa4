"""Energy records from the command line: add (refused with the field named when a figure
is wrong), list, show the summary, publish and unpublish, remove, in JSON and as tables;
another organisation's system is not found."""

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

    run.json = lambda *args: json.loads(run(*args, "--json").stdout)  # type: ignore[attr-defined]
    for slug in ("acme", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "local")
    run("systems", "create", "--org", "acme", "--name", "住民問い合わせチャットボット",
        "--role", "user")  # fmt: skip
    return run


def test_energy_add_list_show_publish_and_remove_from_the_command_line(cli: Any) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    common = ["--org", "acme", "--phase", "inference", "--from", "2026-04-01",
              "--to", "2026-09-30", "--basis", "estimated",
              "--source", "GPU 2基 × 0.4 kW × 4,392時間 × PUE 1.5"]  # fmt: skip
    added = cli.json("energy", "add", system, *common, "--kwh", "1200", "--factor", "0.441",
                     "--factor-source", "東西電力 2025年度 基礎排出係数")  # fmt: skip
    assert (added["kwh"], added["emissions_kg"]) == ("1200.000", "529.200")
    cli("energy", "add", system, *common, "--kwh", "-5", code=4)
    refused = cli("energy", "add", system, *common, "--kwh", "5", "--factor", "0.4", code=4)
    assert "factor_source" in refused.stderr
    cli("energy", "add", system, *common, "--kwh", "5", "--phase", "mining", code=2)
    assert [r["kwh"] for r in cli.json("energy", "list", system, "--org", "acme")] == ["1200.000"]
    shown = cli("energy", "list", system, "--org", "acme").stdout
    assert "kWh" in shown and "CO2e" in shown
    summary = cli("energy", "show", system, "--org", "acme").stdout
    assert "factor 0.441 kg-CO2e/kWh — 東西電力" in summary and "not shown publicly" in summary
    assert cli.json("energy", "publish", system, "--org", "acme")["published"] is True
    assert cli.json("energy", "show", system, "--org", "acme")["publication"]["version"] == 1
    assert "not shown" in cli("energy", "unpublish", system, "--org", "acme").stdout
    cli("energy", "list", system, "--org", "other", code=3)
    cli("energy", "remove", system, str(added["id"]), "--org", "other", code=3)
    assert cli.json("energy", "remove", system, str(added["id"]), "--org", "acme") == {
        "removed": added["id"]
    }
    assert cli.json("energy", "list", system, "--org", "acme") == []
    cli("energy", "remove", system, str(added["id"]), "--org", "acme", code=3)
