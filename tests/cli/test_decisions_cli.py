"""Decision records from the command line: import (Shift_JIS, problems with their row and
exit code), list, stats, template and purge, in JSON and as tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database

HEADER = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"


@pytest.fixture
def cli(settings: Settings, loaded_db: Database) -> Any:
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }

    def run(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    run.json = lambda *args: json.loads(run(*args, "--json").stdout)  # type: ignore[attr-defined]
    for slug in ("acme", "other"):
        run("orgs", "create", slug.title(), "--slug", slug, "--actor", "local")
    run("systems", "create", "--org", "acme", "--name", "児童手当審査支援", "--role", "user")
    return run


def test_decisions_import_list_stats_and_purge_from_the_command_line(
    cli: Any, tmp_path: Path
) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    good = tmp_path / "cases.csv"
    good.write_bytes(
        "\r\n".join([HEADER, "R7-1,2026-04-01,支給,法第7条,決定案の提示,支給,採用,山田",
                     "R7-2,2026-04-02,不支給,法第8条,決定案の提示,支給,不採用,山田",
                     "R1-9,2019-04-02,不支給,,check,,kept,山田"]).encode("cp932")
    )  # fmt: skip
    # a record from 2019 is past the default retention (five years): refused until the
    # retention is longer
    refused = cli("decisions", "import", system, str(good), "--org", "acme", code=4)
    assert "retention" in refused.stdout + refused.stderr
    cli.json("decisions", "settings", "--org", "acme", "--retention-days", "3650")
    dry = cli.json("decisions", "import", system, str(good), "--org", "acme", "--dry-run")
    assert (dry["applied"], dry["created"]) == (False, 3)
    assert cli.json("decisions", "list", system, "--org", "acme") == []
    done = cli.json("decisions", "import", system, str(good), "--org", "acme")
    assert (done["applied"], done["created"]) == (True, 3)
    assert cli.json("decisions", "import", system, str(good), "--org", "acme")["unchanged"] == 3
    listed = cli.json("decisions", "list", system, "--org", "acme", "--from", "2026-01-01")
    assert [d["case_ref"] for d in listed] == ["R7-2", "R7-1"]
    stats = cli.json("decisions", "stats", system, "--org", "acme", "--from", "2026-01-01")
    assert stats["total"]["count"] == 2 and stats["total"]["overridden_share"] == 0.5
    shown = cli("decisions", "stats", system, "--org", "acme").stdout
    assert "2026-04" in shown and "50.0%" in shown
    cli("decisions", "list", system, "--org", "other", code=3)
    cli("decisions", "list", system, "--org", "acme", "--from", "April", code=2)
    cli.json("decisions", "settings", "--org", "acme", "--retention-days", "1826")
    assert cli.json("decisions", "purge", "--org", "acme") == {"deleted": 1}
    assert "deleted 0" in cli("decisions", "purge", "--org", "acme").stdout


def test_a_file_with_problems_names_each_row_and_exits_as_invalid(cli: Any, tmp_path: Path) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nR7-1,2026-13-01,=1+1,,占い,,採用,山田\n", encoding="utf-8")
    result = cli("decisions", "import", system, str(bad), "--org", "acme", "--lang", "ja",
                 code=4)  # fmt: skip
    assert "row 2, 決定日" in result.stderr and "何も取り込んでいません" in result.stdout
    template = cli("decisions", "template", "--lang", "en").stdout
    assert template.lstrip("\ufeff").startswith("Case reference,Decided on")


def test_decision_settings_are_shown_and_changed_from_the_command_line(cli: Any) -> None:
    system = cli.json("systems", "list", "--org", "acme")["items"][0]["id"]
    shown = cli.json("decisions", "settings", "--org", "acme")
    assert (shown["published"], shown["publish_records"], shown["version"]) == ([], False, 0)
    changed = cli.json("decisions", "settings", "--org", "acme", "--retention-days", "3650",
                       "--publish", str(system), "--records")  # fmt: skip
    assert changed["retention_days"] == 3650 and changed["published"] == [system]
    assert changed["publish_records"] is True and changed["version"] == 1
    text = cli("decisions", "settings", "--org", "acme", "--unpublish", str(system),
               "--no-records").stdout  # fmt: skip
    assert "published systems: -" in text and "records published: no" in text
    cli("decisions", "settings", "--org", "acme", "--retention-days", "7", code=2)
    cli("decisions", "settings", "--org", "acme", "--publish", "999999", code=3)
    cli("decisions", "settings", "--org", "other", "--publish", str(system), code=3)
