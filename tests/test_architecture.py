"""Dependencies point inward (DESIGN.md §3); this test parses every import to keep it so."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "tekisei"

# Layer of a module → tekisei layers it may import. "errors", "config", "logs",
# "untrusted" (bounded reading of given files), "private" (0600/0700 creation),
# "lazy" (names imported on first use) and "i18n" (the message catalogs) are
# the top-level modules; every layer may import itself.
ALLOWED: dict[str, set[str]] = {
    "core": {"errors"},
    "evals": {"core", "errors", "untrusted", "private", "lazy"},
    "provenance": {"core", "errors", "untrusted", "private", "lazy"},
    "render": {"core", "errors", "i18n"},
    "db": {"core", "errors", "config", "private"},
    "services": {
        *("core", "db", "render", "evals", "provenance", "errors", "config"),
        *("untrusted", "private", "i18n"),
    },
    "web": {"core", "services", "render", "errors", "config", "logs", "version", "i18n"},
    "cli": {
        "core",
        "services",
        "render",
        "errors",
        "config",
        "logs",
        "web",
        "version",
        *("untrusted", "private", "i18n"),
    },
    "catalogs": set(),
    "errors": set(),
    "config": {"errors", "private"},
    "logs": set(),
    "untrusted": {"errors"},
    "private": set(),
    "i18n": set(),  # reads the message catalogs; imports no tekisei module
    "lazy": set(),  # importing a package's names on first use; imports no tekisei module
    "version": set(),
    "__main__": {"cli"},
}
# core may use only the standard library and pydantic.
CORE_THIRD_PARTY = {"pydantic"}


def _layer(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts == ("__init__",):
        return "version"
    return parts[0]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "tekisei":
                found.extend((node.lineno, f"tekisei.{alias.name}") for alias in node.names)
    return found


def _tekisei_layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "tekisei":
        return None
    if len(parts) == 1:
        return "version"
    return {"__version__": "version"}.get(parts[1], parts[1])


MODULES = sorted(SRC.rglob("*.py"))


def test_the_tree_has_every_layer_of_the_design() -> None:
    for layer in (
        "core",
        "services",
        "db",
        "render",
        "web",
        "cli",
        "catalogs",
        "evals",
        "provenance",
    ):
        assert (SRC / layer / "__init__.py").is_file(), layer


def _violations(layer: str, path: Path) -> list[str]:
    allowed = ALLOWED[layer] | {layer}
    wrong = []
    for line, module in _imports(path):
        target = _tekisei_layer(module)
        if target is not None and target not in allowed:
            wrong.append(f"line {line}: {layer} imports {module}")
        if layer == "core" and target is None:
            top = module.split(".")[0]
            if top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY:
                wrong.append(f"line {line}: core imports third-party {module}")
    return wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_inward(path: Path) -> None:
    wrong = _violations(_layer(path), path)
    assert not wrong, "\n".join(wrong)


def test_the_checker_catches_outward_and_third_party_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from tekisei.web.app import create_app\nimport sqlalchemy\n")
    assert _violations("core", bad) == [
        "line 1: core imports tekisei.web.app",
        "line 2: core imports third-party sqlalchemy",
    ]
    assert _violations("services", bad) == ["line 1: services imports tekisei.web.app"]
    assert _violations("cli", bad) == []
