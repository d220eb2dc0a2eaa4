"""The README's command lists, in Japanese and in English, name every command a newcomer
can run."""

from __future__ import annotations

from pathlib import Path

from tekisei.cli.app import COMMANDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    return README[start : README.index("\n### ", start + len(title))]


def test_every_command_is_in_the_japanese_list_and_the_english_overview() -> None:
    for title in ("### コマンド", "### CLI overview"):
        section = _section(title)
        assert [n for n in sorted(COMMANDS) if f"tekisei {n}" not in section] == [], title


def test_the_english_overview_is_written_once() -> None:
    overview = _section("### CLI overview")
    assert overview.count("`tekisei db upgrade`") == 1
