"""Reading catalog and crosswalk files, with errors that point at file, line and column."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tekisei.core.catalog import (
    CATALOG_FORMAT,
    CROSSWALK_FORMAT,
    CatalogFile,
    CrosswalkFile,
    crosswalk_problems,
)
from tekisei.errors import CatalogFileError, FileLimitError, Problem
from tekisei.untrusted import MAX_YAML_BYTES, compose_yaml, construct_yaml, read_text

_HINTS = {
    "missing": "add this field",
    "extra_forbidden": "remove it, or check the spelling of the field name",
    "string_type": 'write a string; quote values such as 1 or 2.3 ("2.3")',
    "string_pattern_mismatch": "use only the characters the pattern allows",
    "literal_error": "use one of the allowed values",
    "enum": "use one of the allowed values",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
    "too_short": "add at least one item",
    "list_type": "write a list, e.g. [a, b]",
    "model_type": "write a mapping of fields",
    "bool_type": "write true or false",
}


def _compose(text: str, path: str) -> yaml.Node | None:
    """The file's node tree; alias bombs and oversized files are refused unexpanded."""
    try:
        return compose_yaml(text, path)
    except FileLimitError as exc:
        raise CatalogFileError([Problem(path, 1, 1, exc.message)]) from None


def _construct(tree: yaml.Node) -> Any:
    return construct_yaml(tree)


@dataclass(frozen=True)
class ParsedFile:
    """A validated catalog or crosswalk file and where it came from."""

    path: str
    checksum: str
    content: CatalogFile | CrosswalkFile
    text: str = field(repr=False, default="")


def shipped_files() -> list[Path]:
    """The catalog and crosswalk files that ship with tekisei, frameworks first."""
    root = Path(str(resources.files("tekisei") / "catalogs"))
    frameworks = sorted((root / "frameworks").glob("*.yaml"))
    crosswalks = sorted((root / "crosswalks").glob("*.yaml"))
    return frameworks + crosswalks


