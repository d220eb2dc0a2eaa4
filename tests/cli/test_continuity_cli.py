"""Business continuity from the command line: the plan shown as a draft, set from JSON and
YAML files (with versions, limits and a YAML alias bomb refused), reviewed, drills recorded
and listed, the overview, and ``tekisei check --json`` naming what blocks operation."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

PASSWORD = "correct horse battery\n"
PLAN_YAML = """\
version: 0
scenarios:
  - kind: outage
    procedure: 窓口で手作業の審査に切り替える
    rto: {value: 4, unit: hours}
    rpo: {value: 30, unit: minutes}
contacts:
  - {name: 山田, role: 審査部長, reach: 内線 1234}
"""
BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
version: 0
notes: boom
"""


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


def _system(cli: Any, org: str = "acme") -> str:
    created = cli.json(
        "systems", "create", "--org", org, "--name", "与信審査", "--role", "developer",
        "--domain", "finance", "--stage", "deploy", "--model", "gpt-x",
    )  # fmt: skip
    return str(created["id"])


def test_hostile_files_other_organisations_and_readers_are_refused(
    cli: Any, tmp_path: Path
) -> None:
    system = _system(cli)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    refused = cli("continuity", "plan", system, "--org", "acme", "--file", str(bomb), code=4)
    assert "bomb.yaml" in refused.stderr
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"version": 0, "notes": "x" * (1024 * 1024)}), encoding="utf-8")
    cli("continuity", "plan", system, "--org", "acme", "--file", str(big), code=4)
    negative = tmp_path / "negative.json"
    negative.write_text(
        json.dumps({"version": 0, "scenarios": [{"kind": "outage", "rto": {"value": -1}}]}),
        encoding="utf-8",
    )
    cli("continuity", "plan", system, "--org", "acme", "--file", str(negative), code=4)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    cli("continuity", "plan", system, "--org", "acme", "--file", str(listed), code=4)
    unversioned = tmp_path / "plan.yaml"
    unversioned.write_text(PLAN_YAML.replace("version: 0\n", ""), encoding="utf-8")
    cli("continuity", "plan", system, "--org", "acme", "--file", str(unversioned), code=4)
    assert cli.json("continuity", "plan", system, "--org", "acme")["exists"] is False
    good = tmp_path / "good.yaml"
    good.write_text(PLAN_YAML, encoding="utf-8")
    cli("continuity", "plan", system, "--org", "other", "--file", str(good), code=3)
    cli("continuity", "plan", system, "--org", "other", code=3)
    cli("continuity", "plan", system, "--org", "acme", "--user", "viewer@acme.example",
        "--file", str(good), code=7)  # fmt: skip
    cli("continuity", "plan", system, "--org", "acme", "--file", str(good))
    cli("continuity", "plan", system, "--org", "acme", "--file", str(good), code=8)  # stale


def test_plan_drill_and_the_gate_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    system = _system(cli)
    draft = cli.json("continuity", "plan", system, "--org", "acme")
    assert draft["exists"] is False and draft["dependencies"][0]["name"] == "gpt-x"
    check = cli("check", system, "--org", "acme", "--json", "--lang", "ja", code=2)
    out = json.loads(check.stdout)
    assert {"no-continuity-plan", "no-recent-drill"} <= set(out["codes"])
    assert any("事業継続計画" in m for m in out["missing"])
    english = json.loads(
        cli("check", system, "--org", "acme", "--json", "--lang", "en", code=2).stdout
    )
    assert any("business continuity plan" in m for m in english["missing"]), english
    cli("users", "create", "ceo@acme.example", "--org", "acme", "--role", "executive",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    request = cli.json("approvals", "request", system, "--org", "acme", "--to", "operate")
    refused = cli("approvals", "approve", str(request["id"]), "--org", "acme",
                  "--user", "ceo@acme.example", "--reason", "ok", code=8)  # fmt: skip
    assert "business continuity plan" in refused.stderr
    assert ".;" not in refused.stderr  # each reason is a sentence of its own
    verify = json.loads(cli("check", system, "--org", "acme", "--to", "deploy", "--json",
                            code=2).stdout)  # fmt: skip
    assert "no-continuity-plan" not in verify["codes"]
    assert verify["to_stage"] == "deploy"
    assert {"no-continuity-plan", "no-recent-drill"} == set(verify["before_operation_codes"])
    told = cli("check", system, "--org", "acme", "--to", "deploy", "--lang", "en", code=2)
    assert "Before operation it will also need" in told.stderr
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_YAML, encoding="utf-8")
    saved = cli.json("continuity", "plan", system, "--org", "acme", "--file", str(plan))
    assert saved["version"] == 1 and saved["scenarios"][0]["rto"] == {"value": 4, "unit": "hours"}
    reviewed = cli.json("continuity", "plan", system, "--org", "acme", "--review",
                        "--version", "1")  # fmt: skip
    assert reviewed["reviewed_on"] and reviewed["version"] == 2
    as_json = tmp_path / "plan.json"
    as_json.write_text(json.dumps({"version": 2, "notes": "年1回見直す"}), encoding="utf-8")
    assert (
        cli.json("continuity", "plan", system, "--org", "acme", "-f", str(as_json))["notes"]
        == "年1回見直す"
    )
    cli("continuity", "drill", system, "--org", "acme", "--scenario", "attack",
        "--outcome", "passed", code=4)  # fmt: skip
    old = (date.today() - timedelta(days=500)).isoformat()
    cli("continuity", "drill", system, "--org", "acme", "--scenario", "outage",
        "--outcome", "failed", "--date", old, "--findings", "=HYPERLINK(\"x\")")  # fmt: skip
    blocked = json.loads(cli("check", system, "--org", "acme", "--json", code=2).stdout)
    assert "no-recent-drill" in blocked["codes"] and "no-continuity-plan" not in blocked["codes"]
    drilled = cli.json("continuity", "drill", system, "--org", "acme", "--scenario", "outage",
                       "--outcome", "passed", "--findings", "4時間で復旧")  # fmt: skip
    assert drilled["outcome"] == "passed"
    passed = json.loads(cli("check", system, "--org", "acme", "--json", code=2).stdout)
    assert not {"no-continuity-plan", "no-recent-drill"} & set(passed["codes"])
    assert passed["before_operation_codes"] == []
    drills = cli.json("continuity", "drills", system, "--org", "acme")
    assert [d["outcome"] for d in drills] == ["passed", "failed"]
    assert drills[1]["findings"] == '=HYPERLINK("x")'
    overview = cli.json("continuity", "list", "--org", "acme")
    assert overview[0]["system_id"] == int(system) and overview[0]["missing"] == []
    table = cli("continuity", "list", "--org", "acme").stdout
    assert "与信審査" in table
    shown = cli("continuity", "plan", system, "--org", "acme").stdout
    assert "窓口で手作業の審査に切り替える" in shown and "内線 1234" in shown
