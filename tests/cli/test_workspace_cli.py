"""The workspace from the command line: the flow an administrator follows."""

from __future__ import annotations

import json
from pathlib import Path
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
    run(
        "orgs",
        "create",
        "Chiyoda City",
        "--slug",
        "chiyoda",
        "--actor",
        "local",
        "--responsible",
        "山田 花子",
        "--responsible-title",
        "CAIO",
    )
    run(
        "users",
        "create",
        "admin@city.example",
        "--org",
        "chiyoda",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD,
    )
    run(
        "users",
        "create",
        "ceo@city.example",
        "--org",
        "chiyoda",
        "--role",
        "executive",
        "--password-stdin",
        stdin=PASSWORD,
    )
    return run


def test_tokens_create_prints_the_token_once(cli: Any) -> None:
    data = cli.json(
        "tokens", "create", "--user", "admin@city.example", "--org", "chiyoda", "--expires", "30"
    )
    assert data["token"].startswith("tks_")
    listed = cli.json("tokens", "list", "--org", "chiyoda")
    assert data["token"] not in json.dumps(listed)
    assert listed[0]["prefix"] == data["token"][:12]


def test_password_must_come_from_stdin(cli: Any) -> None:
    result = cli(
        "users", "create", "x@city.example", "--org", "chiyoda", "--role", "viewer", code=4
    )
    assert "--password-stdin" in result.stderr


def test_systems_and_risks_round_trip(cli: Any) -> None:
    created = cli.json(
        "systems",
        "create",
        "--org",
        "chiyoda",
        "--name",
        "問い合わせボット",
        "--role",
        "user",
        "--deployment",
        "public",
        "--data",
        "personal",
    )
    assert created["tier"] == "limited"
    system = str(created["id"])
    updated = cli.json(
        "systems", "update", system, "--org", "chiyoda", "--version", "1", "--data", "sensitive"
    )
    assert (updated["tier"], updated["version"]) == ("high", 2)
    stale = cli(
        "systems",
        "update",
        system,
        "--org",
        "chiyoda",
        "--version",
        "1",
        "--name",
        "上書き",
        code=8,
    )
    assert "version 1" in stale.stderr
    risk = cli.json(
        "risks",
        "add",
        "--org",
        "chiyoda",
        "--system",
        system,
        "--title",
        "誤った案内",
        "--taxonomy",
        "technical.hallucination",
        "--likelihood",
        "4",
        "--impact",
        "3",
        "--residual-likelihood",
        "2",
        "--residual-impact",
        "2",
    )
    denied = cli(
        "risks",
        "accept",
        str(risk["id"]),
        "--org",
        "chiyoda",
        "--version",
        "1",
        "--note",
        "ok",
        "--user",
        "admin@city.example",
        code=7,
    )
    assert "may not accept risk" in denied.stderr
    accepted = cli.json(
        "risks",
        "accept",
        str(risk["id"]),
        "--org",
        "chiyoda",
        "--version",
        "1",
        "--note",
        "職員確認で受容",
        "--user",
        "ceo@city.example",
    )
    assert accepted["status"] == "accepted"
    shown = cli.json("systems", "show", system, "--org", "chiyoda")
    assert "3(4)" in [r["section"] for r in shown["requirements"]]
    assert shown["risks"][0]["status"] == "accepted"
    # the executive's account is days younger than TEKISEI_APPROVER_MIN_AGE_DAYS: the
    # audit log says so on the acceptance, as the audit page and the API do
    events = cli.json("audit", "events", "--org", "chiyoda", "--action", "risk.accept")
    assert events["items"][0]["flags"][0] == "young_approver"
    listed = cli("audit", "events", "--org", "chiyoda", "--action", "risk.accept").stdout
    assert "flags" in listed and "approver" in listed  # the table's width cuts long cells


