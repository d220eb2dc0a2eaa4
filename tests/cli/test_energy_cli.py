"""Energy records from the command line: add (refused with the field named when a figure
is wrong), list, show the summary, publish and unpublish, remove, in JSON and as tables;
another organisation's system is not found."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database


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
    run("systems", "create", "--org", "acme", "--name", "住民問い合わせチャットボット",
        "--role", "user")  # fmt: skip
    return run


def test_energy_add_list_show_publish_and_remove_from_the_command_line(cli: Any) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    common = ["--org", "acme", "--phase", "inference", "--from", "2026-04-01",
              "--to", "2026-09-30", "--basis", "estimated",
              "--source", "GPU 2基 × 0.4 kW × 4,392時間 × PUE 1.5"]  # fmt: skip
    added = cli.json("energy", "add", system, *common, "--kwh", "1200", "--factor", "0.441",
                     "--factor-source", "東西電力 2025年度 基礎排出係数")  # fmt: skip
    assert (added["kwh"], added["emissions_kg"]) == ("1200.000", "529.200")
    cli("energy", "add", system, *common, "--kwh", "-5", code=4)
    refused = cli("energy", "add", system, *common, "--kwh", "5", "--factor", "0.4", code=4)
    assert "--factor-source" in refused.stderr
    cli("energy", "add", system, *common, "--kwh", "5", "--phase", "mining", code=4)
    assert [r["kwh"] for r in cli.json("energy", "list", system, "--org", "acme")] == ["1200.000"]
    shown = cli("energy", "list", system, "--org", "acme").stdout
    assert "kWh" in shown and "CO2e" in shown
    summary = cli("energy", "show", system, "--org", "acme").stdout
    assert "factor 0.441 kg-CO2e/kWh — 東西電力" in summary and "not shown publicly" in summary
    assert cli.json("energy", "publish", system, "--org", "acme")["published"] is True
    assert cli.json("energy", "show", system, "--org", "acme")["publication"]["version"] == 1
    assert "not shown" in cli("energy", "unpublish", system, "--org", "acme").stdout
    with_sources = cli("energy", "publish", system, "--org", "acme", "--with-sources")
    assert "with the source of each figure" in with_sources.stdout
    assert cli.json("energy", "show", system, "--org", "acme")["publication"]["show_sources"]
    assert "not shown" in cli("energy", "unpublish", system, "--org", "acme").stdout
    cli("energy", "list", system, "--org", "other", code=3)
    cli("energy", "remove", system, str(added["id"]), "--org", "other", code=3)
    assert cli.json("energy", "remove", system, str(added["id"]), "--org", "acme") == {
        "removed": added["id"]
    }
    assert cli.json("energy", "list", system, "--org", "acme") == []
    cli("energy", "remove", system, str(added["id"]), "--org", "acme", code=3)


@pytest.mark.parametrize(
    ("changes", "english", "japanese"),
    [
        ({"--kwh": "12,5"}, "--kwh: give a number", "電力量（--kwh）: 数値で入力してください"),
        ({"--kwh": "-5"}, "--kwh: give a figure at least 0",
         "電力量（--kwh）: 0以上にしてください"),
        ({"--kwh": "1e10"}, "below 10,000,000,000", "10,000,000,000未満にしてください"),
        ({"--kwh": "1.2345"}, "keep it to 3 decimals", "小数点以下3桁までにしてください"),
        ({"--kwh": "NaN"}, "--kwh: give a number", "数値で入力してください"),
        ({"--to": "2026-03-31"}, "--to: the period ends before it starts",
         "終了日（--to）: 期間の終了日が開始日より前です"),
        ({"--from": "2026-02-30"}, "--from: give a date as YYYY-MM-DD",
         "開始日（--from）: 日付を YYYY-MM-DD の形で"),
        ({"--from": "1999-12-31"}, "give dates between 2000-01-01", "2000-01-01から2100-12-31"),
        ({"--phase": "mining"}, "--phase: choose one of training, fine_tuning, inference",
         "段階（--phase）: training、fine_tuning、inference のいずれか"),
        ({"--basis": "guessed"}, "--basis: choose one of measured, estimated",
         "実測・推計の別（--basis）: measured、estimated のいずれか"),
        ({"--factor": "0.4"}, "--factor-source: say where the emission factor comes from",
         "排出係数の出典（--factor-source）: 排出係数を入れた場合は、その出典も"),
        ({"--factor": "3", "--factor-source": "x"}, "--factor: give a figure at most 2",
         "排出係数（--factor）: 2以下にしてください"),
        ({"--factor-source": "x"}, "--factor-source: a factor's source was given without",
         "排出係数の出典だけが入力されています"),
        ({"--source": ""}, "--source: required", "数値の出典（--source）: 入力してください"),
        ({"--source": "x" * 1001}, "keep it to 1000 characters", "1000文字以内にしてください"),
    ],
)  # fmt: skip
def test_every_refused_value_is_explained_in_english_and_japanese(
    cli: Any, changes: dict[str, str], english: str, japanese: str
) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    given = {"--phase": "inference", "--from": "2026-04-01", "--to": "2026-09-30",
             "--basis": "estimated", "--kwh": "5", "--source": "請求書"} | changes  # fmt: skip
    args = ["energy", "add", system, "--org", "acme", *[x for kv in given.items() for x in kv]]
    en = cli(*args, "--lang", "en", code=4).stderr
    ja = cli(*args, "--lang", "ja", code=4).stderr
    assert en.startswith("error: ") and english in en, en
    assert ja.startswith("エラー: ") and japanese in ja, ja
    assert not any("\u3040" <= c <= "\u30ff" for c in en.replace("請求書", ""))  # no kana
    refused = cli(*args, "--lang", "ja", "--json", code=4)
    error = json.loads(refused.stdout)["error"]
    assert english in error["message"] and japanese in error["message_ja"]
    assert cli.json("energy", "list", system, "--org", "acme") == []


def test_the_organisation_default_from_the_command_line(cli: Any) -> None:
    system = str(cli.json("systems", "list", "--org", "acme")["items"][0]["id"])
    assert (
        "default: off (version 0); 1 systems follow it"
        in cli("energy", "default", "--org", "acme").stdout
    )
    on = cli.json("energy", "default", "on", "--org", "acme")
    assert (on["published"], on["version"], on["following"]) == (True, 1, 1)
    assert (
        "following the organisation's default"
        in cli("energy", "show", system, "--org", "acme").stdout
    )
    assert cli.json("energy", "show", system, "--org", "acme")["publication"]["published"]
    assert cli.json("energy", "default", "--org", "other")["published"] is False
    refused = cli("energy", "default", "yes", "--org", "acme", "--lang", "ja", code=4)
    assert "on か off を指定してください" in refused.stderr
    assert "say on or off" in cli("energy", "default", "yes", "--org", "acme", code=4).stderr
    assert cli.json("energy", "default", "off", "--org", "acme")["version"] == 2
    cli.json("energy", "unpublish", system, "--org", "acme")
    assert cli.json("energy", "default", "--org", "acme")["following"] == 0
