"""Every command's help reads as plain text in a terminal: no reStructuredText markup from
the docstrings it is made of."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from tekisei.cli.app import COMMANDS, app, load_command


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _walk(sub, [*path, name])
    return found


def test_no_help_text_shows_double_backticks() -> None:
    marked = []
    for name in sorted(COMMANDS):
        for path, command in _walk(load_command(name), [name]):
            texts = [command.help or "", command.short_help or ""]
            texts += [getattr(p, "help", None) or "" for p in command.params]
            if any("``" in text for text in texts):
                marked.append(" ".join(path))
    assert marked == []


def test_a_group_help_is_printed_without_markup() -> None:
    shown = CliRunner().invoke(app, ["assessments", "show", "--help"])
    assert shown.exit_code == 0 and "(--framework)" in shown.stdout and "``" not in shown.stdout
