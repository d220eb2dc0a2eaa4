"""``tekisei backup`` from the command line: create, verify, restore, and clear errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def cli(settings: Settings, empty_db: Database) -> Any:
    base = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "TEKISEI_BACKUP_PASSPHRASE": PASSPHRASE,
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(
        *args: str, code: int = 0, env: dict[str, str | None] | None = None, stdin: str = ""
    ) -> Any:
        result = CliRunner().invoke(app, list(args), env=base | (env or {}), input=stdin)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    run("systems", "create", "--org", "acme", "--name", "窓口チャット", "--role", "user")
    return run


def test_create_verify_and_restore_into_an_empty_sqlite_deployment(
    cli: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "site.backup"
    created = json.loads(cli("backup", "create", "-o", str(archive), "--json").stdout)
    assert created["manifest"]["members"][0]["name"] == "secret"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    # The passphrase can come from standard input instead of the environment.
    checked = cli(
        "backup",
        "verify",
        str(archive),
        env={"TEKISEI_BACKUP_PASSPHRASE": None},
        stdin=PASSPHRASE + "\n",
    )
    assert checked.stdout.startswith(f"ok: {archive}")
    target = tmp_path / "new"
    restored = cli(
        "backup",
        "restore",
        str(archive),
        env={"TEKISEI_DATA_DIR": str(target / "var"), "TEKISEI_DATABASE_URL": None},
    )
    assert "restored into" in restored.stdout
    assert (target / "var" / "tekisei.db").is_file() and (target / "var" / "secret.key").is_file()
    listed = json.loads(
        cli(
            "systems",
            "list",
            "--org",
            "acme",
            "--json",
            env={"TEKISEI_DATA_DIR": str(target / "var"), "TEKISEI_DATABASE_URL": None},
        ).stdout
    )
    assert [s["name"] for s in listed["items"]] == ["窓口チャット"]
    verified = cli(
        "audit",
        "verify",
        env={"TEKISEI_DATA_DIR": str(target / "var"), "TEKISEI_DATABASE_URL": None},
    )
    assert verified.stdout.startswith("ok: acme")


def test_a_wrong_passphrase_and_a_non_empty_target_are_clear_errors(
    cli: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "site.backup"
    cli("backup", "create", "-o", str(archive))
    wrong = cli(
        "backup",
        "verify",
        str(archive),
        code=4,
        env={"TEKISEI_BACKUP_PASSPHRASE": "not the passphrase"},
    )
    assert "wrong passphrase" in wrong.stderr
    refused = cli("backup", "restore", str(archive), code=8)
    assert "is not empty" in refused.stderr
    weak = cli(
        "backup",
        "create",
        "-o",
        str(tmp_path / "b.backup"),
        code=4,
        env={"TEKISEI_BACKUP_PASSPHRASE": "short"},
    )
    assert "at least 12" in weak.stderr
    japanese = cli(
        "backup",
        "verify",
        str(archive),
        code=4,
        env={"TEKISEI_BACKUP_PASSPHRASE": "not the passphrase", "LANG": "ja_JP.UTF-8"},
    )
    assert "パスフレーズが違います" in japanese.stderr
    not_archive = tmp_path / "other.txt"
    not_archive.write_text("hello", encoding="utf-8")
    assert "not a tekisei backup" in cli("backup", "verify", str(not_archive), code=4).stderr


def test_the_archive_formats_have_json_schemas(cli: Any) -> None:
    manifest = json.loads(cli("backup", "schema", "manifest").stdout)
    assert manifest["properties"]["format"]["const"] == "tekisei-backup-manifest/1"
    header = json.loads(cli("backup", "schema", "header").stdout)
    assert header["properties"]["format"]["const"] == "tekisei-backup/1"
