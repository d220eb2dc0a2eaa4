"""``tekisei audit`` from the command line: anchors, live and offline verification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.orgs import OrgRow
from tekisei.services.database import Database


@pytest.fixture
def cli(settings: Settings, empty_db: Database, tmp_path: Path) -> Any:
    anchors = tmp_path / "witness" / "anchors.jsonl"
    anchors.parent.mkdir()
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "TEKISEI_AUDIT_ANCHOR_FILE": str(anchors),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0, env_extra: dict[str, str | None] | None = None) -> Any:
        result = CliRunner().invoke(app, list(args), env=env | (env_extra or {}))
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run.json = lambda *args, code=0: json.loads(run(*args, "--json", code=code).stdout)  # type: ignore[attr-defined]
    run.anchors = anchors  # type: ignore[attr-defined]
    run.db = empty_db  # type: ignore[attr-defined]
    for slug in ("acme", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "business")
    for index in range(3):
        run("systems", "create", "--org", "acme", "--name", f"system {index}", "--role", "user")
    return run


def _truncate(database: Database, keep: int) -> None:
    with database.transaction() as session:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        session.execute(
            delete(AuditEventRow).where(AuditEventRow.org_id == org.id, AuditEventRow.seq > keep)
        )
        last = session.scalars(
            select(AuditEventRow).where(AuditEventRow.org_id == org.id, AuditEventRow.seq == keep).order_by(AuditEventRow.id)
        ).one()
        session.execute(
            update(OrgRow).where(OrgRow.id == org.id).values(audit_seq=keep, audit_head=last.hash)
        )


def test_anchor_then_verify_live_catches_a_truncation_naming_the_anchor(cli: Any) -> None:
    anchored = cli.json("audit", "anchor")
    assert [(a["org"], a["seq"]) for a in anchored["anchored"]] == [("acme", 4), ("other", 1)]
    assert anchored["started_file"] is True
    ok = cli.json("audit", "verify")
    assert ok["ok"] is True
    said = cli("audit", "verify", "--lang", "en").stdout
    assert "ok: acme, 4 events, no signed checkpoint yet (one is made at event 100" in said
    assert "ok: other, 1 event, " in said
    assert "signed through event 0" not in said
    assert [(o["org"], o["anchor"]["latest_seq"]) for o in ok["orgs"]] == [
        ("acme", 4),
        ("other", 1),
    ]
    _truncate(cli.db, keep=2)
    failed = cli("audit", "verify", code=4)
    assert failed.stderr.startswith("anchor line 1 (acme, event 4, taken ")
    assert "the chain ends at event 2" in failed.stderr
    # The anchor command refuses to witness the truncated chain, and anchors the other.
    refused = cli("audit", "anchor", code=4)
    assert "not anchored: acme" in refused.stderr and "anchored other at event 1" in refused.stdout


def test_verify_with_an_explicit_anchor_file_and_one_organisation(cli: Any, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.jsonl"
    cli("audit", "anchor", "--file", str(elsewhere))
    assert len(elsewhere.read_text(encoding="utf-8").splitlines()) == 2
    assert not cli.anchors.exists()
    checked = cli.json("audit", "verify", "--anchors", str(elsewhere), "--org", "other")
    assert [o["org"] for o in checked["orgs"]] == ["other"] and checked["ok"]
    # The default file does not exist: the live check warns; a named one must exist.
    missing = cli("audit", "verify", "--org", "acme")
    assert "warning: the anchor file (TEKISEI_AUDIT_ANCHOR_FILE) does not exist" in missing.stderr
    cli("audit", "verify", "--anchors", str(tmp_path / "nothing.jsonl"), code=3)


def test_an_export_of_a_tampered_chain_is_refused_with_exit_4(cli: Any, tmp_path: Path) -> None:
    with cli.db.transaction() as session:
        session.execute(update(AuditEventRow).where(AuditEventRow.seq == 2).values(actor="x"))
    out = tmp_path / "audit.json"
    failed = cli("audit", "export", "--org", "acme", "-o", str(out), code=4)
    assert "refuses to sign a new checkpoint" in failed.stderr
    assert "event 2 of acme" in failed.stderr
    assert not out.exists()
    with cli.db.reading() as session:
        assert session.scalars(select(AuditCheckpointRow)).first() is None


def test_an_export_is_verified_offline_against_the_anchor_file(cli: Any, tmp_path: Path) -> None:
    cli("audit", "anchor")
    out = tmp_path / "audit.json"
    cli("audit", "export", "--org", "acme", "-o", str(out))
    checked = cli.json("audit", "verify", str(out), "--anchors", str(cli.anchors))
    assert checked["ok"] and checked["anchor"]["checked"] == 1
    # Dropping the last event and its checkpoint from the export is caught at its head.
    data = json.loads(out.read_text(encoding="utf-8"))
    data["events"] = data["events"][:-1]
    data["checkpoints"] = []
    out.write_text(json.dumps(data), encoding="utf-8")
    failed = cli("audit", "verify", str(out), "--anchors", str(cli.anchors), code=4)
    lines = failed.stderr.splitlines()
    assert lines[0].startswith("event 3 of acme: no signed checkpoint at the head")
    assert lines[1].startswith("anchor line 1 (acme, event 4, taken ")


def test_anchor_needs_a_file(cli: Any) -> None:
    failed = cli("audit", "anchor", code=5, env_extra={"TEKISEI_AUDIT_ANCHOR_FILE": None})
    assert "TEKISEI_AUDIT_ANCHOR_FILE" in failed.stderr


def test_the_audit_formats_have_json_schemas(cli: Any) -> None:
    anchor = json.loads(cli("audit", "schema", "anchor").stdout)
    assert anchor["properties"]["format"]["const"] == "tekisei-audit-anchor/1"
    export = json.loads(cli("audit", "schema", "export").stdout)
    assert export["properties"]["format"]["const"] == "tekisei-audit-export/1"


def test_baseline_is_refused_when_the_chain_needs_none(cli: Any) -> None:
    failed = cli("audit", "baseline", "--org", "acme", code=4)
    assert "no baseline is needed" in failed.stderr


def test_an_old_chain_fails_with_a_hint_and_a_baseline_makes_it_verify(cli: Any) -> None:
    from tekisei.services import audit
    from tekisei.services.audit import SIGNER_KEY

    with cli.db.transaction() as session:
        session.info.pop(SIGNER_KEY)  # written as by a tekisei without signed intervals
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        for index in range(100):
            audit.record(session, org, "cli", "test.event", "test", index, {})
    failed = cli("audit", "verify", "--org", "acme", code=4)
    lines = failed.stderr.splitlines()
    assert lines[0].startswith("event 100 of acme: no signed checkpoint")
    assert "tekisei audit baseline --org acme" in failed.stderr
    done = cli("audit", "baseline", "--org", "acme")
    assert "baseline of acme signed at event 105" in done.stdout
    assert "proves the chain up to event 105 has not changed since now" in done.stdout
    assert cli.json("audit", "verify", "--org", "acme")["ok"] is True
