"""The data-holder register from the command line: add with dataset links, list with
filters, update with versions, log communications, benefit arrangements, archive, in JSON
and as tables, with errors and their exit codes (not found, invalid, denied, conflict)."""

from __future__ import annotations

import json
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


def _dataset(cli: Any, org: str = "acme") -> str:
    system = cli.json(
        "systems", "create", "--org", org, "--name", "画像生成AI", "--role", "provider",
        "--purpose", "広告用の画像を生成する。",
    )  # fmt: skip
    dataset = cli.json(
        "records", "datasets", "add", "--org", org, "--system", str(system["id"]),
        "--name", "報道写真",
    )  # fmt: skip
    return str(dataset["id"])


def test_the_register_its_log_and_benefits_from_the_command_line(cli: Any) -> None:
    dataset = _dataset(cli)
    added = cli.json(
        "data-holders", "add", "--org", "acme", "--name", "写真家協会", "--kind", "creators",
        "--data", "報道写真 12万点", "--right", "copyright", "--contact", "info@photo.example",
        "--dataset", dataset,
    )  # fmt: skip
    hid = str(added["id"])
    assert [d["id"] for d in added["datasets"]] == [int(dataset)] and added["version"] == 1
    assert added["rights"] == ["copyright"]
    cli("data-holders", "add", "--org", "acme", "--name", "=1+2", "--kind", "public_bodies")
    listed = cli.json("data-holders", "list", "--org", "acme", "--dataset", dataset)
    assert [h["name"] for h in listed] == ["写真家協会"]
    by_right = cli.json("data-holders", "list", "--org", "acme", "--right", "copyright")
    assert [h["name"] for h in by_right] == ["写真家協会"]
    table = cli("data-holders", "list", "--org", "acme").stdout
    assert "写真家協会" in table and "=1+2" in table
    viewer = cli.json("data-holders", "list", "--org", "acme", "--user", "viewer@acme.example")
    assert {h["contact"] for h in viewer} == {None}
    saved = cli.json(
        "data-holders", "update", hid, "--org", "acme", "--version", "1", "--right",
        "personal_data", "--right", "copyright", "--no-datasets",
    )  # fmt: skip
    assert saved["version"] == 2 and saved["datasets"] == []
    assert saved["rights"] == ["copyright", "personal_data"]
    stale = cli("data-holders", "update", hid, "--org", "acme", "--version", "1", "--name", "x",
                code=8)  # fmt: skip
    assert "changed since version 1" in stale.stderr
    logged = cli.json(
        "data-holders", "log", hid, "--org", "acme", "--summary", "学習への利用を説明",
        "--channel", "email", "--date", "2026-10-01", "--outcome", "クレジット表記で合意",
    )  # fmt: skip
    assert logged["happened_on"] == "2026-10-01" and logged["channel"] == "email"
    log = cli.json("data-holders", "log", hid, "--org", "acme")
    assert [e["outcome"] for e in log] == ["クレジット表記で合意"]
    assert "クレジット表記で合意" in cli("data-holders", "log", hid, "--org", "acme").stdout
    benefit = cli.json(
        "data-holders", "benefits", "add", hid, "--org", "acme", "--kind", "attribution",
        "--recipient", "写真家協会の会員", "--since", "2026-10-01", "--method", "説明欄に表記",
    )  # fmt: skip
    assert (benefit["status"], benefit["until"]) == ("planned", None)
    ended = cli.json(
        "data-holders", "benefits", "update", str(benefit["id"]), "--org", "acme",
        "--version", "1", "--status", "ended", "--until", "2027-03-31",
    )  # fmt: skip
    assert (ended["status"], ended["until"], ended["version"]) == ("ended", "2027-03-31", 2)
    shown = cli("data-holders", "benefits", "list", hid, "--org", "acme").stdout
    assert "2027-03-31" in shown and "attribution" in shown
    archived = cli.json("data-holders", "archive", hid, "--org", "acme", "--version", "2")
    assert archived["archived_at"]
    assert [h["name"] for h in cli.json("data-holders", "list", "--org", "acme")] == ["=1+2"]
    cli("data-holders", "log", hid, "--org", "acme", "--summary", "x", code=8)


def test_errors_have_their_exit_codes(cli: Any) -> None:
    dataset = _dataset(cli)
    hid = str(cli.json("data-holders", "add", "--org", "acme", "--name", "市")["id"])
    # another organisation's holder and dataset record are unknown to it
    cli("data-holders", "log", hid, "--org", "other", code=3)
    cli("data-holders", "benefits", "list", hid, "--org", "other", code=3)
    cli("data-holders", "add", "--org", "other", "--name", "x", "--dataset", dataset, code=3)
    cli("data-holders", "add", "--org", "acme", "--name", "x" * 201, code=4)
    cli("data-holders", "add", "--org", "acme", "--name", "x", "--right", "fame", code=2)
    cli("data-holders", "log", hid, "--org", "acme", "--summary", "x", "--date", "2999-01-01",
        code=4)  # fmt: skip
    cli("data-holders", "log", hid, "--org", "acme", "--summary", "x", "--date", "昨日",
        code=4)  # fmt: skip
    cli("data-holders", "benefits", "add", hid, "--org", "acme", "--kind", "access",
        "--recipient", "市", "--since", "2026-10-01", "--until", "2026-09-01", code=4)  # fmt: skip
    cli("data-holders", "add", "--org", "acme", "--name", "x", "--user", "viewer@acme.example",
        code=7)  # fmt: skip
    assert cli.json("data-holders", "log", hid, "--org", "acme") == []
    assert cli.json("data-holders", "benefits", "list", hid, "--org", "acme") == []
