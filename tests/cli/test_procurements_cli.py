"""Procurements from the command line: the checklist, create, set, show, list and the CSV
export, in JSON and as tables, with errors and their exit codes (not found, invalid,
denied, conflict)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.procurements import CHECKLIST
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
    run("users", "create", "viewer@city.example", "--org", "city", "--role", "viewer",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def test_a_procurement_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    listed = cli.json("procurements", "checklist")
    assert len(listed) == len(CHECKLIST)
    assert "not an official text" in cli("procurements", "checklist", "--lang", "en").stdout
    system = str(
        cli.json("systems", "create", "--org", "city", "--name", "窓口案内AI", "--role", "user")[
            "id"
        ]
    )
    vendor = str(cli.json("vendors", "add", "--org", "city", "--name", "クラウドAI社")["id"])
    city = ("--org", "city")
    cli("procurements", "create", system, *city, "--title", "利用契約", "--phase", "contracted",
        code=4)  # fmt: skip
    cli("procurements", "create", system, *city, "--title", "t", "--tender-on", "2026-13-01",
        code=4)  # fmt: skip
    cli("procurements", "create", system, "--org", "other", "--title", "t", code=3)
    cli("procurements", "create", system, *city, "--title", "t", "--user",
        "viewer@city.example", code=7)  # fmt: skip
    made = cli.json("procurements", "create", system, *city, "--title", "=1+1",
                    "--vendor", vendor, "--reference", "R8-1")  # fmt: skip
    pid = str(made["id"])
    cli("procurements", "set", system, pid, *city, "--version", "1",
        "--item", "personal-abroad=not_applicable", code=4)  # fmt: skip
    cli("procurements", "set", system, pid, *city, "--version", "1",
        "--item", "data-location=maybe", code=4)  # fmt: skip
    cli("procurements", "set", system, pid, *city, "--version", "1",
        "--item", "no-such=open", code=4)  # fmt: skip
    saved = cli.json("procurements", "set", system, pid, *city, "--version", "1",
                     "--item", "personal-abroad=not_applicable",
                     "--note", "personal-abroad=国内のみ",
                     "--item", "data-location=in_tender", "--phase", "contracted")  # fmt: skip
    assert saved["version"] == 3 and saved["phase"] == "contracted"
    assert "data-location" in saved["completeness"]["gaps"]
    cli("procurements", "set", system, pid, *city, "--version", "1",
        "--item", "data-location=open", code=8)  # fmt: skip
    assert f"procurement {pid}" in cli("procurements", "show", system, pid, *city).stdout
    shown = cli.json("procurements", "show", system, pid, *city)
    assert shown["checklist"]["personal-abroad"]["note"] == "国内のみ"
    assert [p["id"] for p in cli.json("procurements", "list", system, *city)] == [int(pid)]
    assert "contracted" in cli("procurements", "list", system, *city).stdout
    cli("procurements", "show", system, pid, "--org", "other", code=3)
    out = tmp_path / "annex.csv"
    cli("procurements", "export", system, pid, *city, "--lang", "en", "--output", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Procurement", "'=1+1"]
    assert any(r and r[0] == "personal-abroad" and r[5] == "国内のみ" for r in rows)
    printed = cli("procurements", "export", system, pid, *city, "--lang", "ja").stdout
    assert "項目ID" in printed