def parse_text(text: str, path: str) -> ParsedFile:
    """Validate one file's text.

    Raises:
        CatalogFileError: with every problem found, each with line and column.
    """
    try:
        tree = _compose(text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax: {exc.problem or exc.context}; fix the YAML at this point"
        raise CatalogFileError([Problem(path, line, column, message)]) from None
    if not isinstance(tree, yaml.MappingNode):
        raise CatalogFileError(
            [Problem(path, 1, 1, "the file must be a YAML mapping with 'format' at the top")]
        )
    duplicates = list(_duplicate_keys(tree, path))
    if duplicates:
        raise CatalogFileError(duplicates)
    data = _construct(tree)
    kind = data.get("format")
    model: type[CatalogFile] | type[CrosswalkFile]
    if kind == CATALOG_FORMAT:
        model = CatalogFile
    elif kind == CROSSWALK_FORMAT:
        model = CrosswalkFile
    else:
        message = (
            f"format: '{kind}' is unknown; write '{CATALOG_FORMAT}' for a framework "
            f"or '{CROSSWALK_FORMAT}' for a crosswalk"
        )
        raise CatalogFileError([problem_at(path, tree, ("format",), message)])
    try:
        content = model.model_validate(data)
    except ValidationError as exc:
        raise CatalogFileError(_problems(exc, tree, path)) from None
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ParsedFile(path=path, checksum=checksum, content=content, text=text)


def parse_file(path: Path) -> ParsedFile:
    """Read and validate one file.

    Raises:
        CatalogFileError: the file is unreadable or invalid.
    """
    try:
        text = read_text(path, MAX_YAML_BYTES)
    except FileLimitError as exc:
        raise CatalogFileError([Problem(str(path), 0, 0, exc.message)]) from None
    except FileNotFoundError:
        raise CatalogFileError([Problem(str(path), 0, 0, "no such file; check the path")]) from None
    except UnicodeDecodeError as exc:
        raise CatalogFileError(
            [Problem(str(path), 0, 0, f"not UTF-8 text ({exc.reason}); save it as UTF-8")]
        ) from None
    return parse_text(text, str(path))


def parse_files(
    paths: Iterable[Path], known_refs: dict[str, set[str]] | None = None
) -> list[ParsedFile]:
    """Validate a set of files together, crosswalk targets included.

    Args:
        paths: catalog and crosswalk files.
        known_refs: refs of frameworks already loaded, by framework id; crosswalks
            may point at these as well as at frameworks in ``paths``.

    Raises:
        CatalogFileError: every problem in every file.
    """
    parsed: list[ParsedFile] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            parsed.append(parse_file(path))
        except CatalogFileError as exc:
            problems.extend(exc.problems)
    refs: dict[str, set[str]] = dict(known_refs or {})
    seen_ids: dict[str, str] = {}
    for item in parsed:
        if isinstance(item.content, CatalogFile):
            fid = item.content.framework.id
            if fid in seen_ids:
                problems.append(
                    Problem(
                        item.path,
                        1,
                        1,
                        f"framework '{fid}' is also defined in "
                        f"{seen_ids[fid]}; each framework version needs its own id",
                    )
                )
            seen_ids[fid] = item.path
            refs[fid] = {node.ref for node in item.content.nodes}
    for item in parsed:
        if isinstance(item.content, CrosswalkFile):
            problems.extend(_crosswalk_problems(item, refs))
    if problems:
        raise CatalogFileError(problems)
    return parsed


def _crosswalk_problems(item: ParsedFile, refs: dict[str, set[str]]) -> list[Problem]:
    crosswalk = item.content
    assert isinstance(crosswalk, CrosswalkFile)
    found: list[tuple[tuple[Any, ...], str]] = [
        (
            (side,),
            f"{side}: framework '{getattr(crosswalk, side)}' is not loaded; load its catalog "
            "file first or pass it in the same command",
        )
        for side in ("source", "target")
        if getattr(crosswalk, side) not in refs
    ]
    if not found:
        found = [
            (
                ("links", index, name),
                f"links[{index}].{name}: {message}; use a ref defined in that framework",
            )
            for index, name, message in crosswalk_problems(
                crosswalk, refs[crosswalk.source], refs[crosswalk.target]
            )
        ]
    if not found:
        return []
    tree = _compose(item.text, item.path)
    assert tree is not None
    return [problem_at(item.path, tree, loc, message) for loc, message in found]


def problem_at(path: str, tree: yaml.Node, loc: tuple[Any, ...], message: str) -> Problem:
    """A problem placed at the YAML node ``loc`` points to (or its nearest ancestor)."""
    mark = _locate(tree, loc).start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _problems(exc: ValidationError, tree: yaml.Node, path: str) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = _loc_text(loc)
        hint = _HINTS.get(error["type"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing" and loc:
            message = f"'{loc[-1]}' is required"
        text = f"{where}: {message}" if where else message
        if hint and hint not in text:
            text = f"{text}; {hint}"
        problems.append(problem_at(path, tree, loc, text))
    return problems


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _locate(tree: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest YAML node along ``loc`` (a pydantic error location)."""
    node = tree
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            return node
        node = child
    return node


def _duplicate_keys(node: yaml.Node, path: str) -> Iterator[Problem]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield Problem(
                    path,
                    key.start_mark.line + 1,
                    key.start_mark.column + 1,
                    f"key '{key.value}' appears twice in this mapping; keep one",
                )
            seen.add(key.value)
            yield from _duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, path)


def validate_files(paths: Iterable[Path]) -> list[ParsedFile]:
    """Validate files as ``catalog load`` would, without a database.

    Crosswalks may point at the shipped frameworks as well as at frameworks in
    ``paths``.

    Raises:
        CatalogFileError: every problem in every file.
    """
    wanted = [Path(p) for p in paths]
    given = {p.resolve() for p in wanted}
    known: dict[str, set[str]] = {}
    for path in shipped_files():
        if path.parent.name != "frameworks" or path.resolve() in given:
            continue
        content = parse_file(path).content
        if isinstance(content, CatalogFile):
            known[content.framework.id] = {node.ref for node in content.nodes}
    return parse_files(wanted, known)
