"""The ``tekisei`` command: JSON outputs, exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tekisei import __version__
from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.catalog_files import shipped_files

KEY_ITEMS = [
    "2(1)",
    "2(2)",
    "2(3)",
    "2(4)",
    "2(5)",
    "3(1)",
    "3(2)",
    "3(3)",
    "3(4)",
    "4(2)",
    "1(3)①",
    "1(3)②",
    "1(3)③",
    "1(3)④",
]


def _env(settings: Settings) -> dict[str, str]:
    return {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }


def run(settings: Settings, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args), env=_env(settings))
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result


def run_json(settings: Settings, *args: str) -> Any:
    return json.loads(run(settings, *args, "--json").stdout)


def test_version(shared_settings: Settings) -> None:
    assert run(shared_settings, "--version").stdout.strip() == f"tekisei {__version__}"


def test_list_json_shows_every_framework_with_counts(shared_settings: Settings) -> None:
    frameworks = {f["id"]: f for f in run_json(shared_settings, "catalog", "list")}
    expected = {
        "hiroshima-coc-2023": 11,
        "haip-reporting-v1": 7,
        "iso-iec-42001-2023": 38,
        "nist-ai-rmf-1.0": 72,
        "meti-ai-business-1.1": 10,
        "jaisi-eval-perspectives-1.10": 10,
    }
    for fid, assessable in expected.items():
        assert frameworks[fid]["assessable"] == assessable
    for fid in ("jp-ai-appropriateness-2025", "digital-agency-genai-2025", "tekisei-risks-1"):
        assert fid in frameworks
    for key in ("id", "version", "title_ja", "title_en", "nodes", "assessable"):
        assert key in frameworks["nist-ai-rmf-1.0"]


@pytest.mark.parametrize("section", KEY_ITEMS)
def test_show_json_has_both_languages_and_links_into_three_frameworks(
    shared_settings: Settings, section: str
) -> None:
    node = run_json(shared_settings, "catalog", "show", f"jp-ai-appropriateness-2025:{section}")
    assert node["section"] == section
    assert node["title_ja"] and node["title_en"] and node["text_ja"] and node["text_en"]
    assert node["assessable"] is True
    frameworks = {entry["framework"] for entry in node["crosswalk"]} - {"tekisei-risks-1"}
    assert len(frameworks) >= 3, frameworks
    for entry in node["crosswalk"]:
        assert set(entry) >= {"urn", "framework", "section", "relation", "rationale"}
        assert entry["relation"] in {"equal", "subset", "superset", "intersect", "related"}


def test_show_json_children_are_urns(shared_settings: Settings) -> None:
    node = run_json(shared_settings, "catalog", "show", "jp-ai-appropriateness-2025:1(3)")
    assert node["children"] == [
        f"urn:tekisei:req:jp-ai-appropriateness-2025:1.3.{i}" for i in range(1, 5)
    ]
    assert set(node["actors"]) == {"research", "business", "national", "local", "citizen"}


def test_crosswalk_works_from_the_other_framework(shared_settings: Settings) -> None:
    data = run_json(
        shared_settings,
        "catalog",
        "crosswalk",
        "nist-ai-rmf-1.0:GOVERN 1.5",
        "--framework",
        "jp-ai-appropriateness-2025",
    )
    sections = {entry["section"] for entry in data["crosswalk"]}
    assert {"1(3)④", "2(1)"} <= sections


def test_rationales_follow_the_language(shared_settings: Settings) -> None:
    ja = run_json(
        shared_settings, "catalog", "show", "jp-ai-appropriateness-2025:脚注20", "--lang", "ja"
    )
    en = run_json(
        shared_settings, "catalog", "show", "jp-ai-appropriateness-2025:脚注20", "--lang", "en"
    )
    caio_ja = next(e for e in ja["crosswalk"] if e["framework"] == "digital-agency-genai-2025")
    caio_en = next(e for e in en["crosswalk"] if e["framework"] == "digital-agency-genai-2025")
    assert caio_ja["relation"] == "intersect"  # fn20 also covers AI other than generative
    assert "CAIO" in caio_ja["rationale"] and not caio_ja["rationale"].isascii()
    assert caio_en["rationale"].isascii()


def test_show_a_framework_prints_its_tree(shared_settings: Settings) -> None:
    output = run(shared_settings, "catalog", "show", "hiroshima-coc-2023", "--lang", "en").stdout
    assert "Identify, evaluate and mitigate" in output


def test_show_in_japanese_by_locale(shared_settings: Settings) -> None:
    env = _env(shared_settings) | {"LANG": "ja_JP.UTF-8"}
    result = CliRunner().invoke(
        app, ["catalog", "show", "jp-ai-appropriateness-2025:2(4)"], env=env
    )
    assert result.exit_code == 0
    assert "事業継続" in result.stdout
    assert "根拠資料の例" in result.stdout


def test_an_unknown_node_exits_3_with_a_hint(shared_settings: Settings) -> None:
    result = run(shared_settings, "catalog", "show", "jp-ai-appropriateness-2025:9(9)", code=3)
    assert "tekisei catalog show jp-ai-appropriateness-2025" in result.stderr


def test_search_json(shared_settings: Settings) -> None:
    results = run_json(shared_settings, "catalog", "search", "事業継続")
    assert "2(4)" in [r["section"] for r in results]
    assert all("urn" in r and "title_en" in r for r in results)


def test_validate_reports_line_and_column(tmp_path: Path, shared_settings: Settings) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: tekisei-catalog/1\nframework:\n  id: Bad Id\n  version: '1'\n", encoding="utf-8"
    )
    result = run(shared_settings, "catalog", "validate", str(bad), code=4)
    lines = result.stderr.splitlines()
    assert f"{bad}:3:7: framework.id" in lines[0]
    assert f"{bad}:3:3: framework.title: 'title' is required; add this field" in lines
    assert lines[-1].endswith("problems found.")


def test_validate_accepts_the_shipped_files(shared_settings: Settings) -> None:
    files = [str(p) for p in shipped_files()]
    data = run_json(shared_settings, "catalog", "validate", *files)
    assert len(data) == len(files) and all(item["valid"] for item in data)


def test_diff_of_two_files(tmp_path: Path, shared_settings: Settings) -> None:
    source = next(p for p in shipped_files() if p.name == "haip-reporting-v1.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["framework"]["version"] = "2.0"
    data["nodes"] = data["nodes"][:6]
    newer = tmp_path / "haip-2.yaml"
    newer.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_json(shared_settings, "catalog", "diff", str(source), str(newer))
    assert result["removed"] == ["7"]
    assert result["added"] == [] and result["changed"] == []


def test_export_writes_files_that_validate(tmp_path: Path, shared_settings: Settings) -> None:
    out = tmp_path / "export"
    run(shared_settings, "catalog", "export", "--output", str(out))
    files = sorted(out.glob("*.yaml"))
    assert len(files) == len(shipped_files())
    assert all(
        item["valid"] for item in run_json(shared_settings, "catalog", "validate", *map(str, files))
    )


def test_schema_prints_json_schema(shared_settings: Settings) -> None:
    schema = json.loads(run(shared_settings, "catalog", "schema", "crosswalk").stdout)
    assert schema["title"] == "CrosswalkFile"


def test_db_upgrade_then_load_twice(settings: Settings) -> None:
    result = run(settings, "catalog", "list", code=6)
    assert "tekisei db upgrade" in result.stderr
    assert run_json(settings, "db", "upgrade")["revision"]
    first = run_json(settings, "catalog", "load")
    second = run_json(settings, "catalog", "load")
    assert first["changed"] is True
    assert second["changed"] is False
    assert second["loaded"] == []
    assert run_json(settings, "db", "status")["up_to_date"] is True


def test_an_invalid_setting_exits_5(shared_settings: Settings) -> None:
    env = _env(shared_settings) | {"TEKISEI_DATABASE_URL": "mysql://x"}
    result = CliRunner().invoke(app, ["catalog", "list"], env=env)
    assert result.exit_code == 5
    assert "TEKISEI_DATABASE_URL" in result.stderr


def test_errors_follow_a_japanese_locale(shared_settings: Settings) -> None:
    env = _env(shared_settings) | {"LANG": "ja_JP.UTF-8"}
    result = CliRunner().invoke(
        app, ["catalog", "show", "jp-ai-appropriateness-2025:9(9)"], env=env
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("エラー: 「9(9)」は")
