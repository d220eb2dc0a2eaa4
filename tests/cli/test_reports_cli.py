"""``tekisei reports``: the check of issue 13 (the HAIP report exports as DOCX with seven
sections containing the workspace's risks and runs), the whole flow from a draft to a
published version and a take-down, and errors with their exit codes."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

PASSWORD = "correct horse battery\n"
RISKS = ("応募者の性別による偏り", "面接記録の漏えい")


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
    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    run("users", "create", "ceo@acme.example", "--org", "acme", "--role", "executive",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    run("users", "create", "viewer@acme.example", "--org", "acme", "--role", "viewer",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def _period() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return str(today - timedelta(days=30)), str(today + timedelta(days=1))


def _workspace(cli: Any, demo_url: str) -> str:
    """A system with two risks and an evaluation run, as a user makes them."""
    system = str(
        cli.json(
            "systems", "create", "--org", "acme", "--name", "採用書類スクリーニング",
            "--role", "developer", "--domain", "employment",
        )["id"]
    )  # fmt: skip
    for title, taxonomy in zip(RISKS, ("social.bias", "social.privacy"), strict=True):
        cli("risks", "add", "--org", "acme", "--system", system, "--title", title,
            "--taxonomy", taxonomy, "--likelihood", "4", "--impact", "4")  # fmt: skip
    cli(
        "eval", "run", "--system", system, "--org", "acme", "--suite", "tekisei-basics",
        "--target", f"openai:tekisei-demo-1@{demo_url}", "--run-id", "acme-basics-1", "--json",
    )  # fmt: skip
    return system


def test_the_haip_report_exports_as_docx_with_seven_sections_holding_the_risks_and_runs(
    cli: Any, demo_url: str, tmp_path: Path
) -> None:
    _workspace(cli, demo_url)
    start, end = _period()
    created = cli.json(
        "reports", "haip-create", "--org", "acme", "--title", "2026年度 HAIP報告",
        "--start", start, "--end", end, "--details-public",
    )  # fmt: skip
    assert created["status"] == "draft" and created["details_public"] is True
    out = tmp_path / "haip.docx"
    cli("reports", "haip", "--org", "acme", "--format", "docx", "-o", str(out), "--lang", "ja")
    opened = docx.Document(str(out))
    headings = [p.text for p in opened.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(".")[0] for h in headings] == list("1234567")
    assert headings[0] == "1. リスクの特定及び評価"
    cells = {cell.text for t in opened.tables for row in t.rows for cell in row.cells}
    assert set(RISKS) <= cells and "acme-basics-1" in cells
    english = tmp_path / "haip-en.docx"
    cli("reports", "haip", "--org", "acme", "--format", "docx", "-o", str(english),
        "--lang", "en", "--report", str(created["id"]))  # fmt: skip
    headings = [p.text for p in docx.Document(str(english)).paragraphs
                if p.style.name == "Heading 1"]  # fmt: skip
    assert headings[0] == "1. Risk identification and evaluation" and len(headings) == 7
    as_json = tmp_path / "haip.json"
    cli("reports", "haip", "--org", "acme", "--format", "json", "-o", str(as_json))
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert data["format"] == "tekisei-haip-report/1" and len(data["sections"]) == 7
    pdf = tmp_path / "haip.pdf"
    cli("reports", "haip", "--org", "acme", "--format", "pdf", "-o", str(pdf), "--lang", "en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "acme-basics-1" in text
    schema = json.loads(cli("reports", "haip-schema").stdout)
    assert schema["title"] == "HaipReportFile"


def test_a_report_goes_from_draft_to_published_and_down_from_the_cli(
    cli: Any, tmp_path: Path
) -> None:
    start, end = _period()
    narratives = tmp_path / "narratives.json"
    narratives.write_text(
        json.dumps({"1": {"ja": "台帳で管理", "en": "Kept in the register"}}, ensure_ascii=False),
        encoding="utf-8",
    )
    report = str(
        cli.json(
            "reports", "haip-create", "--org", "acme", "--title", "HAIP 2026", "--start", start,
            "--end", end, "--file", str(narratives),
        )["id"]
    )  # fmt: skip
    refused = cli("reports", "haip-publish", report, "--org", "acme", "--version", "1",
                  "--lang", "ja", code=8)  # fmt: skip
    assert "経営層の承認が必要です" in refused.stderr
    cli("reports", "haip-request-approval", report, "--org", "acme", "--version", "1")
    denied = cli("reports", "haip-approve", report, "--org", "acme", "--version", "1",
                 "--reason", "x", "--user", "viewer@acme.example", code=7)  # fmt: skip
    assert "may not approve reports" in denied.stderr and "an executive" in denied.stderr
    approved = cli.json("reports", "haip-approve", report, "--org", "acme", "--version", "1",
                        "--reason", "確認しました", "--user", "ceo@acme.example")  # fmt: skip
    assert approved["approved_for_publishing"] is True
    published = cli.json("reports", "haip-publish", report, "--org", "acme", "--version", "1")
    assert published["status"] == "published" and published["public_path"].startswith("/public/")
    listed = cli("reports", "haip-list", "--org", "acme", "--lang", "ja").stdout
    assert "HAIP 2026" in listed and "公開中" in listed
    shown = cli("reports", "haip-show", report, "--org", "acme", "--lang", "en").stdout
    assert "Kept in the register" in shown and "Risk identification and evaluation" in shown
    edited = cli.json("reports", "haip-edit", report, "--org", "acme", "--version", "1",
                      "--title", "HAIP 2026（改訂）")  # fmt: skip
    assert edited["version"] == 2 and edited["approved_for_publishing"] is False
    cli("reports", "haip-edit", report, "--org", "acme", "--version", "1", "--title", "x", code=8)
    taken = cli.json("reports", "haip-unpublish", report, "--org", "acme", "--reason", "改訂のため")
    assert taken["status"] == "withdrawn"


def test_errors_name_what_to_do_with_their_exit_codes(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "none.docx"
    missing = cli("reports", "haip", "--org", "acme", "-o", str(out), "--lang", "ja", code=3)
    assert "tekisei reports haip-create" in missing.stderr and not out.exists()
    cli("reports", "haip-show", "999", "--org", "acme", code=3)
    cli("reports", "haip-create", "--org", "acme", "--title", "x", "--start", "2026-13-01",
        "--end", "2026-12-31", code=4)  # fmt: skip
    backwards = cli("reports", "haip-create", "--org", "acme", "--title", "x", "--start",
                    "2026-12-31", "--end", "2026-01-01", "--lang", "ja", code=4)  # fmt: skip
    assert "報告期間の終わり" in backwards.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"9": {"ja": "x"}}), encoding="utf-8")
    cli("reports", "haip-create", "--org", "acme", "--title", "x", "--start", "2026-01-01",
        "--end", "2026-12-31", "--file", str(bad), code=4)  # fmt: skip
    cli("reports", "haip-create", "--org", "acme", "--title", "x", "--start", "2026-01-01",
        "--end", "2026-12-31", "--user", "viewer@acme.example", code=7)  # fmt: skip
    report = str(
        cli.json("reports", "haip-create", "--org", "acme", "--title", "x", "--start",
                 "2026-01-01", "--end", "2026-12-31")["id"]
    )  # fmt: skip
    cli("reports", "haip", "--org", "acme", "-o", str(out), "--format", "xlsx",
        "--report", report, code=4)  # fmt: skip