def test_the_risk_register_exports_from_the_cli(cli: Any, tmp_path: Path) -> None:
    system = cli.json("systems", "create", "--org", "chiyoda", "--name", "窓口AI", "--role", "user")
    evil = "=cmd|' /C calc'!A0"
    cli("risks", "add", "--org", "chiyoda", "--system", str(system["id"]), "--title", evil,
        "--taxonomy", "social.bias", "--likelihood", "2", "--impact", "2")  # fmt: skip
    out = tmp_path / "risks.csv"
    cli("risks", "export", "--org", "chiyoda", "--format", "csv", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert "\"'=cmd|' /C calc'!A0\"" in text and "窓口AI" in text
    cli("risks", "export", "--org", "chiyoda", "-o", str(tmp_path / "r.xlsx"))
    assert (tmp_path / "r.xlsx").read_bytes().startswith(b"PK")


def test_audit_export_verifies_and_a_changed_byte_fails(cli: Any, tmp_path: Path) -> None:
    cli("systems", "create", "--org", "chiyoda", "--name", "文書要約", "--role", "user")
    export = tmp_path / "audit.json"
    cli("audit", "export", "--org", "chiyoda", "--output", str(export))
    ok = cli.json("audit", "verify", str(export))
    assert ok["ok"] is True and ok["events"] >= 4
    text = export.read_text(encoding="utf-8")
    export.write_text(text.replace("文書要約", "文書要約!", 1), encoding="utf-8")
    failed = cli("audit", "verify", str(export), code=4)
    assert failed.stderr.startswith("event ")
    assert "was changed" in failed.stderr.splitlines()[0]


def test_audit_verify_rejects_a_file_that_is_not_an_export(cli: Any, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text("{}", encoding="utf-8")
    assert "tekisei audit export" in cli("audit", "verify", str(other), code=4).stderr


def test_demo_load_prints_how_to_sign_in(cli: Any) -> None:
    result = cli("demo", "load")
    assert "admin@demo-corp.example" in result.stdout
    assert "password / パスワード:" in result.stdout
    again = cli.json("demo", "load", "--if-empty")
    assert again["created"] is False and again["password"]


def test_assess_a_system_with_evidence_from_the_cli(cli: Any, tmp_path: Path) -> None:
    system = str(
        cli.json(
            "systems",
            "create",
            "--org",
            "chiyoda",
            "--name",
            "窓口チャット",
            "--role",
            "user",
            "--deployment",
            "public",
        )["id"]
    )
    started = cli.json("assessments", "start", system, "--org", "chiyoda")
    assert started["overall"]["answered"] == 0
    proof = tmp_path / "caio.pdf"
    proof.write_bytes(b"%PDF-1.4\n%%EOF\n")
    evidence = cli.json("evidence", "add", "--org", "chiyoda", "--file", str(proof))
    assert evidence["kind"] == "file" and evidence["content_type"] == "application/pdf"
    answered = cli.json(
        "assessments",
        "answer",
        system,
        "3(4)",  # a city names who is responsible (fn20's CAIO is for ministries)
        "--org",
        "chiyoda",
        "--state",
        "implemented",
        "--evidence",
        str(evidence["id"]),
    )
    assert answered["state"] == "implemented"
    view = cli.json(
        "assessments",
        "show",
        system,
        "--org",
        "chiyoda",
        "--framework",
        "digital-agency-genai-2025",
    )
    # 3(4) overlaps DS-920's CAIO: it carries over in part
    assert next(i for i in view["items"] if i["section"] == "CAIO")["state"] == "partial"
    refused = cli(
        "assessments",
        "answer",
        system,
        "2(4)",
        "--org",
        "chiyoda",
        "--state",
        "not_applicable",
        code=4,
    )
    assert "justification" in refused.stderr
    report = tmp_path / "report.xlsx"
    cli(
        "assessments",
        "export",
        system,
        "--org",
        "chiyoda",
        "--format",
        "xlsx",
        "-o",
        str(report),
        "--view",
        "digital-agency-genai-2025",
    )
    assert report.read_bytes().startswith(b"PK\x03\x04")
    cli("assessments", "close", system, "--org", "chiyoda")
    shown = cli.json("assessments", "show", system, "--org", "chiyoda")
    assert shown["status"] == "closed"


def test_check_exits_non_zero_until_the_gates_are_met(cli: Any) -> None:
    system = str(
        cli.json("systems", "create", "--org", "chiyoda", "--name", "議事録要約", "--role", "user")[
            "id"
        ]
    )
    failing = cli("check", system, "--org", "chiyoda", "--json", code=2)
    assert json.loads(failing.stdout)["ok"] is False
    assert "no-assessment" in json.loads(failing.stdout)["codes"]
    cli("assessments", "start", system, "--org", "chiyoda")
    report = cli.json("assessments", "show", system, "--org", "chiyoda")
    for item in report["items"]:
        cli(
            "assessments",
            "answer",
            system,
            item["urn"],
            "--org",
            "chiyoda",
            "--state",
            "implemented",
        )
    passing = cli.json("check", system, "--org", "chiyoda")
    assert passing == {
        "ok": True,
        "missing": [],
        "codes": [],
        "completeness": 1.0,
        "threshold": 0.5,
        "to_stage": "deploy",
        "before_operation": [],
        "before_operation_codes": [],
    }
    request = cli.json("approvals", "request", system, "--org", "chiyoda", "--to", "operate")
    cli(
        "approvals",
        "approve",
        str(request["id"]),
        "--org",
        "chiyoda",
        "--user",
        "admin@city.example",
        "--reason",
        "ok",
        code=7,
    )
    done = cli.json(
        "approvals",
        "approve",
        str(request["id"]),
        "--org",
        "chiyoda",
        "--user",
        "ceo@city.example",
        "--reason",
        "職員確認の運用を確認",
    )
    assert done["status"] == "approved"
    shown = cli.json("systems", "show", system, "--org", "chiyoda")
    assert shown["system"]["stage"] == "operate"


def test_apply_twice_then_check(cli: Any, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "governance" / "system.yaml"
    text = example.read_text(encoding="utf-8").replace("org: demo-corp", "org: chiyoda")
    text = text.replace("owner: admin@demo-corp.example", "owner: admin@city.example")
    text = text.replace("owner: exec@demo-corp.example", "owner: ceo@city.example")
    path = tmp_path / "system.yaml"
    path.write_text(text, encoding="utf-8")
    first = cli.json("apply", "-f", str(path))
    assert first["changed"] is True and first["system"]
    assert cli.json("apply", "-f", str(path))["changed"] is False
    preview = cli.json("apply", "-f", str(path), "--dry-run")
    assert preview["changed"] is False and preview["dry_run"] is True
    failing = cli("check", str(first["system"]), "--org", "chiyoda", "--json", code=2)
    assert json.loads(failing.stdout)["codes"] == ["completeness"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace("likelihood: 3\n    impact: 4", "likelihood: 7\n    impact: 4"),
        encoding="utf-8",
    )
    result = cli("apply", "-f", str(broken), code=4)
    assert f"{broken}:" in result.stderr and "likelihood" in result.stderr


def test_eval_run_on_a_system_is_evidence_and_check_reflects_it(
    cli: Any, demo_url: str, tmp_path: Path
) -> None:
    system = str(
        cli.json(
            "systems", "create", "--org", "chiyoda", "--name", "住民問い合わせチャット",
            "--role", "provider", "--deployment", "public",
        )["id"]
    )  # fmt: skip
    cli("assessments", "start", system, "--org", "chiyoda")
    target = f"openai:tekisei-demo-1@{demo_url}"
    run = cli(
        "eval", "run", "--system", system, "--org", "chiyoda", "--suite", "tekisei-basics",
        "--target", target, "--run-id", "city-1", "--fail-under", "0.9", "--json", code=2,
    )  # fmt: skip
    report = json.loads(run.stdout)
    assert report["run_id"] == "city-1" and report["status"] == "finished"
    assert "p5-canary-ja" in {f["case"] for f in report["failing"]}
    assert any(r.endswith(":fn8") for r in report["requirements"])
    assert report["by_risk"]["social.privacy"]["total"] > 0
    suggested = {s["taxonomy"]: s for s in report["suggested_risks"]}
    assert "social.privacy" in suggested

    check = cli("check", system, "--org", "chiyoda", "--eval-pass-rate", "0.9", "--json", code=2)
    out = json.loads(check.stdout)
    assert "eval-below" in out["codes"] and out["latest_eval"]["key"] == "city-1"
    cli("check", system, "--org", "chiyoda", "--eval-max-age", "3", code=4)  # needs a rate

    listed = cli.json("eval", "list", "--org", "chiyoda", "--system", system)
    assert [r["key"] for r in listed] == ["city-1"]
    shown = cli.json("eval", "show", "city-1", "--org", "chiyoda")
    assert shown["evidence"] == report["evidence"]
    failing = cli.json("eval", "results", "city-1", "--org", "chiyoda", "--failing")
    assert all(not r["passed"] for r in failing) and failing[0]["output"]
    text = cli("eval", "show", "city-1", "--org", "chiyoda").stdout
    assert "p5-canary-ja" in text and "social.privacy" in text
    exported = tmp_path / "city-1.jsonl"
    cli("eval", "export", "city-1", "--org", "chiyoda", "-o", str(exported))
    assert len(exported.read_text(encoding="utf-8").splitlines()) == 1 + report["cases"]
    cli("eval", "export", "city-1", "--org", "chiyoda", "--format", "xml", code=4)
    handed_on = tmp_path / "city-1.html"
    cli("eval", "report", "city-1", "--org", "chiyoda", "-o", str(handed_on), "--lang", "en")
    assert "Evaluation run report city-1" in handed_on.read_text(encoding="utf-8")
    cli("eval", "report", "city-1", "--org", "chiyoda", "-o", str(handed_on), "--format", "doc",
        code=4)  # fmt: skip
    cli("eval", "show", "nope", "--org", "chiyoda", code=3)

    privacy = suggested["social.privacy"]["id"]
    cli("eval", "suggestions", "accept", str(privacy), "--org", "chiyoda", code=4)  # impact
    accepted = cli.json(
        "eval", "suggestions", "accept", str(privacy), "--org", "chiyoda", "--impact", "4"
    )
    risks = cli.json("risks", "list", "--org", "chiyoda", "--system", system)
    risk = next(r for r in risks["items"] if r["id"] == accepted["risk"])
    assert risk["taxonomy"] == ["social.privacy"] and risk["impact"] == 4
    crime = str(suggested["social.crime"]["id"])
    cli("eval", "suggestions", "dismiss", crime, "--org", "chiyoda", "--note", "利用規約で禁止")
    pending = cli.json("eval", "suggestions", "list", "--org", "chiyoda")
    assert privacy not in [s["id"] for s in pending]

    # the same run again: nothing changed, and compare says so
    cli(
        "eval", "run", "--system", system, "--org", "chiyoda", "--suite", "tekisei-basics",
        "--target", target, "--run-id", "city-2",
    )  # fmt: skip
    compared = cli.json("eval", "compare", "city-1", "city-2", "--org", "chiyoda")
    assert compared["fixed"] == compared["regressed"] == []
    assert "regressed" in cli("eval", "compare", "city-1", "city-2", "--org", "chiyoda").stdout
    # a run needs both --system and --org
    cli("eval", "run", "--system", system, "--suite", "tekisei-basics", "--target", target, code=4)


def test_what_a_target_answered_is_printed_as_text_never_as_markup_or_escapes(
    cli: Any, tmp_path: Path
) -> None:
    """A target chooses its answers: console markup ("[/]") must not crash or restyle the
    listing, terminal escapes must not clear the screen, NUL must not stop the run being
    stored."""
    system = str(
        cli.json(
            "systems", "create", "--org", "chiyoda", "--name", "問い合わせ", "--role", "provider",
        )["id"]
    )  # fmt: skip
    hostile = "[/] [bold red]FAKE PASS[/bold red] \x1b[2J\x1b]0;pwned\x07 null:\x00 end"
    log = {
        "eval": {"task": "hostile", "model": "m", "run_id": "hostile-1"},
        "samples": [
            {
                "id": "s1",
                "input": "hello",
                "target": "",
                "metadata": {"perspective": "P1"},
                "output": {"completion": hostile},
                "scores": {"includes": {"value": "I", "explanation": hostile}},
            }
        ],
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(log), encoding="utf-8")
    cli("eval", "import", str(path), "--system", system, "--org", "chiyoda")
    listed = cli.json("eval", "list", "--org", "chiyoda", "--system", system)
    key = listed[0]["key"]
    out = cli("eval", "results", key, "--org", "chiyoda").stdout
    assert "[/] [bold red]FAKE PASS[/bold red]" in out
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    stored = cli.json("eval", "results", key, "--org", "chiyoda")
    assert "\x00" not in stored[0]["output"] and "\ufffd" in stored[0]["output"]


def test_an_organisations_time_zone_is_set_from_the_cli_and_an_unknown_one_refused(
    cli: Any,
) -> None:
    shown = cli.json("orgs", "show", "--org", "chiyoda")
    assert (shown["time_zone"], shown["time_zone_is_default"]) == ("Asia/Tokyo", True)
    changed = cli.json("orgs", "update", "--org", "chiyoda", "--time-zone", "Europe/London")
    assert (changed["time_zone"], changed["time_zone_is_default"]) == ("Europe/London", False)
    assert changed["name"] == "Chiyoda City" and changed["responsible_person"] == "山田 花子"
    refused = cli("orgs", "update", "--org", "chiyoda", "--time-zone", "Asia/Tokio", code=4)
    assert "unknown time zone 'Asia/Tokio'" in refused.output + (refused.stderr or "")
    assert cli.json("orgs", "show", "--org", "chiyoda")["time_zone"] == "Europe/London"
    back = cli.json("orgs", "update", "--org", "chiyoda", "--time-zone", "")
    assert (back["time_zone"], back["time_zone_is_default"]) == ("Asia/Tokyo", True)
    events = cli.json("audit", "events", "--org", "chiyoda", "--action", "org.update")["items"]
    assert [e["summary"]["after"]["time_zone"] for e in events] == [None, "Europe/London"]


def test_owners_are_named_by_a_members_email_on_the_command_line(cli: Any) -> None:
    system = str(
        cli.json("systems", "create", "--org", "chiyoda", "--name", "窓口AI", "--role", "user")[
            "id"
        ]
    )
    add = ["risks", "add", "--org", "chiyoda", "--system", system, "--title", "誤案内"]
    add += ["--taxonomy", "technical.hallucination", "--likelihood", "3", "--impact", "3"]
    risk = cli.json(*add, "--owner", "ceo@city.example")
    assert risk["owner"]["email"] == "ceo@city.example" and risk["owner_id"]
    refused = cli(*add, "--owner", "someone@elsewhere.example", code=4)
    assert "someone@elsewhere.example is not a member" in refused.stderr
    cleared = cli.json(
        "risks", "update", str(risk["id"]), "--org", "chiyoda", "--version", "1", "--owner", ""
    )
    assert (cleared["owner"], cleared["owner_id"], cleared["version"]) == (None, None, 2)
    cli("assessments", "start", system, "--org", "chiyoda")
    answer = ["assessments", "answer", system, "1(3)①", "--org", "chiyoda", "--state", "partial"]
    cli(*answer, "--owner", "admin@city.example")
    shown = cli.json("assessments", "show", system, "--org", "chiyoda")
    owned = [i["owner"] for i in shown["items"] if i["owner"]]
    assert [o["email"] for o in owned] == ["admin@city.example"]
    cli(*answer, "--owner", "nobody@city.example", code=4)
    # options left out keep what was recorded; an empty one clears it
    cli(*answer, "--notes", "監視を始めた")
    cli(*answer[:-1], "implemented")
    item = next(
        i
        for i in cli.json("assessments", "show", system, "--org", "chiyoda")["items"]
        if i["owner"]
    )
    assert (item["state"], item["notes"], item["owner"]["email"]) == (
        "implemented", "監視を始めた", "admin@city.example",
    )  # fmt: skip
    cli(*answer, "--owner", "", "--notes", "")
    items = cli.json("assessments", "show", system, "--org", "chiyoda")["items"]
    assert not [i for i in items if i["owner"] or i["notes"] == "監視を始めた"]
    refused = cli(*answer[:-1], "not_applicable", code=4)
    assert "理由" in refused.stderr or "justification" in refused.stderr
