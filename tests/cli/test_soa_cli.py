"""The Statement of Applicability from the command line: the issue's check (the SoA XLSX
has 38 control rows whose states follow the assessment), stating and approving controls,
and errors with their exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

PASSWORD = "correct horse battery\n"
HEADER = 9


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
    for email, role in (("ceo@acme.example", "executive"), ("viewer@acme.example", "viewer"),
                        ("tester@lab.example", "external_tester"),
                        ("admin@acme.example", "admin")):  # fmt: skip
        run("users", "create", email, "--org", "acme", "--role", role, "--password-stdin",
            stdin=PASSWORD)  # fmt: skip
    return run


def _states(path: Path) -> dict[str, str]:
    sheet = load_workbook(path).worksheets[0]
    return {
        str(row[0]): str(row[6])
        for row in sheet.iter_rows(min_row=HEADER + 1, values_only=True)
        if row[0] is not None
    }


def test_the_soa_workbook_has_38_control_rows_whose_states_follow_the_assessment(
    cli: Any, tmp_path: Path
) -> None:
    created = cli.json("systems", "create", "--org", "acme", "--name", "応答AI",
                       "--role", "provider")  # fmt: skip
    system = str(created["id"])
    cli("assessments", "start", system, "--org", "acme")
    before = tmp_path / "before.xlsx"
    out = cli("reports", "soa", "--org", "acme", "--format", "xlsx", "-o", str(before)).stdout
    assert str(before) in out and "bytes" in out
    states = _states(before)
    assert len(states) == 38 and states["A.5.2"] == "not started"  # C.UTF-8 reads English
    cli("assessments", "answer", system, "2(3)", "--org", "acme", "--state", "implemented")
    cli("assessments", "answer", system, "iso-iec-42001-2023:A.6.2.4", "--org", "acme",
        "--state", "implemented")  # fmt: skip
    after = tmp_path / "after.xlsx"
    cli("reports", "soa", "--org", "acme", "--format", "xlsx", "-o", str(after), "--lang", "ja")
    states = _states(after)
    assert len(states) == 38
    assert states["A.5.2"] == "一部実施" and states["A.6.2.4"] == "実施済み"
    pdf = tmp_path / "soa.pdf"
    cli("reports", "soa", "--org", "acme", "--format", "pdf", "-o", str(pdf), "--lang", "en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Statement of Applicability" in text and "A.10.4" in text


def test_controls_are_stated_shown_and_approved_from_the_cli(cli: Any, tmp_path: Path) -> None:
    shown = cli.json("soa", "show", "--org", "acme")
    assert len(shown["controls"]) == 38 and shown["version"] == 0
    stated = cli.json("soa", "set", "A.10.3", "--org", "acme", "--version", "0",
                      "--not-applicable", "--justification", "外部の供給者を使わない",
                      "--owner", "viewer@acme.example")  # fmt: skip
    assert stated["control"]["applicable"] is False and stated["soa_version"] == 1
    assert stated["control"]["owner"]["user_id"] > 0  # the member, by their email
    table = cli("soa", "show", "--org", "acme", "--lang", "ja").stdout
    assert "A.10.3" in table and "適用しない" in table
    one = cli("soa", "show", "--org", "acme", "--control", "A.10.3", "--lang", "en").stdout
    assert "Suppliers" in one and "not applicable" in one
    approved = cli.json("soa", "approve", "--org", "acme", "--version", "1",
                        "--user", "ceo@acme.example", "--note", "承認する")  # fmt: skip
    assert approved["number"] == 1 and approved["statement"]["version"] == 1
    history = cli.json("soa", "history", "--org", "acme")
    assert [(h["soa_version"], h["control"]) for h in history] == [(1, "A.10.3")]
    kept = tmp_path / "approved.xlsx"
    cli("reports", "soa", "--org", "acme", "-o", str(kept), "--approval", "1")
    assert len(_states(kept)) == 38


def test_errors_have_their_exit_codes(cli: Any, tmp_path: Path) -> None:
    out = str(tmp_path / "x")
    # an excluded control without a reason; a stale version; no such control
    result = cli("soa", "set", "A.7.2", "--org", "acme", "--version", "0", "--not-applicable",
                 "--lang", "ja", code=4)  # fmt: skip
    assert "理由を記入してください" in result.stderr
    cli("soa", "set", "A.7.2", "--org", "acme", "--version", "0", "--notes", "x")
    cli("soa", "set", "A.7.2", "--org", "acme", "--version", "0", "--notes", "y", code=8)
    cli("soa", "set", "A.99", "--org", "acme", "--version", "0", "--notes", "y", code=3)
    cli("soa", "set", "A.7.2", "--org", "acme", "--version", "1", "--owner",
        "nobody@other.example", code=4)  # fmt: skip
    # roles: a viewer writes nothing, the administrator approves nothing, a tester reads nothing
    cli("soa", "set", "A.7.2", "--org", "acme", "--version", "1", "--notes", "z",
        "--user", "viewer@acme.example", code=7)  # fmt: skip
    cli("soa", "approve", "--org", "acme", "--version", "1", "--user", "admin@acme.example",
        code=7)  # fmt: skip
    cli("soa", "show", "--org", "acme", "--user", "tester@lab.example", code=7)
    cli("reports", "soa", "--org", "acme", "-o", out, "--user", "tester@lab.example", code=7)
    cli("reports", "soa", "--org", "acme", "-o", out, "--format", "csv", code=4)
    cli("reports", "soa", "--org", "acme", "-o", out, "--approval", "5", code=3)
    cli("soa", "approve", "--org", "acme", "--version", "2", "--user", "ceo@acme.example", code=8)
    assert not Path(out).exists()
