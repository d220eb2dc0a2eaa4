"""``tekisei systems export|import`` and ``tekisei risks export|import``: the round trip
from the command line, a dry run, problems by row with exit code 4, roles."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
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

    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    run("users", "create", "viewer@acme.example", "--org", "acme", "--role", "viewer",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    run("systems", "create", "--org", "acme", "--name", "採用書類スクリーニング", "--role", "user",
        "--domain", "employment", "--model", "gpt-4o-mini", "--model", "社内モデル")  # fmt: skip
    return run


def test_an_exported_inventory_imports_back_unchanged(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "systems.xlsx"
    cli("systems", "export", "--org", "acme", "-o", str(out), "--lang", "en")
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["ID", "Name"]
    assert [c.value for c in sheet[2]][1] == "採用書類スクリーニング"
    data = json.loads(cli("systems", "import", str(out), "--org", "acme", "--json").stdout)
    assert (data["applied"], data["unchanged"], data["updated"]) == (True, 1, 0)
    shown = json.loads(cli("systems", "show", "1", "--org", "acme", "--json").stdout)
    assert shown["system"]["version"] == 1


def test_a_dry_run_shows_the_changes_and_writes_nothing(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "systems.csv"
    cli("systems", "export", "--org", "acme", "-o", str(out), "--format", "csv", "--lang", "ja")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    rows[1][rows[0].index("責任者")] = "佐藤 一郎"
    rows.append(["", "問い合わせ対応ボット", "", "provider"] + [""] * (len(rows[0]) - 4))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    out.write_text(buffer.getvalue(), encoding="cp932")  # as Japanese Excel saves it
    dry = cli("systems", "import", str(out), "--org", "acme", "--dry-run", "--lang", "ja")
    assert "佐藤 一郎" in dry.stdout and "追加 1件、変更 1件" in dry.stdout
    listed = json.loads(cli("systems", "list", "--org", "acme", "--json").stdout)
    assert listed["total"] == 1
    done = cli("systems", "import", str(out), "--org", "acme", "--lang", "en")
    assert "1 added, 1 changed" in done.stdout
    assert json.loads(cli("systems", "list", "--org", "acme", "--json").stdout)["total"] == 2


def test_problems_are_listed_by_row_with_exit_code_4(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "risks.csv"
    bad.write_text(
        "AIシステムID,リスク名,リスクの分類,発生可能性,影響度\n"
        "1,偏り,social.bias,3,3\n"
        '1,=HYPERLINK("http://evil.example"),social.bias,3,3\n'
        "99,別組織,social.bias,9,3\n",
        encoding="utf-8",
    )
    result = cli("risks", "import", str(bad), "--org", "acme", "--lang", "en", code=4)
    errors = result.stderr.splitlines()
    assert errors[0].startswith("error: row 3, リスク名: the cell starts with '='")
    assert errors[1].startswith("error: row 4, 発生可能性: out of range")
    assert json.loads(cli("risks", "list", "--org", "acme", "--json").stdout)["total"] == 0
    ja = cli("risks", "import", str(bad), "--org", "acme", "--lang", "ja", code=4)
    assert "エラー: 行 3, リスク名:" in ja.stderr and "何も取り込んでいません" in ja.stdout


def test_a_viewer_exports_but_may_not_import(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "risks.csv"
    viewer = ("--org", "acme", "--user", "viewer@acme.example")
    cli("risks", "export", *viewer, "-o", str(out), "--format", "csv")
    refused = cli("risks", "import", str(out), *viewer, code=7)
    assert "may not" in refused.stderr or "権限" in refused.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in cli("systems", "import", str(empty), "--org", "acme", code=4).stderr
