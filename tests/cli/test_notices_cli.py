"""Records and notices from the command line: the flow of issue 13 (create a system, add
a dataset record, draft and publish its notice, publish a second version), the executive
approval of a high-tier notice, and errors with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.services.public_notices import PublicNotice, read_notice

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
    run("orgs", "create", "Acme", "--slug", "acme", "--actor", "business")
    run("users", "create", "ceo@acme.example", "--org", "acme", "--role", "executive",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    return run


def _system(cli: Any, *extra: str) -> int:
    created = cli.json(
        "systems", "create", "--org", "acme", "--name", "問い合わせ応答AI", "--role", "provider",
        "--purpose", "製品についての質問に答える。", "--deployment", "public",
        "--contact", "support@acme.example", *extra,
    )  # fmt: skip
    return int(created["id"])


def test_records_are_added_and_listed_with_json(cli: Any) -> None:
    system = str(_system(cli))
    model = cli.json(
        "records", "models", "add", "--org", "acme", "--system", system, "--name", "応答モデル",
        "--provider", "Acme Lab", "--model-card", "https://lab.example/card",
        "--disclose", "name", "--disclose", "provider",
    )  # fmt: skip
    assert model["disclosed"] == ["name", "provider"] and model["version"] == 1
    cli("records", "models", "add", "--org", "acme", "--system", system, "--name", "m",
        "--model-card", "javascript:alert(1)", code=4)  # fmt: skip
    dataset = cli.json(
        "records", "datasets", "add", "--org", "acme", "--system", system, "--name", "FAQ集",
        "--source", "自社のFAQ", "--personal-data", "personal", "--copyrighted", "no",
        "--opt-out", "not_applicable", "--data-holder", "自社", "--disclose", "name",
    )  # fmt: skip
    assert dataset["personal_data"] == ["personal"] and dataset["data_holders"] == ["自社"]
    listed = cli.json("records", "datasets", "list", "--org", "acme", "--system", system)
    assert [d["name"] for d in listed] == ["FAQ集"]
    table = cli("records", "models", "list", "--org", "acme", "--system", system).stdout
    assert "応答モデル" in table and "Acme Lab" in table
    cli("records", "models", "list", "--org", "acme", "--system", "999", code=3)


def test_a_notice_is_drafted_published_and_republished_from_the_cli(
    cli: Any, loaded_db: Database, tmp_path: Path
) -> None:
    system = str(_system(cli))
    cli("records", "datasets", "add", "--org", "acme", "--system", system, "--name", "FAQ集",
        "--source", "社外秘の出所", "--disclose", "name")  # fmt: skip
    drafted = cli.json("notices", "draft", system, "--org", "acme")
    assert drafted["status"] == "draft" and drafted["problems"] == []
    cli("notices", "draft", system, "--org", "acme", code=8)  # a notice exists already
    published = cli.json("notices", "publish", system, "--org", "acme", "--version", "1")
    assert published["status"] == "published" and published["public_path"]
    shown = cli("notices", "show", system, "--org", "acme", "--lang", "ja").stdout
    assert "公開中" in shown and "問い合わせ応答AI" in shown
    edited = {"ja": {k: v for k, v in drafted["content"]["ja"].items() if k != "records"}}
    edited["ja"]["limits"] = "第2版の注意"
    file = tmp_path / "notice.json"
    file.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    cli("notices", "edit", system, "--org", "acme", "--version", "1", "--file", str(file))
    cli(
        "notices", "edit", system, "--org", "acme", "--version", "1", "--file", str(file), code=8
    )  # fmt: skip  (stale)
    second = cli.json("notices", "publish", system, "--org", "acme", "--version", "2")
    assert second["published_version"] == 2
    assert [v["number"] for v in second["versions"]] == [2, 1]
    with loaded_db.reading() as session:
        first = read_notice(session, second["public_id"], 1)
    assert isinstance(first, PublicNotice) and first.version.content.ja is not None
    assert first.version.content.ja.limits != "第2版の注意"
    assert "社外秘の出所" not in first.model_dump_json()
    taken = cli.json("notices", "unpublish", system, "--org", "acme", "--reason", "終了したため")
    assert taken["status"] == "withdrawn"


def test_a_high_tier_notice_waits_for_the_executive_from_the_cli(cli: Any) -> None:
    system = str(_system(cli, "--domain", "employment"))
    cli("notices", "draft", system, "--org", "acme")
    refused = cli("notices", "publish", system, "--org", "acme", "--version", "1",
                  "--lang", "ja", code=8)  # fmt: skip
    assert "経営層の承認が必要です" in refused.stderr
    cli("notices", "request-approval", system, "--org", "acme", "--version", "1")
    cli("notices", "approve", system, "--org", "acme", "--version", "1", "--reason", "可",
        "--user", "ceo@acme.example")  # fmt: skip
    published = cli.json("notices", "publish", system, "--org", "acme", "--version", "1")
    assert published["status"] == "published"
    denied = cli(
        "notices",
        "approve",
        system,
        "--org",
        "acme",
        "--version",
        "1",
        "--reason",
        "x",
        "--user",
        "ceo@acme.example",
        code=8,
    )  # fmt: skip  nothing waits
    assert "no approval" in denied.stderr


def test_an_edit_file_changes_only_the_fields_it_names(cli: Any, tmp_path: Path) -> None:
    system = str(_system(cli))
    drafted = cli.json("notices", "draft", system, "--org", "acme")
    before = drafted["content"]
    file = tmp_path / "notice.json"
    file.write_text(
        json.dumps({"ja": {"limits": "誤りを含むことがあります。"}, "en": {"contact": "help desk"}},
                   ensure_ascii=False),
        encoding="utf-8",
    )  # fmt: skip
    saved = cli.json("notices", "edit", system, "--org", "acme", "--version", "1",
                     "--file", str(file))  # fmt: skip
    after = saved["content"]
    assert after["ja"]["limits"] == "誤りを含むことがあります。"
    assert after["en"]["contact"] == "help desk"
    for lang, field in (("ja", "title"), ("ja", "contact"), ("en", "title"), ("en", "limits")):
        assert after[lang][field] == before[lang][field] and after[lang][field], (lang, field)
    assert saved["problems"] == []
    # null takes a language out; a language left out stays
    file.write_text(json.dumps({"en": None}), encoding="utf-8")
    out = cli.json("notices", "edit", system, "--org", "acme", "--version", "2",
                   "--file", str(file))  # fmt: skip
    assert out["content"]["en"] is None and out["content"]["ja"]["limits"] == after["ja"]["limits"]
    file.write_text(json.dumps({"ja": "全部"}), encoding="utf-8")
    refused = cli("notices", "edit", system, "--org", "acme", "--version", "3",
                  "--file", str(file), code=4)  # fmt: skip
    assert "null" in refused.stderr
